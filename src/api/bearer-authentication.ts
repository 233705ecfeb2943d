import type { FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { ApiTokens, ApiTokenScope } from '../store/api-tokens.js';

/** RFC 6750 §2.1: `Authorization: Bearer <token>`. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** Reading is `read`'s; anything else (POST, PUT, PATCH, DELETE) needs `admin`. */
export function scopeNeeded(method: string): ApiTokenScope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'admin';
}

/** `admin` may do everything `read` may. */
export function scopeAllows(granted: ApiTokenScope, needed: ApiTokenScope): boolean {
  return granted === 'admin' || needed === 'read';
}

/** FORBIDDEN for a token without the scope; `details.scope` lets the edge say which (RFC 6750 §3.1). */
export function requireScope(request: FastifyRequest, needed: ApiTokenScope): void {
  const operator = request.apiOperator;
  if (operator === null) throw new PkiError('UNAUTHORIZED', 'this API needs an API token');
  if (!scopeAllows(operator.scope, needed)) {
    throw new PkiError(
      'FORBIDDEN',
      `the API token '${operator.name}' has the ${operator.scope} scope; this needs an ${needed} token`,
      { details: { scope: needed } },
    );
  }
}

/**
 * The admin API's `onRequest` hook: authenticates the bearer token (before the body is read, so an anonymous
 * client cannot make the server parse anything) and checks its scope against the method. Every failure of
 * the token itself reads the same (unknown, wrong secret, revoked, expired), so the answer tells an attacker
 * nothing about which tokens exist.
 */
export function bearerAuthentication(deps: {
  readonly tokens: Pick<ApiTokens, 'verify'>;
  readonly clock: Clock;
}): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new PkiError('UNAUTHORIZED', 'this API needs an API token: send Authorization: Bearer <token>');
    }
    const token = BEARER.exec(header)?.[1];
    const record = token === undefined ? undefined : await deps.tokens.verify(token, deps.clock.now());
    if (record === undefined) {
      throw new PkiError('UNAUTHORIZED', 'the API token is not valid (unknown, revoked or expired)', {
        details: { token: 'invalid' },
      });
    }
    request.apiOperator = { tokenId: record.id, name: record.name, scope: record.scope };
    requireScope(request, scopeNeeded(request.method));
  };
}

/**
 * Route options for a resource whose reads are secrets' metadata too (API tokens, ACME external account keys):
 * even GET needs an admin token.
 */
export const ADMIN_ONLY = {
  onRequest: (request: FastifyRequest): Promise<void> =>
    Promise.resolve().then(() => requireScope(request, 'admin')),
};
