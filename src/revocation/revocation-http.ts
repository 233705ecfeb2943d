import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type IssuerId, toIssuerId } from '../core/ids.js';
import { encodeOcspError } from '../pki/ocsp/ocsp-response.js';
import { encodePem } from '../pki/pem.js';
import type { CrlRecord } from '../store/crl-store.js';
import type { OcspAnswer, OcspResponder } from './ocsp-responder.js';

export interface RevocationHttpOptions {
  readonly responder: OcspResponder;
  /** The CRL to serve for an issuer (online issuers republish when due; the offline root's is imported). */
  readonly crl: (issuerId: IssuerId) => Promise<CrlRecord | undefined>;
  /** DER certificate of an issuer, for AIA caIssuers (RFC 5280 §4.2.2.1). */
  readonly caCertificate: (issuerId: IssuerId) => Promise<Uint8Array | undefined>;
  readonly clock: { now(): Date };
  /** Largest OCSP request accepted over POST. */
  readonly maxRequestBytes: number;
}

const OCSP_REQUEST = 'application/ocsp-request';
const OCSP_RESPONSE = 'application/ocsp-response';
/** How long relying parties may keep a CRL before fetching again (a revocation republishes it at once). */
const CRL_MAX_AGE_SECONDS = 300;

/**
 * What relying parties fetch over plain HTTP: `/crl/<issuer>.crl` (RFC 5280 CRL distribution point),
 * `/ocsp[/<issuer>]` (RFC 6960 appendix A: POST, or GET with the base64 request in the path) and
 * `/ca/<issuer>.cer|.pem` (authority information access caIssuers). Nothing here needs TLS: CRLs and OCSP
 * answers are signed, and a validator must not need to validate a TLS certificate to check revocation.
 */
export function revocationHttpPlugin(app: FastifyInstance, options: RevocationHttpOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.maxRequestBytes },
    (_request, body, done) => done(null, body),
  );

  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'revocation endpoint failed');
    const ocsp = request.url.startsWith('/ocsp');
    if (ocsp && status < 500 && status !== 413 && status !== 415)
      return sendOcsp(
        reply,
        { der: encodeOcspError('malformedRequest'), cached: false },
        false,
        options.clock,
      );
    if (ocsp && status >= 500)
      return sendOcsp(reply, { der: encodeOcspError('internalError'), cached: false }, false, options.clock);
    return reply
      .code(status)
      .type('text/plain; charset=utf-8')
      .send(status >= 500 ? 'internal error\n' : `${(error as Error).message}\n`);
  });

  app.get<{ Params: { file: string } }>('/crl/:file', async (request, reply) => {
    const id = issuerFromFile(request.params.file, '.crl');
    const crl = id === undefined ? undefined : await options.crl(id);
    if (!crl) return reply.code(404).type('text/plain; charset=utf-8').send('no such CRL\n');
    const remaining = Math.floor((crl.nextUpdate.getTime() - options.clock.now().getTime()) / 1000);
    return reply
      .type('application/pkix-crl')
      .header('Cache-Control', `public, max-age=${Math.max(0, Math.min(CRL_MAX_AGE_SECONDS, remaining))}`)
      .header('Last-Modified', crl.thisUpdate.toUTCString())
      .header('Expires', crl.nextUpdate.toUTCString())
      .send(Buffer.from(crl.der));
  });

  app.get<{ Params: { file: string } }>('/ca/:file', async (request, reply) => {
    const pem = request.params.file.endsWith('.pem');
    const id = issuerFromFile(request.params.file, pem ? '.pem' : '.cer');
    const der = id === undefined ? undefined : await options.caCertificate(id);
    if (!der) return reply.code(404).type('text/plain; charset=utf-8').send('no such CA certificate\n');
    return pem
      ? reply.type('application/x-pem-file').send(encodePem('CERTIFICATE', der))
      : reply.type('application/pkix-cert').send(Buffer.from(der));
  });

  const post = async (request: FastifyRequest, reply: FastifyReply, scope?: IssuerId) => {
    if ((request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() !== OCSP_REQUEST) {
      return reply.code(415).type('text/plain; charset=utf-8').send(`OCSP requests are ${OCSP_REQUEST}\n`);
    }
    const body = request.body instanceof Uint8Array ? request.body : new Uint8Array(0);
    return sendOcsp(reply, await options.responder.respond(body, scope), false, options.clock);
  };
  app.post('/ocsp', (request, reply) => post(request, reply));
  app.post<{ Params: { issuer: string } }>('/ocsp/:issuer', (request, reply) => {
    const id = toIssuerId(request.params.issuer);
    if (id === undefined)
      return sendOcsp(reply, { der: encodeOcspError('unauthorized'), cached: false }, false, options.clock);
    return post(request, reply, id);
  });

  // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}; base64 may hold '/'.
  app.get<{ Params: { '*': string } }>('/ocsp/*', async (request, reply) => {
    const path = request.params['*'];
    const slash = path.indexOf('/');
    const first = slash < 0 ? undefined : toIssuerId(path.slice(0, slash));
    const encoded = first === undefined ? path : path.slice(slash + 1);
    const der = decodeGetRequest(encoded);
    if (!der)
      return sendOcsp(
        reply,
        { der: encodeOcspError('malformedRequest'), cached: false },
        false,
        options.clock,
      );
    return sendOcsp(reply, await options.responder.respond(der, first), true, options.clock);
  });
  return Promise.resolve();
}

function issuerFromFile(file: string, extension: string): IssuerId | undefined {
  return file.endsWith(extension) ? toIssuerId(file.slice(0, -extension.length)) : undefined;
}

/** The URL path segment of a GET request: percent-decoded, then base64 (standard or URL-safe, padding optional). */
function decodeGetRequest(encoded: string): Uint8Array | undefined {
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || text.length > 16_384) return undefined;
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 0 ? undefined : new Uint8Array(bytes);
}

/**
 * An OCSP answer with RFC 5019/9919 §6 caching headers for successful GET answers (which are what caches keep):
 * max-age up to nextUpdate, Last-Modified at producedAt, Expires at nextUpdate. POST answers are not cacheable.
 */
function sendOcsp(
  reply: FastifyReply,
  answer: OcspAnswer,
  get: boolean,
  clock: { now(): Date },
): FastifyReply {
  reply.type(OCSP_RESPONSE);
  if (get && answer.producedAt && answer.nextUpdate) {
    const maxAge = Math.max(0, Math.floor((answer.nextUpdate.getTime() - clock.now().getTime()) / 1000));
    reply
      .header('Cache-Control', `max-age=${maxAge}, public, no-transform, must-revalidate`)
      .header('Last-Modified', answer.producedAt.toUTCString())
      .header('Expires', answer.nextUpdate.toUTCString());
  } else {
    reply.header('Cache-Control', 'no-store');
  }
  return reply.send(Buffer.from(answer.der));
}
