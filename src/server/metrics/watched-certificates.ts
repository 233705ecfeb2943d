import { parseCertificate, type ParsedCertificate } from '../../pki/certificate.js';
import type { CertificateReader } from '../../store/certificate-reader.js';
import type { IssuerRegistry } from '../../store/issuer-registry.js';
import type { IssuerRecord } from '../../store/records.js';

/** A certificate worth a series of its own in `certfleet_certificate_expiry_timestamp_seconds`. */
export interface WatchedCertificate {
  /** Our issuer's id (a root names itself); the issuer's distinguished name for a certificate from elsewhere. */
  readonly issuer: string;
  readonly serial: string;
  readonly profile: string;
  /** RFC 4514. */
  readonly subject: string;
  readonly notAfter: Date;
}

/** Profiles of certificates without a device that get a series each (besides issuers and the TLS listener). */
export const WATCHED_PROFILES: readonly string[] = ['code-signing'];

/** Series per profile at most: beyond it the earliest to expire are kept (the list is ordered by notAfter). */
export const MAX_WATCHED_PER_PROFILE = 100;

export interface WatchedCertificatesSources {
  readonly issuers: Pick<IssuerRegistry, 'list'>;
  readonly certificates: Pick<CertificateReader, 'listIssuedWithoutDevice'>;
  /** Certificates that are not in the store's lists, known when the server starts: its TLS certificate. */
  readonly fixed: readonly WatchedCertificate[];
}

/**
 * The certificates whose expiry is watched one by one: every active issuer (CA) certificate, the server's TLS
 * certificate, and the unexpired, unrevoked certificates of WATCHED_PROFILES (code signing). Device
 * certificates are not among them: a fleet of a million would be a million series; the fleet gauges count
 * devices by state instead.
 */
export class WatchedCertificates {
  /** Serials of issuer certificates by fingerprint: issuers rarely change, their DER need not be parsed again. */
  private readonly serials = new Map<string, string>();

  constructor(private readonly sources: WatchedCertificatesSources) {}

  async list(now: Date): Promise<readonly WatchedCertificate[]> {
    const [issuers, ...byProfile] = await Promise.all([
      this.sources.issuers.list(),
      ...WATCHED_PROFILES.map((profile) =>
        this.sources.certificates.listIssuedWithoutDevice({
          profile,
          validAt: now,
          limit: MAX_WATCHED_PER_PROFILE,
        }),
      ),
    ]);
    return [
      ...issuers.filter((issuer) => issuer.status === 'active').map((issuer) => this.fromIssuer(issuer)),
      ...this.sources.fixed,
      ...byProfile.flat().map((c) => ({
        issuer: c.issuerId,
        serial: c.serial,
        profile: c.profile,
        subject: c.subject,
        notAfter: c.notAfter,
      })),
    ];
  }

  private fromIssuer(issuer: IssuerRecord): WatchedCertificate {
    let serial = this.serials.get(issuer.fingerprintSha256);
    if (serial === undefined) {
      serial = parseCertificate(issuer.certificateDer).serial;
      this.serials.set(issuer.fingerprintSha256, serial);
    }
    return {
      issuer: issuer.parentId ?? issuer.id,
      serial,
      profile: issuer.role === 'root' ? 'root-ca' : 'intermediate-ca',
      subject: issuer.subject,
      notAfter: issuer.notAfter,
    };
  }
}

/** A certificate known outside the store (e.g. the TLS listener's), with its issuer named by `issuer`. */
export function watchedCertificate(
  certificate: ParsedCertificate,
  profile: string,
  issuer: string,
): WatchedCertificate {
  return {
    issuer,
    serial: certificate.serial,
    profile,
    subject: certificate.subjectText,
    notAfter: certificate.notAfter,
  };
}
