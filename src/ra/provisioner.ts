import type { DeviceId } from '../core/ids.js';
import type { ProfileName } from '../pki/profiles/certificate-profile.js';

/**
 * The credential a requester presented. Each front end authenticates its own transport (mTLS, JWS, MAC) and
 * hands the RA what it learned; a provisioner for that kind decides what it is worth. Later kinds (IDevID,
 * current LDevID, enrollment token, CMP secret, ACME account) join this union.
 */
export type Credential = { readonly kind: 'operator'; readonly name: string };

/** What an authenticated credential may obtain. */
export interface Authorization {
  /** Stable description for logs and the audit trail, e.g. `operator:alice`. */
  readonly requester: string;
  readonly profiles: readonly ProfileName[];
  /** When set, the certificate must be for this device and no other. */
  readonly deviceId?: DeviceId;
}

/** Authenticates one kind of credential and returns its constraints; it never signs. */
export interface Provisioner<C extends Credential = Credential> {
  readonly kind: C['kind'];
  authorize(credential: C): Promise<Authorization>;
}
