import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../src/core/clock.js';
import type { IssuedCertificate } from '../../src/ca/issue-order.js';
import { generateKeyPair, type PrivateKey } from '../../src/pki/algorithms/key-algorithm.js';
import { buildCsr } from '../../src/pki/csr.js';
import type { AltName } from '../../src/pki/general-names.js';
import { parseDistinguishedName } from '../../src/pki/name.js';
import { encodePem } from '../../src/pki/pem.js';
import { EstClient, type EstClientOptions } from '../../src/protocols/est/client/est-client.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { testConfig } from './test-deployment.js';

/** A certificate with its key, as PEM, ready for a TLS client. */
export interface ClientCredential {
  readonly key: PrivateKey;
  readonly certificate: Uint8Array;
  readonly certificatePem: string;
  readonly keyPem: string;
}

export interface EstTestServer {
  readonly dir: string;
  readonly server: RunningServer;
  readonly rootPem: string;
  /** `https://127.0.0.1:<port>/.well-known/est` */
  readonly estUrl: string;
  client(options?: Partial<EstClientOptions> & { label?: string; as?: ClientCredential }): EstClient;
  /** A certificate issued by the operator (e.g. a factory station or an IDevID), with its new key. */
  issue(profile: string, subject: string, altNames?: AltName[], deviceId?: string): Promise<ClientCredential>;
  close(): Promise<void>;
}

export function credentialFrom(
  key: PrivateKey,
  issued: IssuedCertificate | Uint8Array,
  chain: readonly Uint8Array[] = [],
): ClientCredential {
  const der = issued instanceof Uint8Array ? issued : issued.der;
  const intermediates = issued instanceof Uint8Array ? chain : issued.chain.slice(0, -1);
  return {
    key,
    certificate: der,
    certificatePem: [der, ...intermediates].map((d) => encodePem('CERTIFICATE', d)).join(''),
    keyPem: key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function csr(
  subject: string,
  key: PrivateKey = generateKeyPair('ec-p256'),
  altNames: AltName[] = [],
): { key: PrivateKey; der: Uint8Array } {
  return { key, der: buildCsr({ subject: parseDistinguishedName(subject), altNames }, key) };
}

/** A certfleet server on a loopback port with a fresh development PKI, configured by `config`. */
export async function startEstServer(
  config: Record<string, unknown> = {},
  clock: Clock = systemClock,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<EstTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-est-'));
  try {
    const server = await serve(
      testConfig(dir, { log: { level: 'silent' }, ...config }),
      clock,
      env,
      () => undefined,
    );
    const rootPem = await readFile(join(dir, 'offline-root', 'root.cert.pem'), 'utf8');
    const estUrl = `${server.url}/.well-known/est`;
    return {
      dir,
      server,
      rootPem,
      estUrl,
      client: (options = {}) => {
        const { label, as, ...rest } = options;
        return new EstClient({
          baseUrl: label === undefined ? estUrl : `${estUrl}/${label}`,
          serverTrust: rootPem,
          ...(as ? { clientCertificate: { certificatePem: as.certificatePem, keyPem: as.keyPem } } : {}),
          ...rest,
        });
      },
      issue: async (profile, subject, altNames = [], deviceId) => {
        const request = csr(subject, undefined, altNames);
        const issued = await server.runtime.ra.requestCertificate(
          { kind: 'operator', name: 'test' },
          {
            csr: request.der,
            profile,
            protocol: 'test',
            operation: 'issue',
            ...(deviceId === undefined ? {} : { deviceId }),
          },
        );
        return credentialFrom(request.key, issued);
      },
      close: async () => {
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
