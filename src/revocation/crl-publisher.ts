import type { Clock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import type { CrlContent } from '../ca/crl-signer.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { CrlRecord, CrlStore } from '../store/crl-store.js';

export interface CrlPolicy {
  /** thisUpdate → nextUpdate. */
  readonly validitySeconds: number;
  /** A CRL is republished when less than this is left before its nextUpdate. */
  readonly republishBeforeSeconds: number;
}

/** Attempts at drawing a CRL number another node has not taken meanwhile. */
const NUMBER_ATTEMPTS = 5;

/**
 * Publishes each online issuer's full CRL (RFC 5280 §5): every revoked certificate that has not expired, with
 * reason codes and invalidity dates, a CRL number one above the last one any node published, the authority key
 * identifier, and nextUpdate `validitySeconds` later. Published CRLs are kept in the store, so every node serves
 * the same, newest one.
 */
export class CrlPublisher {
  /** Republications in progress, so that many fetches of a CRL that has just fallen due sign it once. */
  private readonly renewing = new Map<IssuerId, Promise<CrlRecord>>();

  constructor(
    private readonly deps: {
      crls: CrlStore;
      certificates: Pick<CertificateReader, 'listRevoked'>;
      sign: (issuerId: IssuerId, content: CrlContent) => Promise<Uint8Array>;
      clock: Clock;
      policy: CrlPolicy;
    },
  ) {}

  /** Signs and records a new CRL for the issuer now. */
  async publish(issuerId: IssuerId): Promise<CrlRecord> {
    for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt++) {
      const thisUpdate = wholeSeconds(this.deps.clock.now());
      const nextUpdate = new Date(thisUpdate.getTime() + this.deps.policy.validitySeconds * 1000);
      const revoked = await this.deps.certificates.listRevoked(issuerId, { notAfterFrom: thisUpdate });
      const crlNumber = (await this.deps.crls.highestNumber(issuerId)) + 1;
      const der = await this.deps.sign(issuerId, {
        crlNumber,
        thisUpdate,
        nextUpdate,
        entries: revoked.map((r) => ({
          serial: r.serial,
          revokedAt: r.revokedAt,
          reason: r.reason,
          ...(r.invalidityDate === null ? {} : { invalidityDate: r.invalidityDate }),
        })),
      });
      const record: CrlRecord = { issuerId, crlNumber, thisUpdate, nextUpdate, der, baseCrlNumber: null };
      try {
        await this.deps.crls.add(record);
        return record;
      } catch (error) {
        // Another node published this number first: draw the next one.
        if (!isPkiError(error, 'CONFLICT')) throw error;
      }
    }
    throw new PkiError('UNAVAILABLE', `could not allocate a CRL number for '${issuerId}'`);
  }

  /** The CRL to serve: the newest one, republished first if it is missing or close to its nextUpdate. */
  async current(issuerId: IssuerId): Promise<CrlRecord> {
    const latest = await this.deps.crls.latest(issuerId, 'full');
    if (latest && !this.isDue(latest)) return latest;
    const pending = this.renewing.get(issuerId);
    if (pending) return pending;
    const renewal = this.publish(issuerId).finally(() => this.renewing.delete(issuerId));
    this.renewing.set(issuerId, renewal);
    return renewal;
  }

  isDue(crl: CrlRecord): boolean {
    const remainingMs = crl.nextUpdate.getTime() - this.deps.clock.now().getTime();
    return remainingMs < this.deps.policy.republishBeforeSeconds * 1000;
  }
}

/** CRL times carry whole seconds (RFC 5280 §5.1.2.4 with §4.1.2.5). */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
