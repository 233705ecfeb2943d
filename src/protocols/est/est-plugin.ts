import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPkiError, PkiError } from '../../core/pki-error.js';
import type { EnrollmentResult, RegistrationAuthority } from '../../ra/registration-authority.js';
import type { Credential } from '../../ra/provisioner.js';
import { DEFAULT_EST_LABEL, type EstLabel } from './est-label.js';
import { sendEst, sendEstText } from './est-reply.js';
import { EST_STATUS } from './est-status.js';
import { tokenFromAuthorization } from './http-credential.js';
import { tlsClientChain } from './tls-client-chain.js';
import { encodeCertsOnly } from './wire/certs-only.js';
import { encodeEstBody } from './wire/est-body.js';
import { EST_MEDIA_TYPE, isPkcs10ContentType } from './wire/media-types.js';
import { encodeServerKeygenResponse } from './wire/multipart.js';
import { randomBytes } from 'node:crypto';

export interface EstPluginOptions {
  readonly labels: ReadonlyMap<string, EstLabel>;
  readonly ra: Pick<RegistrationAuthority, 'enroll' | 'recordRefusal'>;
  /** The CA certificates for `cacerts`: the label's issuer first, up to and including the root. */
  readonly caCertificates: (label: EstLabel) => readonly Uint8Array[];
  /** DER CsrAttrs for `csrattrs`. */
  readonly csrAttributes: (label: EstLabel) => Uint8Array;
  readonly maxBodyBytes: number;
}

type Operation = 'cacerts' | 'simpleenroll' | 'simplereenroll' | 'csrattrs' | 'serverkeygen' | 'fullcmc';
const OPERATIONS = new Set<string>([
  'cacerts',
  'simpleenroll',
  'simplereenroll',
  'csrattrs',
  'serverkeygen',
  'fullcmc',
]);
const GET_OPERATIONS = new Set<string>(['cacerts', 'csrattrs']);

const WWW_AUTHENTICATE = 'Basic realm="certfleet EST", charset="UTF-8"';

/**
 * EST (RFC 7030, as clarified by RFC 8951 and RFC 9908) under `/.well-known/est[/<label>]/<operation>`. Wire format
 * in, wire format out: credentials and the request go to the RA, which decides; errors become a status and a one-line
 * text body through one table (EST_STATUS). Register with the `/.well-known/est` prefix.
 */
export function estPlugin(app: FastifyInstance, options: EstPluginOptions): Promise<void> {
  // Bodies are base64 text by RFC 8951, but some clients send PEM or raw DER: take bytes, let the codecs judge.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.maxBodyBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );

  const recordedByRa = new WeakSet<object>();
  app.setErrorHandler(async (error, request, reply) => {
    const refusal = asRefusal(error);
    if (refusal.code === 'INTERNAL') request.log.error({ err: error }, 'EST request failed');
    if (!recordedByRa.has(error as object)) {
      // Recorded before the answer leaves, so whoever sees the refusal finds it in the log (recordRefusal never throws).
      await options.ra.recordRefusal(
        { protocol: 'est', operation: operationOf(request), requester: requesterHint(request) },
        refusal,
      );
    }
    replyWithError(reply, refusal);
  });

  app.setNotFoundHandler((_request, reply) => sendEstText(reply, 404, 'no such EST resource'));

  const handle = (label: EstLabel, operation: Operation, request: FastifyRequest, reply: FastifyReply) => {
    switch (operation) {
      case 'cacerts':
        return sendCertsOnly(reply, options.caCertificates(label));
      case 'csrattrs':
        return sendEst(
          reply,
          200,
          { 'Content-Type': EST_MEDIA_TYPE.csrattrs },
          encodeEstBody(options.csrAttributes(label)),
        );
      case 'fullcmc':
        return sendEstText(reply, 501, 'fullcmc is not implemented; use simpleenroll or simplereenroll');
      case 'simpleenroll':
      case 'simplereenroll':
      case 'serverkeygen':
        return enroll(label, operation, request, reply);
    }
  };

  const enroll = async (
    label: EstLabel,
    operation: 'simpleenroll' | 'simplereenroll' | 'serverkeygen',
    request: FastifyRequest,
    reply: FastifyReply,
  ) => {
    if (operation === 'serverkeygen' && !label.serverKeyGeneration) {
      throw new PkiError('NOT_FOUND', `serverkeygen is not offered under label ${label.name}`);
    }
    if (!isPkcs10ContentType(request.headers['content-type'])) {
      throw new PkiError('UNSUPPORTED_MEDIA_TYPE', `${operation} takes ${EST_MEDIA_TYPE.pkcs10}`);
    }
    const credential =
      operation === 'simplereenroll'
        ? { kind: 'ldevid' as const, chain: tlsClientChain(request) }
        : credentialFor(label, request);
    let result: EnrollmentResult;
    try {
      result = await options.ra.enroll(credential, {
        csr: bodyBytes(request.body),
        profile: label.profile,
        ...(label.issuerId === undefined ? {} : { issuerId: label.issuerId }),
        protocol: 'est',
        operation,
        ...(label.manualApproval ? { approvalLabel: label.name } : {}),
        ...(operation === 'serverkeygen' ? { serverKeyGeneration: true } : {}),
      });
    } catch (error) {
      // The RA records its own refusals; the error handler must not record them twice.
      const refusal = asRefusal(error);
      recordedByRa.add(refusal);
      throw refusal;
    }
    if (result.status === 'pending') {
      return sendEstText(
        reply,
        202,
        `held for approval (request ${result.requestId}); repeat the request later`,
        {
          'Retry-After': String(result.retryAfterSeconds),
        },
      );
    }
    const certsOnly = encodeCertsOnly([result.certificate.der]);
    if (operation === 'serverkeygen') {
      if (!result.privateKeyPkcs8) throw new PkiError('INTERNAL', 'serverkeygen produced no key');
      const { contentType, body } = encodeServerKeygenResponse(
        result.privateKeyPkcs8,
        certsOnly,
        `certfleet-${randomBytes(12).toString('hex')}`,
      );
      return sendEst(reply, 200, { 'Content-Type': contentType }, body);
    }
    return sendEst(reply, 200, { 'Content-Type': EST_MEDIA_TYPE.certsOnly }, encodeEstBody(certsOnly));
  };

  const route = (
    labelName: string,
    operationName: string,
    method: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ) => {
    const label = options.labels.get(labelName);
    if (!label || !OPERATIONS.has(operationName)) return sendEstText(reply, 404, 'no such EST resource');
    const operation = operationName as Operation;
    if (GET_OPERATIONS.has(operation) !== (method === 'GET')) {
      return sendEstText(reply, 405, `${operation} takes ${GET_OPERATIONS.has(operation) ? 'GET' : 'POST'}`, {
        Allow: GET_OPERATIONS.has(operation) ? 'GET' : 'POST',
      });
    }
    return handle(label, operation, request, reply);
  };

  type Params = { label?: string; operation: string };
  for (const method of ['GET', 'POST'] as const) {
    app.route<{ Params: Params }>({
      method,
      url: '/:operation',
      handler: (request, reply) => route(DEFAULT_EST_LABEL, request.params.operation, method, request, reply),
    });
    app.route<{ Params: Params }>({
      method,
      url: '/:label/:operation',
      handler: (request, reply) =>
        request.params.label === DEFAULT_EST_LABEL
          ? sendEstText(reply, 404, 'no such EST resource')
          : route(request.params.label ?? '', request.params.operation, method, request, reply),
    });
  }
  return Promise.resolve();
}

