import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPkiError, PkiError } from '../../core/pki-error.js';
import type { RegistrationAuthority } from '../../ra/registration-authority.js';
import { DEFAULT_CMP_LABEL, type CmpLabel } from './cmp-label.js';
import { type CmpOperation, isCmpOperation } from './cmp-operation.js';
import type { CmpResponder } from './cmp-responder.js';
import { CMP_MEDIA_TYPE, CMP_MEDIA_TYPES } from './wire/media-type.js';

export interface CmpPluginOptions {
  readonly labels: ReadonlyMap<string, CmpLabel>;
  readonly responder: Pick<CmpResponder, 'respond'>;
  readonly ra: Pick<RegistrationAuthority, 'recordRefusal'>;
  readonly maxBodyBytes: number;
}

/**
 * CMP over HTTP (RFC 9811) under `/.well-known/cmp`: `[/p/<label>][/<operation>]` (RFC 9811 §3.3, RFC 9483 §6.1),
 * POST of one DER PKIMessage as `application/pkixcmp`. Every answer that is a PKIMessage goes out as 200 with the
 * same media type (RFC 9811 §3.4), refusals included; only requests that carry no PKIMessage at all (wrong media
 * type, too large, unknown label) get a plain HTTP error. Register with the `/.well-known/cmp` prefix.
 */
export function cmpPlugin(app: FastifyInstance, options: CmpPluginOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.maxBodyBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.setErrorHandler(async (error, request, reply) => {
    const refusal = asRefusal(error);
    if (refusal.code === 'INTERNAL') request.log.error({ err: error }, 'CMP request failed');
    await options.ra.recordRefusal(
      { protocol: 'cmp', operation: 'unknown', requester: `client:${request.ip}` },
      refusal,
    );
    sendText(
      reply,
      HTTP_STATUS[refusal.code] ?? 500,
      refusal.code === 'INTERNAL' ? 'internal error' : refusal.message,
    );
  });
  app.setNotFoundHandler((_request, reply) => sendText(reply, 404, 'no such CMP resource'));

  const handle = async (
    labelName: string,
    operationSegment: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ) => {
    const label = options.labels.get(labelName);
    if (!label) throw new PkiError('NOT_FOUND', `no CMP label ${labelName}`);
    let operation: CmpOperation | undefined;
    if (operationSegment !== undefined) {
      if (!isCmpOperation(operationSegment))
        throw new PkiError('NOT_FOUND', `no CMP operation ${operationSegment}`);
      operation = operationSegment;
    }
    const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (mediaType === undefined || !CMP_MEDIA_TYPES.has(mediaType))
      throw new PkiError('UNSUPPORTED_MEDIA_TYPE', `CMP messages are sent as ${CMP_MEDIA_TYPE}`);
    const body = request.body;
    if (!(body instanceof Uint8Array) || body.length === 0)
      throw new PkiError('MALFORMED_INPUT', 'the request carries no PKIMessage');
    const answer = await options.responder.respond(new Uint8Array(body), label, operation);
    return reply
      .code(answer.httpStatus)
      .header('Content-Type', CMP_MEDIA_TYPE)
      .header('Cache-Control', 'no-store')
      .send(Buffer.from(answer.der.buffer, answer.der.byteOffset, answer.der.byteLength));
  };

  app.post('/', (request, reply) => handle(DEFAULT_CMP_LABEL, undefined, request, reply));
  app.post<{ Params: { operation: string } }>('/:operation', (request, reply) =>
    handle(DEFAULT_CMP_LABEL, request.params.operation, request, reply),
  );
  app.post<{ Params: { label: string } }>('/p/:label', (request, reply) =>
    handle(request.params.label, undefined, request, reply),
  );
  app.post<{ Params: { label: string; operation: string } }>('/p/:label/:operation', (request, reply) =>
    handle(request.params.label, request.params.operation, request, reply),
  );
  return Promise.resolve();
}

const HTTP_STATUS: Partial<Record<PkiError['code'], number>> = {
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MALFORMED_INPUT: 400,
};

function asRefusal(error: unknown): PkiError {
  if (isPkiError(error)) return error;
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) return new PkiError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (status === 415)
    return new PkiError('UNSUPPORTED_MEDIA_TYPE', `CMP messages are sent as ${CMP_MEDIA_TYPE}`);
  if (status !== undefined && status >= 400 && status < 500)
    return new PkiError('MALFORMED_INPUT', 'the request could not be read');
  return new PkiError('INTERNAL', 'internal error', { cause: error });
}

function sendText(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .type('text/plain; charset=utf-8')
    .send(`${message.replace(/[\r\n]+/g, ' ')}\n`);
}
