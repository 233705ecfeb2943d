import type { Clock } from '../core/clock.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { IssuerDirectory } from './issuer-directory.js';
import { checkIssuedCertificate } from './issued-certificate-check.js';
import { parsePresentedChain } from './presented-chain.js';
import type { Authorization, Credential, Provisioner } from './provisioner.js';

/**
 * Factory stations authenticate with a factory-station certificate this deployment issued; they, and only they,
 * obtain IDevIDs. The certificate must be current in the ledger, so revoking it locks the station out at once.
 */
export class StationProvisioner implements Provisioner<'station-certificate'> {
  readonly kind = 'station-certificate';

  constructor(
    private readonly deps: { issuers: IssuerDirectory; certificates: CertificateReader; clock: Clock },
  ) {}

  async authorize(credential: Extract<Credential, { kind: 'station-certificate' }>): Promise<Authorization> {
    const chain = parsePresentedChain(credential.chain, 'factory enrollment', (der) =>
      this.deps.issuers.known(der),
    );
    const { record } = await checkIssuedCertificate(chain, 'factory-station', this.deps);
    return { requester: `station:${chain.leaf.subjectText || record.serial}`, profiles: ['idevid'] };
  }
}
