import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../pki/certificate.js';
import { buildCsr } from '../pki/csr.js';
import { parseDistinguishedName } from '../pki/name.js';
import { encodePem } from '../pki/pem.js';
import { EstClient } from '../protocols/est/client/est-client.js';
import type { PemCredential, SimulationTarget } from './simulated-deployment.js';

/** A device fresh from the factory: its id and its birth certificate (IDevID) with the key it generated. */
export interface BornDevice {
  readonly id: string;
  readonly idevid: PemCredential;
}

/**
 * The factory line: each device generates its key, and the station posts its CSR to the factory EST label
 * (`/.well-known/est/factory/simpleenroll`, mTLS with the station certificate), as flow 1 of the architecture
 * describes. `concurrency` stations' worth of requests are in flight at once.
 */
export async function provisionDevices(
  target: Pick<SimulationTarget, 'estUrl' | 'trustPem' | 'station'>,
  ids: readonly string[],
  options: { concurrency: number; onBorn?: (device: BornDevice) => void },
): Promise<BornDevice[]> {
  const factory = new EstClient({
    baseUrl: `${target.estUrl.replace(/\/+$/, '')}/factory`,
    serverTrust: target.trustPem,
    clientCertificate: target.station,
    timeoutMs: 60_000,
  });
  // The IDevID is presented with the factory issuer (not the root) so the server can build the chain.
  const intermediates = (await factory.cacerts())
    .map((der) => ({ der, cert: parseCertificate(der) }))
    .filter(({ cert }) => cert.subjectText !== cert.issuerText)
    .map(({ der }) => encodePem('CERTIFICATE', der))
    .join('');
  const born: BornDevice[] = new Array<BornDevice>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index]!;
      const key = generateKeyPair('ec-p256');
      const csr = buildCsr(
        { subject: parseDistinguishedName(`CN=${id},serialNumber=${id}`), altNames: [] },
        key,
      );
      const result = await factory.simpleenroll(csr);
      if (result.status !== 'issued') throw new Error(`the factory label held ${id} for approval`);
      const device = {
        id,
        idevid: {
          certificatePem: encodePem('CERTIFICATE', result.certificate) + intermediates,
          keyPem: key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
        },
      };
      born[index] = device;
      options.onBorn?.(device);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, ids.length) }, worker));
  return born;
}
