import type { Authorization, Credential, Provisioner } from './provisioner.js';

/**
 * The server's own infrastructure certificates: a node's delegated OCSP responder and CMP signing certificates. No front end can
 * present this credential; only server/ constructs it, in process.
 */
export class ServiceProvisioner implements Provisioner<'service'> {
  readonly kind = 'service';

  authorize(credential: Extract<Credential, { kind: 'service' }>): Promise<Authorization> {
    return Promise.resolve({
      requester: `service:${credential.name}`,
      profiles: ['ocsp-responder', 'cmp-ra'],
    });
  }
}
