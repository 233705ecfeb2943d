import { randomBytes } from 'node:crypto';
import type {
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeOrderRecord,
  NewAcmeAccount,
  NewAcmeOrder,
} from '../../src/store/acme-state.js';
import { at } from './store-records.js';

/** Test records for the ACME state contract. Ids are random, so the tests of a suite can share one store. */

export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

export function newAcmeAccount(overrides: Partial<NewAcmeAccount> = {}): NewAcmeAccount {
  return {
    id: randomId(),
    keyThumbprint: randomId(32),
    jwk: JSON.stringify({ crv: 'P-256', kty: 'EC', x: randomId(32), y: randomId(32) }),
    contact: [`mailto:ops-${randomId(4)}@example.com`],
    termsOfServiceAgreed: true,
    externalAccountKeyId: null,
    ...overrides,
  };
}

/** What `create(account, createdAt)` should read back as. */
export function accountRecordOf(account: NewAcmeAccount, createdAt: Date): AcmeAccountRecord {
  return { ...account, status: 'valid', createdAt, updatedAt: createdAt };
}

/** A pending order for one `dns` identifier per name, each authorization with an http-01 and a tls-alpn-01. */
export function newAcmeOrder(
  accountId: string,
  names: readonly string[] = ['device-1.example.com'],
  overrides: Partial<NewAcmeOrder> = {},
): NewAcmeOrder {
  const identifiers = names.map((value) => ({ type: 'dns', value }));
  return {
    id: randomId(),
    accountId,
    identifiers,
    notBefore: null,
    notAfter: null,
    expiresAt: at(7 * 86_400),
    profile: null,
    replaces: null,
    authorizations: identifiers.map((identifier) => ({
      id: randomId(),
      identifier,
      wildcard: false,
      expiresAt: at(30 * 86_400),
      challenges: [
        { id: randomId(), type: 'http-01', token: randomId(32) },
        { id: randomId(), type: 'tls-alpn-01', token: randomId(32) },
      ],
    })),
    ...overrides,
  };
}

/** What `create(order, createdAt)` should read back as. */
export function orderRecordOf(order: NewAcmeOrder, createdAt: Date): AcmeOrderRecord {
  return {
    id: order.id,
    accountId: order.accountId,
    status: 'pending',
    identifiers: order.identifiers,
    authorizationIds: order.authorizations.map((a) => a.id),
    notBefore: order.notBefore,
    notAfter: order.notAfter,
    expiresAt: order.expiresAt,
    profile: order.profile,
    replaces: order.replaces,
    error: null,
    certificate: null,
    createdAt,
    updatedAt: createdAt,
  };
}

/** The order's `index`th authorization as created: pending, its challenges pending. */
export function authorizationRecordOf(order: NewAcmeOrder, index = 0): AcmeAuthorizationRecord {
  const authorization = order.authorizations[index];
  if (authorization === undefined) throw new Error(`the order has no authorization ${index}`);
  return {
    id: authorization.id,
    accountId: order.accountId,
    identifier: authorization.identifier,
    wildcard: authorization.wildcard,
    status: 'pending',
    expiresAt: authorization.expiresAt,
    challenges: authorization.challenges.map((challenge) => ({
      ...challenge,
      authorizationId: authorization.id,
      status: 'pending',
      validatedAt: null,
      error: null,
    })),
    evidence: null,
  };
}

/** The id of the order's `index`th authorization's `challenge`th challenge. */
export function challengeId(order: NewAcmeOrder, index = 0, challenge = 0): string {
  const id = order.authorizations[index]?.challenges[challenge]?.id;
  if (id === undefined) throw new Error(`the order has no challenge ${index}/${challenge}`);
  return id;
}

export function problem(detail: string): string {
  return JSON.stringify({ type: 'urn:ietf:params:acme:error:incorrectResponse', detail });
}
