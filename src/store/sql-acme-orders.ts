import { sql } from 'kysely';
import type { Kysely, SqlBool, Transaction, Updateable } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import { isIssuerId, isSerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { newOrderRows, toAuthorizationRecord, toChallengeRecord, toOrderRecord } from './acme-order-rows.js';
import type { NewOrderRows } from './acme-order-rows.js';
import { invalidateOrders, readyOrders } from './acme-order-settlement.js';
import type {
  AcmeAuthorizationRecord,
  AcmeAuthorizationStatus,
  AcmeChallengeRecord,
  AcmeChallengeStatus,
  AcmeOrderRecord,
  AcmeOrders,
  AcmeOrderStatus,
  AcmeValidationOutcome,
  NewAcmeOrder,
  ProblemJson,
} from './acme-state.js';
import { chunkRows } from './bind-parameter-limit.js';
import { toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { AcmeOrdersTable, Database } from './schema.js';
import { isForeignKeyViolation, isUniqueViolation } from './store-errors.js';

/** The partial unique index acme_orders_replaces_idx, word for word (migrations/0010-acme.ts). */
const LIVE_REPLACEMENT = sql.raw<SqlBool>("replaces is not null and status <> 'invalid'");

/**
 * RFC 8555 §7.1.6: the moves advanceOrder makes; pending → ready is completeValidation's. processing → ready is a
 * finalize the RA refused for something the client can correct (a CSR, a rate limit): it may finalize again.
 */
const ORDER_MOVES: Readonly<Record<AcmeOrderStatus, readonly AcmeOrderStatus[]>> = {
  pending: ['invalid'],
  ready: ['processing', 'invalid'],
  processing: ['valid', 'invalid', 'ready'],
  valid: [],
  invalid: [],
};
const ORDER_STATUSES = Object.keys(ORDER_MOVES) as AcmeOrderStatus[];
const AUTHORIZATION_STATUSES: readonly AcmeAuthorizationStatus[] = [
  'pending',
  'valid',
  'invalid',
  'deactivated',
  'expired',
  'revoked',
];

/** The columns one row binds, per table, for splitting multi-row INSERTs. */
const PARAMETERS_PER_AUTHORIZATION = 10;
const PARAMETERS_PER_CHALLENGE = 8;
const PARAMETERS_PER_LINK = 2;

/**
 * Both engines. Each transition is an UPDATE … WHERE status = <expected> RETURNING, so of two concurrent
 * requests, on any number of nodes, exactly one moves a resource on. Multi-row changes are one transaction
 * whose first statement writes, so SQLite takes its write lock at once (see sql-alert-states.ts).
 * What an authorization's change does to its orders is acme-order-settlement.ts.
 */
export class SqlAcmeOrders implements AcmeOrders {
  constructor(private readonly db: Kysely<Database>) {}

  /** RFC 8555 §7.4 newOrder */
  async create(order: NewAcmeOrder, at: Date): Promise<AcmeOrderRecord> {
    const rows = newOrderRows(order, at);
    try {
      await this.db.transaction().execute((trx) => insertOrder(trx, rows));
    } catch (error) {
      throw await this.createError(error, order);
    }
    return toOrderRecord(rows.order);
  }

  async get(id: string): Promise<AcmeOrderRecord | undefined> {
    const row = await this.db.selectFrom('acme_orders').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toOrderRecord(row);
  }

  /** RFC 8555 §7.1.2.1 orders list */
  async listByAccount(
    accountId: string,
    page: { readonly limit: number; readonly before?: string },
  ): Promise<readonly AcmeOrderRecord[]> {
    const limit = pageLimit(page.limit);
    let select = this.db.selectFrom('acme_orders').selectAll().where('account_id', '=', accountId);
    if (page.before !== undefined) {
      const before = page.before;
      const cursor = await this.db
        .selectFrom('acme_orders')
        .select('created_at')
        .where('id', '=', before)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      // A cursor that is not one of the account's orders (purged since) starts nothing.
      if (cursor === undefined) return [];
      select = select.where((eb) =>
        eb.or([
          eb('created_at', '<', cursor.created_at),
          eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', before)]),
        ]),
      );
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toOrderRecord);
  }

  async getAuthorization(id: string): Promise<AcmeAuthorizationRecord | undefined> {
    return readAuthorization(this.db, id);
  }

  async getChallenge(
    id: string,
  ): Promise<
    { readonly challenge: AcmeChallengeRecord; readonly authorization: AcmeAuthorizationRecord } | undefined
  > {
    const row = await this.db
      .selectFrom('acme_challenges')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const authorization = await readAuthorization(this.db, row.authorization_id);
    // Deleted with its authorization in between (expire purged both).
    if (authorization === undefined) return undefined;
    return { challenge: toChallengeRecord(row), authorization };
  }

  /** RFC 8555 §7.5.1 */
  async startValidation(challengeId: string, at: Date): Promise<AcmeChallengeRecord | undefined> {
    const atMs = toEpochMs(at, 'at');
    const row = await this.db
      .updateTable('acme_challenges')
      .set({ status: 'processing' satisfies AcmeChallengeStatus })
      .where('id', '=', challengeId)
      .where('status', '=', 'pending' satisfies AcmeChallengeStatus)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('acme_authorizations')
            .select(sql.lit(1).as('one'))
            .whereRef('acme_authorizations.id', '=', 'acme_challenges.authorization_id')
            .where('acme_authorizations.status', '=', 'pending' satisfies AcmeAuthorizationStatus)
            .where('acme_authorizations.expires_at', '>', atMs),
        ),
      )
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toChallengeRecord(row);
  }

  async completeValidation(
    challengeId: string,
    outcome: AcmeValidationOutcome,
    at: Date,
  ): Promise<AcmeChallengeRecord | undefined> {
    const atMs = toEpochMs(at, 'at');
    const valid = outcome.status === 'valid';
    return this.db.transaction().execute(async (trx) => {
      const challenge = await trx
        .updateTable('acme_challenges')
        .set({
          status: outcome.status,
          validated_at: valid ? atMs : null,
          error: valid ? null : outcome.error,
        })
        .where('id', '=', challengeId)
        .where('status', '=', 'processing' satisfies AcmeChallengeStatus)
        .returningAll()
        .executeTakeFirst();
      if (challenge === undefined) return undefined;
      // Still pending unless another challenge of it completed first or it was deactivated meanwhile: then its
      // orders were settled by that change.
      const authorization = await trx
        .updateTable('acme_authorizations')
        .set({ status: outcome.status, evidence: valid ? outcome.evidence : null, updated_at: atMs })
        .where('id', '=', challenge.authorization_id)
        .where('status', '=', 'pending' satisfies AcmeAuthorizationStatus)
        .returning('id')
        .executeTakeFirst();
      if (authorization !== undefined) {
        if (valid) await readyOrders(trx, authorization.id, atMs);
        else await invalidateOrders(trx, authorization.id, ['pending'], outcome.error, atMs);
      }
      return toChallengeRecord(challenge);
    });
  }

  /** RFC 8555 §7.5.2 */
  async deactivateAuthorization(id: string, at: Date): Promise<AcmeAuthorizationRecord | undefined> {
    const atMs = toEpochMs(at, 'at');
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('acme_authorizations')
        .set({ status: 'deactivated' satisfies AcmeAuthorizationStatus, updated_at: atMs })
        .where('id', '=', id)
        .where('status', 'in', ['pending', 'valid'] satisfies AcmeAuthorizationStatus[])
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      // RFC 8555 §7.5.2: the server no longer issues on it, so an order waiting on it or ready with it cannot go on.
      await invalidateOrders(trx, id, ['pending', 'ready'], null, atMs);
      return toAuthorizationRecord(row, await challengeRows(trx, id));
    });
  }

  async advanceOrder(
    id: string,
    expected: AcmeOrderStatus,
    change: {
      readonly status: AcmeOrderStatus;
      readonly error?: ProblemJson;
      readonly certificate?: { readonly issuerId: IssuerId; readonly serial: SerialHex };
    },
    at: Date,
  ): Promise<AcmeOrderRecord | undefined> {
    if (change.certificate !== undefined) checkCertificate(change.certificate);
    const values: Updateable<AcmeOrdersTable> = {
      status: checkMove(expected, change),
      ...(change.error === undefined ? {} : { error: change.error }),
      ...(change.certificate === undefined
        ? {}
        : {
            certificate_issuer_id: change.certificate.issuerId,
            certificate_serial: change.certificate.serial,
          }),
      updated_at: toEpochMs(at, 'at'),
    };
    const row = await this.db
      .updateTable('acme_orders')
      .set(values)
      .where('id', '=', id)
      .where('status', '=', expected)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toOrderRecord(row);
  }

  async findByCertificate(issuerId: IssuerId, serial: SerialHex): Promise<AcmeOrderRecord | undefined> {
    const row = await this.db
      .selectFrom('acme_orders')
      .selectAll()
      .where('certificate_issuer_id', '=', issuerId)
      .where('certificate_serial', '=', serial)
      .where('status', '<>', 'invalid' satisfies AcmeOrderStatus)
      .executeTakeFirst();
    return row === undefined ? undefined : toOrderRecord(row);
  }

  async expire(at: Date, purgeBefore: Date): Promise<number> {
    const atMs = toEpochMs(at, 'at');
    const purgeMs = toEpochMs(purgeBefore, 'purgeBefore');
    // Each statement stands alone (a sweep interrupted half way is finished by the next), so no transaction,
    // and none holds the rows of one table while waiting for another's.
    // RFC 8555 §7.1.6: an authorization is expired, an order not finalized by its expiry invalid.
    const authorizations = await this.db
      .updateTable('acme_authorizations')
      .set({ status: 'expired' satisfies AcmeAuthorizationStatus, updated_at: atMs })
      .where('status', 'in', ['pending', 'valid'] satisfies AcmeAuthorizationStatus[])
      .where('expires_at', '<=', atMs)
      .executeTakeFirst();
    const orders = await this.db
      .updateTable('acme_orders')
      .set({ status: 'invalid' satisfies AcmeOrderStatus, updated_at: atMs })
      .where('status', 'in', ['pending', 'ready'] satisfies AcmeOrderStatus[])
      .where('expires_at', '<=', atMs)
      .executeTakeFirst();
    // Listing every status turns the purge into one range per status of the (status, expires_at) indexes.
    // A valid order stays while its certificate is in force: certificate download, revocation by the account
    // and RFC 9773 `replaces` find the certificate's account through it. The order's links go with it
    // (cascade); then the authorizations no order holds, with their challenges.
    const purgedOrders = await this.db
      .deleteFrom('acme_orders')
      .where('status', 'in', ORDER_STATUSES)
      .where('expires_at', '<', purgeMs)
      .where((eb) =>
        eb.or([
          eb('status', '<>', 'valid' satisfies AcmeOrderStatus),
          eb.not(
            eb.exists(
              eb
                .selectFrom('certificates')
                .select(sql.lit(1).as('one'))
                .whereRef('certificates.issuer_id', '=', 'acme_orders.certificate_issuer_id')
                .whereRef('certificates.serial', '=', 'acme_orders.certificate_serial')
                .where('certificates.not_after', '>=', purgeMs),
            ),
          ),
        ]),
      )
      .executeTakeFirst();
    const purgedAuthorizations = await this.db
      .deleteFrom('acme_authorizations')
      .where('status', 'in', AUTHORIZATION_STATUSES)
      .where('expires_at', '<', purgeMs)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('acme_order_authorizations')
              .select(sql.lit(1).as('one'))
              .whereRef('acme_order_authorizations.authorization_id', '=', 'acme_authorizations.id'),
          ),
        ),
      )
      .executeTakeFirst();
    return (
      Number(orders.numUpdatedRows) +
      Number(authorizations.numUpdatedRows) +
      Number(purgedOrders.numDeletedRows) +
      Number(purgedAuthorizations.numDeletedRows)
    );
  }

  /** The error for a failed create: which constraint refused it says what the client is told. */
  private async createError(error: unknown, order: NewAcmeOrder): Promise<unknown> {
    if (isForeignKeyViolation(error)) {
      return new PkiError('NOT_FOUND', `ACME account '${order.accountId}' does not exist`, { cause: error });
    }
    if (!isUniqueViolation(error)) return error;
    if (order.replaces !== null && (await this.replacedBy(order.replaces)) !== undefined) {
      // RFC 9773 §5 alreadyReplaced
      return new PkiError('CONFLICT', 'the certificate has already been replaced by another order', {
        cause: error,
        details: { replaces: order.replaces },
      });
    }
    return new PkiError('CONFLICT', 'an ACME order, authorization or challenge with this id exists already', {
      cause: error,
    });
  }

  private async replacedBy(replaces: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('acme_orders')
      .select('id')
      .where('replaces', '=', replaces)
      .where(LIVE_REPLACEMENT)
      .executeTakeFirst();
    return row?.id;
  }
}

