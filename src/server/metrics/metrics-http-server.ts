import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type MetricsHttpServer = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

export interface MetricsHttpServerOptions {
  readonly registry: Registry;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>` (RFC 6750 §2.1). */
  readonly bearerToken: string | undefined;
  readonly logger: Logger;
}

/** RFC 6750 §3: the challenge of a protected resource. */
const WWW_AUTHENTICATE = 'Bearer realm="certfleet metrics"';
/** RFC 6750 §2.1, with any visible characters in the token (ServerMetrics refuses a token with others). */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/**
 * The Prometheus listener: plain HTTP, `GET /metrics` in the text exposition format 0.0.4, and nothing else.
 * Apart from the HTTPS listener so a scraper needs neither a client certificate nor an admin credential; on
 * loopback by default, with an optional bearer token (required off loopback, see metricsConfigProblems).
 * Scrapes are not logged (one every few seconds would drown the log); refused ones are.
 */
export function buildMetricsHttpServer(options: MetricsHttpServerOptions): MetricsHttpServer {
  const { registry, bearerToken } = options;
  const expected = bearerToken === undefined ? undefined : digest(bearerToken);
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'metrics request failed');
    return reply.code(500).type('text/plain; charset=utf-8').send('internal error\n');
  });

  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined && !presents(request.headers.authorization, expected)) {
      request.log.warn({ ip: request.ip }, 'metrics scrape refused: missing or wrong bearer token');
      return reply
        .code(401)
        .header('WWW-Authenticate', WWW_AUTHENTICATE)
        .type('text/plain; charset=utf-8')
        .send('a bearer token is required\n');
    }
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
  return app;
}

/** Compared as SHA-256 digests in constant time, so neither the token's bytes nor its length leak by timing. */
function presents(authorization: string | undefined, expected: Buffer): boolean {
  const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  return token !== undefined && timingSafeEqual(digest(token), expected);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
