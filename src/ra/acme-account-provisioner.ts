import type { ProfileName } from '../pki/profiles/certificate-profile.js';
import type { Authorization, Credential, Provisioner } from './provisioner.js';

/**
 * ACME accounts (RFC 8555): the front end has verified the account's JWS and that its authorizations for every
 * identifier are valid; this decides which profiles such an account may obtain and pins the certificate's names
 * to exactly those identifiers.
 */
export class AcmeAccountProvisioner implements Provisioner<'acme-account'> {
  readonly kind = 'acme-account';

  constructor(private readonly profiles: readonly ProfileName[]) {}

  authorize(credential: Extract<Credential, { kind: 'acme-account' }>): Promise<Authorization> {
    return Promise.resolve({
      requester: `acme:${credential.accountId}`,
      profiles: this.profiles,
      exactAltNames: credential.identifiers.map((identifier) => ({
        type: identifier.type,
        value: identifier.value,
      })),
    });
  }
}
