import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { DeviceRegistry } from '../store/device-registry.js';
import type { IssuerDirectory } from './issuer-directory.js';
import { checkIssuedCertificate } from './issued-certificate-check.js';
import { parsePresentedChain } from './presented-chain.js';
import type { Authorization, Credential, Provisioner } from './provisioner.js';

/**
 * Renewal: the device presents its current operational certificate, which must be ours, current in the ledger
 * and unexpired. The renewal keeps the certificate's names (RFC 7030 §4.2.2) and replaces it.
 */
export class LdevidProvisioner implements Provisioner<'ldevid'> {
  readonly kind = 'ldevid';

  constructor(
    private readonly deps: {
      issuers: IssuerDirectory;
      certificates: CertificateReader;
      devices: DeviceRegistry;
      clock: Clock;
    },
  ) {}

  async authorize(credential: Extract<Credential, { kind: 'ldevid' }>): Promise<Authorization> {
    const chain = parsePresentedChain(credential.chain, 'renewal', (der) => this.deps.issuers.known(der));
    const { record, issuer } = await checkIssuedCertificate(chain, 'ldevid', this.deps);
    const deviceId = record.deviceId;
    if (deviceId === null) throw new PkiError('FORBIDDEN', 'the certificate names no device');
    const device = await this.deps.devices.get(deviceId);
    if (device?.state === 'decommissioned')
      throw new PkiError('FORBIDDEN', `device ${deviceId} is decommissioned`);
    const { leaf } = chain;
    return {
      requester: `ldevid:${deviceId}`,
      profiles: ['ldevid'],
      deviceId,
      presented: {
        profile: 'ldevid',
        issuerId: issuer.record.id,
        serial: record.serial,
        notAfter: record.notAfter,
      },
      renewing: {
        issuerId: issuer.record.id,
        serial: record.serial,
        subjectDer: leaf.subjectDer,
        altNames: leaf.extensions.subjectAltNames?.names ?? [],
        spkiDer: leaf.spkiDer,
        supersededBy: record.supersededBy,
      },
    };
  }
}
