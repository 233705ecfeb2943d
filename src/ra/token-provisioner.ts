import { hash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import { isProfileName } from '../pki/profiles/certificate-profile.js';
import type { EnrollmentTokens } from '../store/enrollment-tokens.js';
import type { Authorization, Credential, Provisioner } from './provisioner.js';

/**
 * Brownfield devices (no IDevID) enroll once with a token an operator made for them. Only the token's SHA-256 is
 * stored; the token is consumed when the certificate is issued, so a request that fails for another reason
 * (a malformed CSR) does not burn it.
 */
export class TokenProvisioner implements Provisioner<'enrollment-token'> {
  readonly kind = 'enrollment-token';

  constructor(private readonly deps: { tokens: EnrollmentTokens; clock: Clock }) {}

  async authorize(credential: Extract<Credential, { kind: 'enrollment-token' }>): Promise<Authorization> {
    const secretSha256 = hashTokenSecret(credential.secret);
    const token = await this.deps.tokens.findUsable(secretSha256, this.deps.clock.now());
    if (!token)
      throw new PkiError('UNAUTHORIZED', 'the enrollment token is unknown, used, voided or expired');
    if (!isProfileName(token.profile))
      throw new PkiError('FORBIDDEN', `the token is for an unknown profile ${token.profile}`);
    return {
      requester: `token:${token.id}`,
      profiles: [token.profile],
      deviceId: token.deviceId,
      tokenSecretSha256: secretSha256,
    };
  }
}

export function hashTokenSecret(secret: string): string {
  return hash('sha256', secret.trim(), 'hex');
}
