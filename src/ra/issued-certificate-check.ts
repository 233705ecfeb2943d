import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import type { ProfileName } from '../pki/profiles/certificate-profile.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { CertificateRecord } from '../store/records.js';
import type { IssuerDirectory, KnownIssuer } from './issuer-directory.js';
import type { PresentedChain } from './presented-chain.js';

/**
 * Checks that a presented certificate is one this deployment issued under `profile` (or one of them) and still stands: it chains to
 * our root, is within its validity, the ledger has exactly this certificate, and it is neither revoked nor
 * superseded... superseded certificates stay usable until they expire, so a device can retry a renewal whose
 * answer it lost.
 */
export async function checkIssuedCertificate(
  chain: PresentedChain,
  profile: ProfileName | readonly ProfileName[],
  deps: { issuers: IssuerDirectory; certificates: CertificateReader; clock: Clock },
): Promise<{ record: CertificateRecord; issuer: KnownIssuer }> {
  const { leaf } = chain;
  deps.issuers.trustStore.validate(leaf, [...chain.others, ...deps.issuers.intermediates], deps.clock.now());
  const issuer = deps.issuers.issuerOf(leaf);
  const record = issuer && (await deps.certificates.get(issuer.record.id, leaf.serial));
  if (!issuer || !record || record.fingerprintSha256 !== leaf.fingerprintSha256) {
    throw new PkiError(
      'UNAUTHORIZED',
      `the client certificate ${leaf.serial} was not issued by this deployment`,
    );
  }
  if (record.status === 'revoked')
    throw new PkiError('CERT_REVOKED', `the client certificate ${leaf.serial} is revoked`);
  const expected: readonly ProfileName[] = typeof profile === 'string' ? [profile] : profile;
  if (!expected.includes(record.profile as ProfileName)) {
    throw new PkiError(
      'FORBIDDEN',
      `${/^[aeiou]/.test(record.profile) ? 'an' : 'a'} ${record.profile} certificate cannot be used here (expected ${expected.join(' or ')})`,
    );
  }
  return { record, issuer };
}

export function describeCertificate(certificate: ParsedCertificate): string {
  return certificate.subjectText || certificate.serial;
}
