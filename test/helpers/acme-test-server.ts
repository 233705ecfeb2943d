import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AcmeClient } from '../../src/protocols/acme/client/acme-client.js';
import { startChallengeResponder, type ChallengeResponder } from './acme-challenge-responder.js';
import { type EstTestServer, startEstServer } from './est-server.js';

export interface AcmeTestServer {
  readonly est: EstTestServer;
  /** Answers http-01 and tls-alpn-01 for every name: the server's checks all come here (loopback test mode). */
  readonly responder: ChallengeResponder;
  /** `https://127.0.0.1:<port>/acme/directory` */
  readonly directoryUrl: string;
  /** PEM of the deployment's root: what clients trust the server's TLS certificate with. */
  readonly rootPem: string;
  /** A client with a fresh account key (P-256 unless told), not yet registered. */
  client(accountKey?: KeyObject): AcmeClient;
  close(): Promise<void>;
}

/**
 * A certfleet server whose ACME challenge checks go to a challenge responder on loopback
 * (`acme.validation.loopbackForTests` with the environment switch it needs), as a test or the bench uses it.
 * `config` is merged over that; `acme` settings in it are merged into the ACME section.
 */
export async function startAcmeTestServer(
  config: Record<string, unknown> = {},
  options: { readonly httpPort?: number; readonly tlsPort?: number } = {},
): Promise<AcmeTestServer> {
  const responder = await startChallengeResponder();
  const clients: AcmeClient[] = [];
  try {
    const { acme, ...rest } = config as { acme?: Record<string, unknown> };
    const est = await startEstServer(
      {
        ...rest,
        acme: {
          ...acme,
          validation: {
            timeoutMs: 5000,
            loopbackForTests: {
              httpPort: options.httpPort ?? responder.httpPort,
              tlsPort: options.tlsPort ?? responder.tlsPort,
            },
          },
        },
      },
      undefined,
      { CERTFLEET_ACME_TEST_VALIDATION: 'loopback' },
    );
    const directoryUrl = `${est.server.url}/acme/directory`;
    return {
      est,
      responder,
      directoryUrl,
      rootPem: est.rootPem,
      client: (accountKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) => {
        const client = new AcmeClient({ directoryUrl, accountKey, ca: est.rootPem, pollIntervalMs: 50 });
        clients.push(client);
        return client;
      },
      close: async () => {
        for (const client of clients) client.close();
        await est.close();
        await responder.close();
      },
    };
  } catch (error) {
    await responder.close();
    throw error;
  }
}
