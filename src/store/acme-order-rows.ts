import type { Selectable } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import type {
  AcmeAuthorizationRecord,
  AcmeAuthorizationStatus,
  AcmeChallengeRecord,
  AcmeChallengeStatus,
  AcmeOrderRecord,
  AcmeOrderStatus,
  AcmeStoredIdentifier,
  NewAcmeOrder,
} from './acme-state.js';
import { fromEpochMsOrNull, toEpochMs, toEpochMsOrNull } from './epoch-ms.js';
import type {
  AcmeAuthorizationsTable,
  AcmeChallengesTable,
  AcmeOrderAuthorizationsTable,
  AcmeOrdersTable,
} from './schema.js';

/** The rows one new order writes, in the order they are inserted (foreign keys point backwards). */
export interface NewOrderRows {
  readonly order: AcmeOrdersTable;
  readonly authorizations: readonly AcmeAuthorizationsTable[];
  readonly challenges: readonly AcmeChallengesTable[];
  readonly links: readonly AcmeOrderAuthorizationsTable[];
}

export function newOrderRows(order: NewAcmeOrder, at: Date): NewOrderRows {
  const atMs = toEpochMs(at, 'at');
  const authorizations = order.authorizations.map((authorization): AcmeAuthorizationsTable => ({
    id: authorization.id,
    account_id: order.accountId,
    identifier_type: authorization.identifier.type,
    identifier_value: authorization.identifier.value,
    wildcard: authorization.wildcard ? 1 : 0,
    status: 'pending' satisfies AcmeAuthorizationStatus,
    expires_at: toEpochMs(authorization.expiresAt, 'the authorization expiry'),
    evidence: null,
    created_at: atMs,
    updated_at: atMs,
  }));
  const challenges = order.authorizations.flatMap((authorization) =>
    authorization.challenges.map((challenge, position): AcmeChallengesTable => ({
      id: challenge.id,
      authorization_id: authorization.id,
      position,
      type: challenge.type,
      token: challenge.token,
      status: 'pending' satisfies AcmeChallengeStatus,
      validated_at: null,
      error: null,
    })),
  );
  return {
    order: {
      id: order.id,
      account_id: order.accountId,
      status: 'pending' satisfies AcmeOrderStatus,
      identifiers: JSON.stringify(order.identifiers.map(storedIdentifier)),
      authorization_ids: JSON.stringify(authorizations.map((a) => a.id)),
      not_before: toEpochMsOrNull(order.notBefore, 'notBefore'),
      not_after: toEpochMsOrNull(order.notAfter, 'notAfter'),
      expires_at: toEpochMs(order.expiresAt, 'the order expiry'),
      profile: order.profile,
      replaces: order.replaces,
      error: null,
      certificate_issuer_id: null,
      certificate_serial: null,
      created_at: atMs,
      updated_at: atMs,
    },
    authorizations,
    challenges,
    links: authorizations.map((a) => ({ authorization_id: a.id, order_id: order.id })),
  };
}

/** Exactly the two members, whatever else the caller's object carries. */
function storedIdentifier(identifier: AcmeStoredIdentifier): AcmeStoredIdentifier {
  return { type: identifier.type, value: identifier.value };
}

export function toOrderRecord(row: Selectable<AcmeOrdersTable>): AcmeOrderRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status as AcmeOrderStatus,
    identifiers: JSON.parse(row.identifiers) as AcmeStoredIdentifier[],
    authorizationIds: JSON.parse(row.authorization_ids) as string[],
    notBefore: fromEpochMsOrNull(row.not_before),
    notAfter: fromEpochMsOrNull(row.not_after),
    expiresAt: new Date(row.expires_at),
    profile: row.profile,
    replaces: row.replaces,
    error: row.error,
    certificate:
      row.certificate_issuer_id === null || row.certificate_serial === null
        ? null
        : { issuerId: row.certificate_issuer_id as IssuerId, serial: row.certificate_serial as SerialHex },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** `challenges` are the authorization's rows in position order. */
export function toAuthorizationRecord(
  row: Selectable<AcmeAuthorizationsTable>,
  challenges: readonly Selectable<AcmeChallengesTable>[],
): AcmeAuthorizationRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    identifier: { type: row.identifier_type, value: row.identifier_value },
    wildcard: row.wildcard === 1,
    status: row.status as AcmeAuthorizationStatus,
    expiresAt: new Date(row.expires_at),
    challenges: challenges.map(toChallengeRecord),
    evidence: row.evidence,
  };
}

export function toChallengeRecord(row: Selectable<AcmeChallengesTable>): AcmeChallengeRecord {
  return {
    id: row.id,
    authorizationId: row.authorization_id,
    type: row.type,
    token: row.token,
    status: row.status as AcmeChallengeStatus,
    validatedAt: fromEpochMsOrNull(row.validated_at),
    error: row.error,
  };
}
