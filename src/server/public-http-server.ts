import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { revocationHttpPlugin } from '../revocation/revocation-http.js';
import type { Runtime } from './runtime.js';

export type PublicHttpServer = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

/** Largest OCSP request over POST: a request for 16 certificates with a nonce is well under 2 KiB. */
const MAX_OCSP_REQUEST_BYTES = 16 * 1024;

/**
 * The plain-HTTP listener relying parties reach through the URLs in issued certificates (pki.publicBaseUrl):
 * CRLs, OCSP and CA certificates. It carries nothing secret and accepts no enrollment.
 */
export async function buildPublicHttpServer(runtime: Runtime, logger: Logger): Promise<PublicHttpServer> {
  const app = Fastify({ loggerInstance: logger });
  await app.register(revocationHttpPlugin, {
    responder: runtime.ocspResponder,
    crl: async (id) =>
      runtime.issuers.has(id) ? runtime.crlPublisher.current(id) : runtime.store.crls.latest(id, 'full'),
    caCertificate: async (id) => (await runtime.store.issuers.get(id))?.certificateDer,
    clock: runtime.clock,
    maxRequestBytes: MAX_OCSP_REQUEST_BYTES,
  });
  app.get('/healthz', async () => {
    await runtime.store.issuers.list();
    return { status: 'ok' };
  });
  return app;
}
