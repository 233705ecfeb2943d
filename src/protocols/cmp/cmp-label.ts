import type { IssuerId } from '../../core/ids.js';
import type { ProfileName } from '../../pki/profiles/certificate-profile.js';
import type { CredentialKind } from '../../ra/provisioner.js';

/** The label served at `/.well-known/cmp` without `/p/<label>` (RFC 9811 §3.3). */
export const DEFAULT_CMP_LABEL = 'default';

/**
 * One CMP label (`/.well-known/cmp/p/<label>`, RFC 9811 §3.3: "a CA or certificate profile name"): the profile and
 * issuer it enrolls for, which credentials may open an ir/cr/p10cr there (kur always takes the certificate being
 * updated), and its options.
 */
export interface CmpLabel {
  readonly name: string;
  readonly profile: ProfileName;
  readonly issuerId: IssuerId;
  readonly credentials: readonly CredentialKind[];
  readonly manualApproval: boolean;
  /** Grant a client's implicitConfirm (RFC 9483 §4.1.1); otherwise every certificate waits for certConf. */
  readonly implicitConfirm: boolean;
}
