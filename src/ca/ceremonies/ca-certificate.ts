import { createHash } from 'node:crypto';
import type { Name } from '@peculiar/asn1-x509';
import type { Clock } from '../../core/clock.js';
import { keyAlgorithmOfSpki } from '../../pki/algorithms/key-algorithm.js';
import { buildCertificate } from '../../pki/certificate-builder.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  keyIdentifierOf,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
} from '../../pki/extensions.js';
import { encodeName, formatName } from '../../pki/name.js';
import type { CertificateProfile } from '../../pki/profiles/certificate-profile.js';
import { checkProfile } from '../../pki/profiles/check-profile.js';
import { randomSerial, serialToHex } from '../../pki/serial.js';
import type { Signer } from '../../keys/signer.js';
import { validityWindow } from '../validity-window.js';

/** CA certificates are backdated like end-entity ones, so a device whose clock lags still accepts the chain. */
const DEFAULT_CEREMONY_BACKDATE_SECONDS = 300;

/** What a ceremony journals before it signs. */
export interface PreparedCaCertificate {
  readonly serial: Uint8Array;
  readonly summary: Readonly<Record<string, string>>;
}

/** A self-signed root is bounded only by what X.509 time can express. */
const SELF_SIGNED_BOUNDS = { notBefore: new Date(0), notAfter: new Date('9999-12-31T23:59:59Z') };

export interface CaCertificateRequest {
  readonly profile: CertificateProfile;
  readonly subject: Name;
  readonly spkiDer: Uint8Array;
  readonly validitySeconds?: number;
  /** The issuing CA; absent for a self-signed root. */
  readonly issuer?: { readonly subjectDer: Uint8Array; readonly notBefore: Date; readonly notAfter: Date };
  readonly signer: Signer;
  readonly crlUrl?: string;
  readonly backdateSeconds?: number;
}

/**
 * Builds and signs a CA certificate (root or intermediate) through the schema encoder. Ceremonies are rare and
 * deliberate, so they take the reference path rather than the issuance template.
 */
export async function signCaCertificate(
  request: CaCertificateRequest,
  clock: Clock,
  beforeSign?: (prepared: PreparedCaCertificate) => Promise<void>,
): Promise<{ der: Uint8Array; serial: Uint8Array }> {
  const { profile } = request;
  const decision = checkProfile(profile, {
    subject: request.subject,
    altNames: [],
    keyAlgorithm: keyAlgorithmOfSpki(request.spkiDer),
    ...(request.validitySeconds === undefined ? {} : { validitySeconds: request.validitySeconds }),
  });
  const now = clock.now();
  const issuerBounds = request.issuer ?? SELF_SIGNED_BOUNDS;
  const window = validityWindow(
    now,
    decision.validitySeconds,
    request.backdateSeconds ?? DEFAULT_CEREMONY_BACKDATE_SECONDS,
    issuerBounds,
    profile,
  );
  const subjectDer = encodeName(request.subject);
  const authoritySpki = request.signer.spki;
  const extensions = [
    basicConstraintsExtension(true, profile.pathLength),
    keyUsageExtension(decision.keyUsage),
    subjectKeyIdentifierExtension(keyIdentifierOf(request.spkiDer)),
  ];
  if (request.issuer) extensions.push(authorityKeyIdentifierExtension(keyIdentifierOf(authoritySpki)));
  if (request.issuer && request.crlUrl !== undefined)
    extensions.push(crlDistributionPointsExtension([request.crlUrl]));
  const serial = randomSerial(now);
  await beforeSign?.({
    serial,
    summary: {
      serial: serialToHex(serial),
      profile: profile.name,
      subject: formatName(request.subject),
      notBefore: window.notBefore.toISOString(),
      notAfter: window.notAfter.toISOString(),
      spkiSha256: createHash('sha256').update(request.spkiDer).digest('hex'),
      preparedAt: now.toISOString(),
    },
  });
  const der = await buildCertificate(
    {
      serial,
      signatureAlgorithm: request.signer.signatureAlgorithm,
      issuerDer: request.issuer?.subjectDer ?? subjectDer,
      subjectDer,
      notBefore: window.notBefore,
      notAfter: window.notAfter,
      spkiDer: request.spkiDer,
      extensions,
    },
    (tbs) => request.signer.sign(tbs),
  );
  return { der, serial };
}
