import { hash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { assembleCertificate } from '../pki/certificate-builder.js';
import { formatAltName } from '../pki/general-names.js';
import { formatName } from '../pki/name.js';
import { checkProfile } from '../pki/profiles/check-profile.js';
import { ProfileSet } from '../pki/profiles/profile-set.js';
import { randomSerial, serialToHex } from '../pki/serial.js';
import type { CertificateLedger } from '../store/certificate-ledger.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from '../store/records.js';
import type { IssueOrder, IssuedCertificate } from './issue-order.js';
import type { OnlineIssuer } from './online-issuer.js';
import { TemplateCache } from './template-cache.js';
import { validityWindow } from './validity-window.js';

export interface CertificateAuthorityOptions {
  /** How far notBefore is set back to tolerate device clock skew; 300 s by default. */
  readonly backdateSeconds?: number;
  /** The deployment's profiles (configured lifetimes); the built-in ones by default. */
  readonly profiles?: ProfileSet;
}

/** Serial collisions are astronomically rare at 126 random bits; more than this many in a row is a bug. */
const MAX_SERIAL_ATTEMPTS = 3;

/**
 * The authority: it knows issuers, profiles and the ledger, nothing of devices or protocols. Every issuance is
 * prepare → record → sign → record: the certificate is in the ledger before it is signed, and its DER is in the
 * ledger before it is returned, so no certificate leaves that the store does not know.
 */
export class CertificateAuthority {
  private readonly templates = new TemplateCache();
  private readonly backdateSeconds: number;
  private readonly profiles: ProfileSet;

  constructor(
    private readonly issuers: ReadonlyMap<IssuerId, OnlineIssuer>,
    private readonly ledger: CertificateLedger,
    private readonly clock: Clock,
    options: CertificateAuthorityOptions = {},
  ) {
    this.backdateSeconds = options.backdateSeconds ?? 300;
    this.profiles = options.profiles ?? ProfileSet.builtin();
  }

  issuer(id: IssuerId): OnlineIssuer {
    const issuer = this.issuers.get(id);
    if (!issuer) throw new PkiError('NOT_FOUND', `no online issuer '${id}'`);
    return issuer;
  }

  async issue(order: IssueOrder): Promise<IssuedCertificate> {
    const issuer = this.issuer(order.issuerId);
    const profile = this.profiles.profile(order.profile);
    if (profile.issuedBy !== 'intermediate') {
      throw new PkiError(
        'POLICY_VIOLATION',
        `${profile.name} certificates are signed in a ceremony, not online`,
        {
          details: { profile: profile.name, rule: `${profile.name}.ceremony-only` },
        },
      );
    }
    // Defence in depth: the RA has applied the profile already; the CA checks again what it is about to sign.
    const decision = checkProfile(profile, {
      subject: order.subject,
      altNames: order.altNames,
      keyAlgorithm: order.keyAlgorithm,
      ...(order.validitySeconds === undefined ? {} : { validitySeconds: order.validitySeconds }),
    });
    const now = this.clock.now();
    const window = validityWindow(
      now,
      decision.validitySeconds,
      this.backdateSeconds,
      issuer.certificate,
      profile,
    );
    const template = this.templates.get(issuer, profile, decision.keyUsage);

    const serial = await this.recordPrepared(order, issuer, window, now);
    const tbs = template.encode({
      serial: serial.bytes,
      notBefore: window.notBefore,
      notAfter: window.notAfter,
      subjectDer: order.subjectDer,
      spkiDer: order.spkiDer,
      altNames: order.altNames,
      altNamesCritical: decision.altNamesCritical,
    });
    const der = assembleCertificate(tbs, issuer.signer.signatureAlgorithm, await issuer.signer.sign(tbs));
    const signed: SignedCertificate = {
      issuerId: issuer.id,
      serial: serial.hex,
      der,
      fingerprintSha256: hash('sha256', der, 'hex'),
    };
    await this.ledger.recordSigned([signed], this.clock.now(), (entry) =>
      issuedEvent(entry, order, window.notAfter, now),
    );
    return {
      issuerId: issuer.id,
      serial: serial.hex,
      der,
      notBefore: window.notBefore,
      notAfter: window.notAfter,
      fingerprintSha256: signed.fingerprintSha256,
      chain: [issuer.certificate.der, ...issuer.chain],
    };
  }

  private async recordPrepared(
    order: IssueOrder,
    issuer: OnlineIssuer,
    window: { notBefore: Date; notAfter: Date },
    now: Date,
  ): Promise<{ bytes: Uint8Array; hex: SerialHex }> {
    const spkiSha256 = hash('sha256', order.spkiDer, 'hex');
    const subject = formatName(order.subject);
    const sans = order.altNames.map(formatAltName);
    for (let attempt = 0; attempt < MAX_SERIAL_ATTEMPTS; attempt++) {
      const bytes = randomSerial(now);
      const hex = serialToHex(bytes);
      const prepared: PreparedCertificate = {
        issuerId: issuer.id,
        serial: hex,
        profile: order.profile,
        subject,
        sans,
        deviceId: order.deviceId,
        notBefore: window.notBefore,
        notAfter: window.notAfter,
        keyAlgorithm: order.keyAlgorithm,
        spkiSha256,
        requestedVia: order.requestedVia,
      };
      const conflicts = await this.ledger.recordPrepared([prepared], now);
      if (conflicts.length === 0) return { bytes, hex };
    }
    throw new PkiError('INTERNAL', 'could not draw an unused serial number');
  }
}

function issuedEvent(entry: SignedCertificate, order: IssueOrder, notAfter: Date, at: Date): AuditEvent {
  return {
    at,
    event: 'cert.issued',
    actor: order.requester,
    subject: `cert:${entry.issuerId}/${entry.serial}`,
    data: {
      profile: order.profile,
      deviceId: order.deviceId,
      notAfter: notAfter.toISOString(),
      fingerprintSha256: entry.fingerprintSha256,
      requestedVia: order.requestedVia,
    },
  };
}
