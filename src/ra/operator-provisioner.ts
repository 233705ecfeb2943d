import { PkiError } from '../core/pki-error.js';
import type { ProfileName } from '../pki/profiles/certificate-profile.js';
import type { Authorization, Credential, Provisioner } from './provisioner.js';

type OperatorCredential = Extract<Credential, { kind: 'operator' }>;

/** End-entity profiles an operator may request directly; CA certificates are made in ceremonies. */
const OPERATOR_PROFILES: readonly ProfileName[] = [
  'idevid',
  'ldevid',
  'tls-server',
  'code-signing',
  'factory-station',
];

/**
 * An operator with local access to the deployment (the `certfleet` CLI on the server, with the store and keys
 * at hand) may request any end-entity certificate. The admin API will use its own authenticated operators.
 */
export class OperatorProvisioner implements Provisioner<'operator'> {
  readonly kind = 'operator';

  authorize(credential: OperatorCredential): Promise<Authorization> {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(credential.name)) {
      return Promise.reject(new PkiError('UNAUTHORIZED', 'operator name is missing or invalid'));
    }
    return Promise.resolve({ requester: `operator:${credential.name}`, profiles: OPERATOR_PROFILES });
  }
}