async function insertOrder(trx: Transaction<Database>, rows: NewOrderRows): Promise<void> {
  // The order first: its replaces is the likeliest refusal, and its foreign key checks the account.
  await trx.insertInto('acme_orders').values(rows.order).execute();
  for (const chunk of chunkRows(rows.authorizations, PARAMETERS_PER_AUTHORIZATION)) {
    await trx.insertInto('acme_authorizations').values(chunk).execute();
  }
  for (const chunk of chunkRows(rows.challenges, PARAMETERS_PER_CHALLENGE)) {
    await trx.insertInto('acme_challenges').values(chunk).execute();
  }
  for (const chunk of chunkRows(rows.links, PARAMETERS_PER_LINK)) {
    await trx.insertInto('acme_order_authorizations').values(chunk).execute();
  }
}

async function readAuthorization(
  db: Kysely<Database> | Transaction<Database>,
  id: string,
): Promise<AcmeAuthorizationRecord | undefined> {
  const row = await db.selectFrom('acme_authorizations').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toAuthorizationRecord(row, await challengeRows(db, id));
}

function challengeRows(db: Kysely<Database> | Transaction<Database>, authorizationId: string) {
  return db
    .selectFrom('acme_challenges')
    .selectAll()
    .where('authorization_id', '=', authorizationId)
    .orderBy('position')
    .execute();
}

