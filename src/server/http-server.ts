import { readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { toIssuerId } from '../core/ids.js';
import { isPkiError } from '../core/pki-error.js';
import { encodePem } from '../pki/pem.js';
import { resolveSecretReference, type SecretEnvironment } from '../keys/secret-reference.js';
import type { Runtime } from './runtime.js';

/** The HTTPS Fastify instance the front ends register on. */
export type HttpsServer = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

/** Largest request body any route accepts; protocol plugins set tighter limits of their own. */
const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * The HTTPS front door: TLS 1.2 and 1.3 only (RFC 8996), the public CA certificates, and a health check.
 * Protocol front ends (EST, CMP, ACME) and the admin API register here as plugins.
 */
export async function buildHttpServer(
  runtime: Runtime,
  logger: Logger,
  env: SecretEnvironment,
): Promise<HttpsServer> {
  const { tls } = runtime.config.server;
  const [cert, key, passphrase] = await Promise.all([
    readFile(tls.certFile, 'utf8'),
    readFile(tls.keyFile, 'utf8'),
    resolveSecretReference(tls.passphraseSource, { env, purpose: 'server.tls.passphraseSource' }),
  ]);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    https: { cert, key, passphrase, minVersion: 'TLSv1.2', requestCert: false },
  });

  app.setErrorHandler((error, request, reply) => {
    if (isPkiError(error) && error.code === 'NOT_FOUND')
      return reply.code(404).send({ error: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  app.get('/healthz', async () => {
    await runtime.store.issuers.list();
    return { status: 'ok' };
  });

  /** CA certificates: `/ca/<issuer>.pem` (PEM) and `/ca/<issuer>.cer` (DER, as AIA caIssuers expects). */
  app.get<{ Params: { file: string } }>('/ca/:file', async (request, reply) => {
    const match = /^([a-z0-9-]+)\.(pem|cer)$/.exec(request.params.file);
    const id = match?.[1] === undefined ? undefined : toIssuerId(match[1]);
    const issuer = id === undefined ? undefined : await runtime.store.issuers.get(id);
    if (!issuer || !match) return reply.code(404).send({ error: 'no such CA certificate' });
    if (match[2] === 'cer')
      return reply.type('application/pkix-cert').send(Buffer.from(issuer.certificateDer));
    return reply.type('application/x-pem-file').send(encodePem('CERTIFICATE', issuer.certificateDer));
  });

  return app;
}
