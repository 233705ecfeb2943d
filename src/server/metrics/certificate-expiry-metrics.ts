import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import { RefreshingValue } from './refreshing-value.js';
import type { WatchedCertificate, WatchedCertificates } from './watched-certificates.js';

export interface CertificateExpiryMetricsOptions {
  readonly certificates: Pick<WatchedCertificates, 'list'>;
  readonly clock: Clock;
  readonly refreshSeconds: number;
  readonly onRefreshFailure: (error: unknown) => void;
}

type Label = 'issuer' | 'serial' | 'profile' | 'subject';

/**
 * `certfleet_certificate_expiry_timestamp_seconds{issuer,serial,profile,subject}`: the notAfter, in Unix
 * seconds, of each watched certificate (see WatchedCertificates), so `… - time() < 30 * 86400` finds those
 * expiring within 30 days. Refreshed at most every `refreshSeconds`; no samples while the store cannot be read.
 */
export class CertificateExpiryMetrics {
  private readonly watched: RefreshingValue<readonly WatchedCertificate[]>;

  constructor(registry: Registry, options: CertificateExpiryMetricsOptions) {
    this.watched = new RefreshingValue((now) => options.certificates.list(now), {
      clock: options.clock,
      maxAgeSeconds: options.refreshSeconds,
      onFailure: options.onRefreshFailure,
    });
    const expiry: Gauge<Label> = new Gauge({
      name: 'certfleet_certificate_expiry_timestamp_seconds',
      help: 'notAfter (Unix seconds) of the issuer (CA) certificates, the server TLS certificate and code-signing certificates.',
      labelNames: ['issuer', 'serial', 'profile', 'subject'],
      registers: [registry],
      collect: async () => {
        const certificates = await this.watched.getOrUndefined();
        expiry.reset();
        for (const c of certificates ?? []) {
          expiry.set(
            { issuer: c.issuer, serial: c.serial, profile: c.profile, subject: c.subject },
            c.notAfter.getTime() / 1000,
          );
        }
      },
    });
  }
}
