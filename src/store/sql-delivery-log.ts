import type { Insertable, Kysely, Selectable } from 'kysely';
import { PkiError } from '../core/pki-error.js';
import type {
  AttemptOutcome,
  AttemptResult,
  ClaimedDelivery,
  DeliveryAttemptRecord,
  DeliveryEvent,
  DeliveryLog,
  DeliveryQuery,
  DeliveryRecord,
  DeliveryStatus,
  NewDelivery,
} from './delivery-log.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { AlertDeliveriesTable, Database } from './schema.js';

/** The longest error text kept per attempt: a peer's error page is not worth a megabyte per retry. */
const MAX_ERROR_CHARS = 1000;
/** The largest notification stored; a real one is a few hundred bytes. */
const MAX_PAYLOAD_CHARS = 65_536;

/**
 * Both engines. claimDue is one statement, `UPDATE … SET next_attempt_at = <lease end> WHERE id IN (SELECT …
 * due, soonest first, LIMIT n) AND <still due> RETURNING *`: on SQLite it runs under the database's write
 * lock; on PostgreSQL a row another node claimed meanwhile is re-checked against the outer condition after
 * that node commits (READ COMMITTED re-evaluation), is no longer due, and is skipped. The lease end doubles as
 * the claim's token: recordAttempt only writes while next_attempt_at still holds it.
 */
export class SqlDeliveryLog implements DeliveryLog {
  constructor(private readonly db: Kysely<Database>) {}

  async enqueue(deliveries: readonly NewDelivery[], at: Date): Promise<readonly DeliveryRecord[]> {
    const rows = deliveryRows(deliveries, at);
    if (rows.length === 0) return [];
    const inserted = await this.db.insertInto('alert_deliveries').values(rows).returningAll().execute();
    return inserted.sort((a, b) => a.id - b.id).map(toDeliveryRecord);
  }

  async claimDue(
    at: Date,
    options: { readonly limit: number; readonly leaseMs: number },
  ): Promise<readonly ClaimedDelivery[]> {
    const atMs = toEpochMs(at, 'at');
    const limit = pageLimit(options.limit);
    if (!Number.isSafeInteger(options.leaseMs) || options.leaseMs < 1) {
      throw new PkiError('MALFORMED_INPUT', 'the lease must be a whole number of milliseconds, 1 or more');
    }
    const leaseUntil = atMs + options.leaseMs;
    const rows = await this.db
      .updateTable('alert_deliveries')
      .set({ next_attempt_at: leaseUntil })
      .where(
        'id',
        'in',
        this.db
          .selectFrom('alert_deliveries')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', atMs)
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(limit),
      )
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', atMs)
      .returningAll()
      .execute();
    return rows
      .map((row) => ({ ...toDeliveryRecord(row), leaseUntil: new Date(leaseUntil) }))
      .sort((a, b) => a.id - b.id);
  }

  async recordAttempt(
    claim: Pick<ClaimedDelivery, 'id' | 'leaseUntil'>,
    result: AttemptResult,
    at: Date,
    durationMs: number,
  ): Promise<boolean> {
    const atMs = toEpochMs(at, 'at');
    const leaseMs = toEpochMs(claim.leaseUntil, 'leaseUntil');
    const error = result.outcome === 'delivered' ? null : result.error.slice(0, MAX_ERROR_CHARS);
    const change = {
      status: statusAfter(result.outcome),
      last_error: error,
      delivered_at: result.outcome === 'delivered' ? atMs : null,
      // A delivery that is no longer pending keeps the time of its last attempt here.
      next_attempt_at: result.outcome === 'retry' ? toEpochMs(result.nextAttemptAt, 'nextAttemptAt') : atMs,
    };
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('alert_deliveries')
        .set((eb) => ({ ...change, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', claim.id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '=', leaseMs)
        .returning('attempts')
        .executeTakeFirst();
      if (updated === undefined) return false;
      await trx
        .insertInto('alert_delivery_attempts')
        .values({
          delivery_id: claim.id,
          attempt: updated.attempts,
          at: atMs,
          outcome: result.outcome,
          error,
          duration_ms: Math.max(0, Math.round(durationMs)),
        })
        .execute();
      return true;
    });
  }

  async get(id: number): Promise<DeliveryRecord | undefined> {
    const row = await this.db
      .selectFrom('alert_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toDeliveryRecord(row);
  }

  async list(query: DeliveryQuery): Promise<readonly DeliveryRecord[]> {
    let select = this.db.selectFrom('alert_deliveries').selectAll();
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.ruleName !== undefined) select = select.where('rule_name', '=', query.ruleName);
    if (query.channel !== undefined) select = select.where('channel', '=', query.channel);
    if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
    const rows = await select.orderBy('id', 'desc').limit(pageLimit(query.limit)).execute();
    return rows.map(toDeliveryRecord);
  }

  async attempts(deliveryId: number): Promise<readonly DeliveryAttemptRecord[]> {
    const rows = await this.db
      .selectFrom('alert_delivery_attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt')
      .execute();
    return rows.map((row) => ({
      deliveryId: row.delivery_id,
      attempt: row.attempt,
      at: new Date(row.at),
      outcome: row.outcome as AttemptOutcome,
      error: row.error,
      durationMs: row.duration_ms,
    }));
  }
}

function statusAfter(outcome: AttemptOutcome): DeliveryStatus {
  switch (outcome) {
    case 'delivered':
      return 'delivered';
    case 'retry':
      return 'pending';
    case 'failed':
      return 'failed';
  }
}

/** Rows for new deliveries; MALFORMED_INPUT (before anything is written) for one that cannot be stored. */
export function deliveryRows(
  deliveries: readonly NewDelivery[],
  at: Date,
): Array<Insertable<AlertDeliveriesTable>> {
  const atMs = toEpochMs(at, 'at');
  return deliveries.map((d) => {
    let payload: string | undefined;
    try {
      payload = JSON.stringify(d.payload);
    } catch {
      payload = undefined;
    }
    if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD_CHARS) {
      throw new PkiError(
        'MALFORMED_INPUT',
        `the notification for channel '${d.channel}' is not storable JSON`,
      );
    }
    if (d.event !== 'firing' && d.event !== 'resolved') {
      throw new PkiError(
        'MALFORMED_INPUT',
        `a delivery's event is firing or resolved, not '${String(d.event)}'`,
      );
    }
    return {
      rule_id: d.ruleId,
      rule_name: d.ruleName,
      subject_key: d.subjectKey,
      event: d.event,
      level: d.level,
      channel: d.channel,
      payload,
      status: 'pending',
      attempts: 0,
      next_attempt_at: toEpochMs(d.nextAttemptAt, 'nextAttemptAt'),
      last_error: null,
      created_at: atMs,
      delivered_at: null,
    };
  });
}

function toDeliveryRecord(row: Selectable<AlertDeliveriesTable>): DeliveryRecord {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    subjectKey: row.subject_key,
    event: row.event as DeliveryEvent,
    level: row.level,
    channel: row.channel,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: new Date(row.created_at),
    deliveredAt: fromEpochMsOrNull(row.delivered_at),
  };
}
