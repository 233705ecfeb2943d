import type { FastifyRequest } from 'fastify';
import { PkiError } from '../core/pki-error.js';
import type { Credential } from '../ra/provisioner.js';
import type { ApiTokenScope } from '../store/api-tokens.js';

/** The operator an API token authenticated, for the duration of one request. */
export interface ApiOperator {
  readonly tokenId: string;
  /** The token's name: the actor of everything the request changes. */
  readonly name: string;
  readonly scope: ApiTokenScope;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the admin API's authentication hook (bearer-authentication.ts); null elsewhere. */
    apiOperator: ApiOperator | null;
  }
}

export function operatorOf(request: FastifyRequest): ApiOperator {
  if (request.apiOperator === null) throw new PkiError('UNAUTHORIZED', 'this API needs an API token');
  return request.apiOperator;
}

/** What the RA is told: an operator named after the token, so its audit events name the token. */
export function credentialOf(operator: ApiOperator): Credential {
  return { kind: 'operator', name: operator.name };
}

/** The audit trail's actor for what the operator does, as the RA writes it (`operator:<name>`). */
export function actorOf(operator: ApiOperator): string {
  return `operator:${operator.name}`;
}
