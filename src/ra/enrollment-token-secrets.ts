import { createHmac, randomBytes } from 'node:crypto';
import { PkiError } from '../core/pki-error.js';
import { hashTokenSecret } from './token-provisioner.js';

/** Domain separation: this key derives nothing else. */
const LABEL = 'certfleet enrollment token v1\0';

export interface MintedEnrollmentToken {
  readonly id: string;
  /** Shown once to the operator; never stored. */
  readonly secret: string;
  /** What the store keeps, as the TokenProvisioner checks it. */
  readonly secretSha256: string;
}

/**
 * Enrollment token secrets, derived from the token id with the deployment's token key:
 * `base64url(HMAC-SHA256(key, label ‖ id))`. The store keeps only each secret's hash, as before; what derivation
 * adds is that the server can recompute a secret from its id. CMP needs that: a device without an IDevID protects
 * its messages with a MAC keyed by the secret and names the token in senderKID (RFC 9483 §3.2, §4.1.5), so the
 * server must hold the secret to check the MAC — and derives it instead of storing it.
 */
export class EnrollmentTokenSecrets {
  constructor(private readonly key: Uint8Array) {
    if (key.length < 32)
      throw new PkiError('CONFIG_INVALID', 'the enrollment token key is shorter than 256 bits');
  }

  /** A fresh token id with its secret. */
  mint(): MintedEnrollmentToken {
    const id = `tok_${randomBytes(6).toString('hex')}`;
    const secret = this.secretFor(id);
    return { id, secret, secretSha256: hashTokenSecret(secret) };
  }

  secretFor(tokenId: string): string {
    return createHmac('sha256', this.key).update(LABEL).update(tokenId, 'utf8').digest('base64url');
  }
}
