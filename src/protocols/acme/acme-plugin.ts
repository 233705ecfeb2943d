import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toIssuerId, toSerialHex } from '../../core/ids.js';
import { isPkiError, PkiError } from '../../core/pki-error.js';
import type { RegistrationAuthority } from '../../ra/registration-authority.js';
import type { AccountService } from './account-service.js';
import type { AccountRequest, AcmeAuthenticator, AuthenticatedRequest } from './acme-authenticator.js';
import { acmeProblemFor } from './acme-error-mapping.js';
import type { AcmeResponse } from './acme-response.js';
import { RESOURCE_ID, type AcmeUrls } from './acme-urls.js';
import type { ChallengeService } from './challenge-service.js';
import type { NonceMinter } from './nonce-minter.js';
import type { OrderService } from './order-service.js';
import { wasRecorded } from './recorded-refusals.js';
import type { RenewalInfoService } from './renewal-info-service.js';
import type { RevocationService } from './revocation-service.js';
import { AcmeProblem } from './wire/acme-problem.js';

export interface AcmePluginOptions {
  readonly urls: AcmeUrls;
  readonly directoryMeta: Record<string, unknown>;
  readonly authenticator: AcmeAuthenticator;
  readonly minter: NonceMinter;
  readonly accounts: AccountService;
  readonly orders: OrderService;
  readonly challenges: ChallengeService;
  readonly revocation: RevocationService;
  readonly renewalInfo: RenewalInfoService;
  readonly ra: Pick<RegistrationAuthority, 'recordRefusal'>;
  readonly now: () => Date;
  readonly maxBodyBytes: number;
}

const JOSE_JSON = 'application/jose+json';

/**
 * ACME (RFC 8555) under `/acme`: the directory, nonces and renewal information by GET, everything else as a POST
 * of a JWS (`application/jose+json`). Every answer carries a fresh Replay-Nonce (§6.5), `Cache-Control: no-store`
 * and a link to the directory; every error is `application/problem+json` with an `urn:ietf:params:acme:error:*`
 * type (§6.7). Register with the `/acme` prefix.
 */
export function acmePlugin(app: FastifyInstance, options: AcmePluginOptions): Promise<void> {
  const { urls } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.maxBodyBytes },
    (request, body, done) => {
      const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (mediaType !== JOSE_JSON) {
        done(
          new AcmeProblem('malformed', `ACME requests are sent as ${JOSE_JSON}`, { status: 415 }),
          undefined,
        );
        return;
      }
      done(null, body);
    },
  );

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('Replay-Nonce', options.minter.mint(options.now()));
    reply.header('Cache-Control', 'no-store');
    if (!request.url.startsWith(`${ACME_ROUTE}/directory`)) {
      const links = reply.getHeader('Link');
      const index = `<${urls.directory}>;rel="index"`;
      reply.header(
        'Link',
        links === undefined ? index : [index, ...(Array.isArray(links) ? links : [String(links)])],
      );
    }
    done(null, payload);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const problem = asProblem(error);
    if (problem.type === 'serverInternal') request.log.error({ err: error }, 'ACME request failed');
    if (problem.type !== 'badNonce' && request.method === 'POST' && !wasRecorded(problem)) {
      await options.ra.recordRefusal(
        { protocol: 'acme', operation: operationOf(request), requester: `client:${request.ip}` },
        new PkiError(problem.status >= 500 ? 'INTERNAL' : 'FORBIDDEN', problem.detail, {
          details: { rule: ruleOf(problem.type) },
        }),
      );
    }
    if (problem.retryAfterSeconds !== undefined)
      reply.header('Retry-After', String(problem.retryAfterSeconds));
    if (problem.location !== undefined) reply.header('Location', problem.location);
    return reply
      .code(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify(problem.toDocument()));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send(
        JSON.stringify(new AcmeProblem('malformed', 'no such ACME resource', { status: 404 }).toDocument()),
      ),
  );

  app.get('/directory', { exposeHeadRoute: false }, (_request, reply) =>
    reply.type('application/json').send({
      newNonce: urls.newNonce,
      newAccount: urls.newAccount,
      newOrder: urls.newOrder,
      revokeCert: urls.revokeCert,
      keyChange: urls.keyChange,
      renewalInfo: urls.renewalInfo,
      meta: options.directoryMeta,
    }),
  );
  // RFC 8555 §7.2: HEAD answers 200, GET 204; both carry the nonce the onSend hook adds.
  app.head('/new-nonce', (_request, reply) => reply.code(200).send());
  app.get('/new-nonce', { exposeHeadRoute: false }, (_request, reply) => reply.code(204).send());
  app.get<{ Params: { certId: string } }>(
    '/renewal-info/:certId',
    { exposeHeadRoute: false },
    async (request, reply) => send(reply, await options.renewalInfo.renewalInfo(request.params.certId)),
  );

  const post = <P extends Record<string, string>>(
    path: string,
    accepts: 'kid' | 'jwk' | 'either',
    handle: (
      request: AuthenticatedRequest,
      params: P,
      query: Record<string, string | undefined>,
    ) => Promise<AcmeResponse>,
  ) => {
    app.post(path, async (request, reply) => {
      const params = (request.params ?? {}) as P;
      for (const value of Object.values(params)) {
        if (!RESOURCE_ID.test(value) && !/^[a-z0-9-]{1,64}$/.test(value))
          throw new PkiError('NOT_FOUND', 'no such resource');
      }
      const body = request.body;
      if (!(body instanceof Uint8Array)) throw new AcmeProblem('malformed', 'the request carries no JWS');
      const url = `${urls.root}${request.url.slice(ACME_ROUTE.length)}`;
      const authenticated = await options.authenticator.authenticate(new Uint8Array(body), url, accepts);
      return send(
        reply,
        await handle(authenticated, params, (request.query ?? {}) as Record<string, string | undefined>),
      );
    });
  };
  const asAccount = (request: AuthenticatedRequest): AccountRequest => {
    if (request.keyRef !== 'kid') throw new PkiError('INTERNAL', 'a kid route got a jwk request');
    return request;
  };

  post('/new-account', 'jwk', (request) => {
    if (request.keyRef !== 'jwk') throw new PkiError('INTERNAL', 'a jwk route got a kid request');
    return options.accounts.newAccount(request);
  });
  post<{ id: string }>('/account/:id', 'kid', (request, params) =>
    options.accounts.account(asAccount(request), params.id),
  );
  post<{ id: string }>('/account/:id/orders', 'kid', (request, params, query) =>
    options.orders.orders(asAccount(request), params.id, cursorOf(query['cursor'])),
  );
  post('/key-change', 'kid', (request) => options.accounts.keyChange(asAccount(request)));
  post('/new-order', 'kid', (request) => options.orders.newOrder(asAccount(request)));
  post<{ id: string }>('/order/:id', 'kid', (request, params) =>
    options.orders.order(asAccount(request), params.id),
  );
  post<{ id: string }>('/order/:id/finalize', 'kid', (request, params) =>
    options.orders.finalize(asAccount(request), params.id),
  );
  post<{ id: string }>('/authz/:id', 'kid', (request, params) =>
    options.challenges.authorization(asAccount(request), params.id),
  );
  post<{ id: string }>('/chall/:id', 'kid', (request, params) =>
    options.challenges.challenge(asAccount(request), params.id),
  );
  post<{ issuer: string; serial: string }>('/cert/:issuer/:serial', 'kid', (request, params) => {
    const issuerId = toIssuerId(params.issuer);
    const serial = toSerialHex(params.serial);
    if (issuerId === undefined || serial === undefined)
      throw new PkiError('NOT_FOUND', 'no such certificate');
    return options.orders.certificate(asAccount(request), issuerId, serial);
  });
  post('/revoke-cert', 'either', (request) => options.revocation.revoke(request));
  return Promise.resolve();
}

