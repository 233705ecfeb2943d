import type { IssuerId } from '../../core/ids.js';
import type { ProfileName } from '../../pki/profiles/certificate-profile.js';
import type { CredentialKind } from '../../ra/provisioner.js';

/** The name under which `/.well-known/est/<op>` (no label) is configured. */
export const DEFAULT_EST_LABEL = 'default';

/**
 * One EST label (RFC 7030 §3.2.2 "arbitrary label"): which profile and issuer it enrolls for, which credentials may
 * use simpleenroll/serverkeygen there (simplereenroll always takes the current certificate), and its options.
 */
export interface EstLabel {
  readonly name: string;
  readonly profile: ProfileName;
  readonly issuerId?: IssuerId;
  readonly credentials: readonly CredentialKind[];
  readonly manualApproval: boolean;
  readonly serverKeyGeneration: boolean;
}
