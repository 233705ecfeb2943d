import type { Clock } from '../core/clock.js';
import { toDeviceId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { TrustStore } from '../pki/chain.js';
import { nameValue } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { DeviceRegistry } from '../store/device-registry.js';
import type { IssuerDirectory } from './issuer-directory.js';
import { parsePresentedChain } from './presented-chain.js';
import type { Authorization, Credential, Provisioner } from './provisioner.js';

/**
 * Onboarding: a device presents its birth certificate (IDevID). It must chain to a configured manufacturer
 * anchor (our factory issuer, or a third party's imported anchor) and be within its validity; one we issued
 * must also stand in our ledger (not revoked), and the device must not be decommissioned. The device identity
 * is the IDevID's subject serialNumber, and the operational certificate will carry the same identity.
 */
export class IdevidProvisioner implements Provisioner<'idevid'> {
  readonly kind = 'idevid';

  constructor(
    private readonly deps: {
      manufacturerAnchors: TrustStore;
      issuers: IssuerDirectory;
      certificates: CertificateReader;
      devices: DeviceRegistry;
      clock: Clock;
    },
  ) {}

  async authorize(credential: Extract<Credential, { kind: 'idevid' }>): Promise<Authorization> {
    const chain = parsePresentedChain(credential.chain, 'onboarding', (der) => this.deps.issuers.known(der));
    const { leaf } = chain;
    this.deps.manufacturerAnchors.validate(
      leaf,
      [...chain.others, ...this.deps.issuers.intermediates],
      this.deps.clock.now(),
    );
    const serialNumber = nameValue(leaf.subject, OID.serialNumber);
    const deviceId = serialNumber === undefined ? undefined : toDeviceId(serialNumber);
    if (deviceId === undefined) {
      throw new PkiError('FORBIDDEN', 'the IDevID names no device: its subject has no valid serialNumber');
    }
    const ours = this.deps.issuers.issuerOf(leaf);
    if (ours) {
      const record = await this.deps.certificates.get(ours.record.id, leaf.serial);
      if (record?.status === 'revoked')
        throw new PkiError('CERT_REVOKED', `the IDevID of ${deviceId} is revoked`);
      if (record && record.profile !== 'idevid') {
        throw new PkiError('FORBIDDEN', `a ${record.profile} certificate is not a birth certificate`);
      }
    }
    const device = await this.deps.devices.get(deviceId);
    if (device?.state === 'decommissioned')
      throw new PkiError('FORBIDDEN', `device ${deviceId} is decommissioned`);
    return {
      requester: `idevid:${deviceId}`,
      profiles: ['ldevid'],
      deviceId,
      presented: {
        profile: 'idevid',
        issuerId: ours?.record.id ?? null,
        serial: leaf.serial,
        notAfter: leaf.notAfter,
      },
    };
  }
}
