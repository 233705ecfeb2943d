import { formatDuration } from '../core/duration.js';
import { PkiError } from '../core/pki-error.js';
import type { CertificateProfile } from '../pki/profiles/certificate-profile.js';

export interface ValidityWindow {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The validity of a new certificate. notBefore is backdated by `backdateSeconds` so a device whose clock runs
 * a little behind still accepts its new certificate; neither end ever leaves the issuer's own validity. If
 * clamping to the issuer's notAfter would leave less than the profile's minimum, the request is refused
 * rather than issued short.
 */
export function validityWindow(
  now: Date,
  validitySeconds: number,
  backdateSeconds: number,
  issuer: { readonly notBefore: Date; readonly notAfter: Date },
  profile: CertificateProfile,
): ValidityWindow {
  const nowMs = Math.floor(now.getTime() / 1000) * 1000;
  if (nowMs >= issuer.notAfter.getTime()) {
    throw new PkiError('POLICY_VIOLATION', 'the issuer has expired and cannot issue', {
      details: { profile: profile.name, rule: `${profile.name}.issuer-expired` },
    });
  }
  const notBefore = new Date(Math.max(nowMs - backdateSeconds * 1000, issuer.notBefore.getTime()));
  const notAfter = new Date(Math.min(nowMs + validitySeconds * 1000, issuer.notAfter.getTime()));
  const remainingSeconds = (notAfter.getTime() - nowMs) / 1000;
  if (remainingSeconds < profile.validity.minSeconds) {
    throw new PkiError(
      'POLICY_VIOLATION',
      `${profile.name} profile: the issuer expires in ${formatDuration(Math.max(1, Math.floor(remainingSeconds)))}, ` +
        `before the minimum validity of ${formatDuration(profile.validity.minSeconds)}`,
      { details: { profile: profile.name, rule: `${profile.name}.issuer-expiry` } },
    );
  }
  return { notBefore, notAfter };
}