/** Refuses a move RFC 8555 §7.1.6 does not have, and a change that does not fit its target status. */
function checkMove(
  expected: AcmeOrderStatus,
  change: { readonly status: AcmeOrderStatus; readonly error?: ProblemJson; readonly certificate?: unknown },
): AcmeOrderStatus {
  const allowed = ORDER_MOVES[expected] as readonly AcmeOrderStatus[] | undefined;
  if (allowed?.includes(change.status) !== true) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `an ACME order does not move from '${expected}' to '${change.status}'`,
    );
  }
  if ((change.status === 'valid') !== (change.certificate !== undefined)) {
    throw new PkiError('MALFORMED_INPUT', 'an ACME order has a certificate exactly when it is valid');
  }
  if (change.error !== undefined && change.status !== 'invalid') {
    throw new PkiError('MALFORMED_INPUT', 'only an invalid ACME order has an error');
  }
  return change.status;
}

/** Keys compare as text: a serial in another case would never be found again. */
function checkCertificate(certificate: { readonly issuerId: IssuerId; readonly serial: SerialHex }): void {
  if (!isIssuerId(certificate.issuerId) || !isSerialHex(certificate.serial)) {
    throw new PkiError('MALFORMED_INPUT', 'a certificate is named by issuer id and lower-case hex serial');
  }
}
