import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePem } from '../../src/pki/pem.js';
import type { EstTestServer } from './est-server.js';
import type { BrokerTls } from './mosquitto.js';

/** Writes `<name>.pem` (the certificate and its chain) and `<name>.key` (0600) into `dir`. */
export async function writePair(
  dir: string,
  name: string,
  certificatePem: string,
  keyPem: string,
): Promise<void> {
  await writeFile(join(dir, `${name}.pem`), certificatePem);
  await writeFile(join(dir, `${name}.key`), keyPem, { mode: 0o600 });
}

/**
 * The files a broker that admits our devices needs, written into `dir`: `root.pem`; `broker-ca.pem`, the
 * operational CA and the root as `cacerts` gives them (so the broker trusts LDevIDs, not IDevIDs); and a
 * tls-server certificate for localhost/127.0.0.1 as `broker.pem`/`broker.key`. Returns the broker's TLS files
 * and the operational chain (DER, issuing CA first).
 */
export async function writeBrokerPki(
  est: EstTestServer,
  dir: string,
): Promise<{ readonly tls: BrokerTls; readonly operationalChain: readonly Uint8Array[] }> {
  await writeFile(join(dir, 'root.pem'), est.rootPem);
  const operationalChain = await est.client().cacerts();
  await writeFile(
    join(dir, 'broker-ca.pem'),
    operationalChain.map((der) => encodePem('CERTIFICATE', der)).join(''),
  );
  const tlsServer = await est.issue('tls-server', 'CN=localhost', [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
  ]);
  await writePair(dir, 'broker', tlsServer.certificatePem, tlsServer.keyPem);
  return {
    operationalChain,
    tls: {
      cafile: join(dir, 'broker-ca.pem'),
      certfile: join(dir, 'broker.pem'),
      keyfile: join(dir, 'broker.key'),
    },
  };
}