function sendCertsOnly(reply: FastifyReply, certificates: readonly Uint8Array[]): void {
  sendEst(
    reply,
    200,
    { 'Content-Type': EST_MEDIA_TYPE.certsOnly },
    encodeEstBody(encodeCertsOnly(certificates)),
  );
}

/**
 * Which credential a simpleenroll or serverkeygen request presents under this label: HTTP authentication (an
 * enrollment token) when sent, otherwise the TLS client certificate, read as the kind the label accepts.
 */
function credentialFor(label: EstLabel, request: FastifyRequest): Credential {
  const token = tokenFromAuthorization(request.headers.authorization);
  if (token !== undefined) {
    if (!label.credentials.includes('enrollment-token'))
      throw new PkiError('UNAUTHORIZED', `label ${label.name} does not take enrollment tokens`);
    return { kind: 'enrollment-token', secret: token };
  }
  const chain = tlsClientChain(request);
  if (chain.length > 0) {
    if (label.credentials.includes('station-certificate')) return { kind: 'station-certificate', chain };
    if (label.credentials.includes('idevid')) return { kind: 'idevid', chain };
  }
  throw new PkiError(
    'UNAUTHORIZED',
    `enrollment under ${label.name === DEFAULT_EST_LABEL ? 'the default label' : `label ${label.name}`} needs ${describeCredentials(label)}`,
  );
}

function describeCredentials(label: EstLabel): string {
  const names = {
    idevid: 'an IDevID client certificate',
    'station-certificate': 'a factory station certificate',
    'enrollment-token': 'an enrollment token',
  } as const;
  return label.credentials.map((c) => (c in names ? names[c as keyof typeof names] : c)).join(' or ');
}

function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  throw new PkiError('MALFORMED_INPUT', 'the request has no body; send the PKCS#10 request in base64');
}

/** Errors from Fastify itself (body too large, unreadable body) become the matching PkiError. */
function asRefusal(error: unknown): PkiError {
  if (isPkiError(error)) return error;
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) return new PkiError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (status === 415) return new PkiError('UNSUPPORTED_MEDIA_TYPE', 'unsupported media type');
  if (status !== undefined && status >= 400 && status < 500)
    return new PkiError('MALFORMED_INPUT', 'the request could not be read');
  return new PkiError('INTERNAL', 'internal error', { cause: error });
}

function replyWithError(reply: FastifyReply, error: PkiError): void {
  const status = EST_STATUS[error.code];
  const extra: Record<string, string> = {};
  if (status === 401) extra['WWW-Authenticate'] = WWW_AUTHENTICATE;
  const retryAfter = error.details['retryAfterSeconds'];
  if (status === 429 && typeof retryAfter === 'number') extra['Retry-After'] = String(retryAfter);
  sendEstText(reply, status, error.code === 'INTERNAL' ? 'internal error' : error.message, extra);
}

function operationOf(request: FastifyRequest): string {
  return request.url.split('?')[0]?.split('/').pop() ?? 'unknown';
}

/** Who sent a request refused before the RA saw it, as far as the edge can tell. */
function requesterHint(request: FastifyRequest): string {
  return `client:${request.ip}`;
}