/** Where the plugin is mounted (ACME_PREFIX in acme-urls.ts). */
const ACME_ROUTE = '/acme';

function send(reply: FastifyReply, response: AcmeResponse): FastifyReply {
  reply.code(response.status);
  if (response.location !== undefined) reply.header('Location', response.location);
  if (response.retryAfterSeconds !== undefined)
    reply.header('Retry-After', String(response.retryAfterSeconds));
  if (response.links !== undefined && response.links.length > 0) {
    reply.header(
      'Link',
      response.links.map((link) => `<${link.url}>;rel="${link.rel}"`),
    );
  }
  if (response.body === undefined) return reply.send();
  if (typeof response.body === 'string')
    return reply.type(response.contentType ?? 'text/plain').send(response.body);
  return reply.type(response.contentType ?? 'application/json').send(JSON.stringify(response.body));
}

function cursorOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!RESOURCE_ID.test(value)) throw new AcmeProblem('malformed', 'the orders cursor is not valid');
  return value;
}

/** The RFC 8555 name of the resource a request went to, for the enrollment log. */
const OPERATIONS: Readonly<Record<string, string>> = {
  'new-account': 'newAccount',
  account: 'account',
  'key-change': 'keyChange',
  'new-order': 'newOrder',
  order: 'order',
  authz: 'authz',
  chall: 'challenge',
  cert: 'certificate',
  'revoke-cert': 'revokeCert',
};

function operationOf(request: FastifyRequest): string {
  const segments = request.url.slice(ACME_ROUTE.length + 1).split(/[/?]/);
  if (segments[0] === 'order' && segments[2] === 'finalize') return 'finalize';
  return OPERATIONS[segments[0] ?? ''] ?? 'unknown';
}

/** `rejectedIdentifier` → `rejected-identifier`: rule names are kebab case, as CMP's are. */
function ruleOf(type: string): string {
  return `acme.${type.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

function asProblem(error: unknown): AcmeProblem {
  if (error instanceof AcmeProblem) return error;
  if (isPkiError(error, 'NOT_FOUND'))
    return new AcmeProblem('malformed', error.message, { status: 404, cause: error });
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413)
    return new AcmeProblem('malformed', 'the request body is too large', { status: 413, cause: error });
  if (status === 415)
    return new AcmeProblem('malformed', `ACME requests are sent as ${JOSE_JSON}`, { status: 415 });
  if (status !== undefined && status >= 400 && status < 500) {
    return new AcmeProblem('malformed', 'the request could not be read', { cause: error });
  }
  return acmeProblemFor(error, 'serverInternal');
}
