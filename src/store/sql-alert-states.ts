import type { Kysely, Selectable, Transaction } from 'kysely';
import { PkiError } from '../core/pki-error.js';
import type { AlertStateRecord, AlertStates, AlertTransition, FiringQuery } from './alert-states.js';
import { fromEpochMsOrNull, toEpochMs, toEpochMsOrNull } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { AlertStatesTable, Database } from './schema.js';
import { deliveryRows } from './sql-delivery-log.js';
import { isForeignKeyViolation } from './store-errors.js';

/**
 * Both engines. A transition is one transaction whose first statement writes the state row: an INSERT … ON
 * CONFLICT DO NOTHING for a new pair, else an UPDATE … WHERE version = <the version read>. No row written
 * means another evaluator moved first, and the transaction ends without enqueuing. Writing first matters on
 * SQLite: the transaction takes the write lock at once (waiting out busy_timeout if the writer thread holds
 * it) instead of reading a snapshot that a later write could find stale. Each statement is one synchronous
 * better-sqlite3 call, so the transaction holds the lock for no I/O wait of this process. It does await
 * between statements, so a second SQLite connection to the same file in the same thread must not write
 * meanwhile (it would block the thread in the busy handler); the store has none (its writer is a thread of
 * its own, the CLI another process), and one SQLite file serves one node.
 */
export class SqlAlertStates implements AlertStates {
  constructor(private readonly db: Kysely<Database>) {}

  async listForRule(ruleId: string): Promise<readonly AlertStateRecord[]> {
    const rows = await this.db
      .selectFrom('alert_states')
      .selectAll()
      .where('rule_id', '=', ruleId)
      .orderBy('subject_key')
      .execute();
    return rows.map(toStateRecord);
  }

  async firing(query: FiringQuery): Promise<readonly AlertStateRecord[]> {
    let select = this.db.selectFrom('alert_states').selectAll().where('level', 'is not', null);
    if (query.ruleId !== undefined) select = select.where('rule_id', '=', query.ruleId);
    const after = query.after;
    if (after !== undefined) {
      // Walks the primary key (rule_id, subject_key) from the previous page's last row on.
      select = select.where((eb) =>
        eb.or([
          eb('rule_id', '>', after.ruleId),
          eb.and([eb('rule_id', '=', after.ruleId), eb('subject_key', '>', after.subjectKey)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('rule_id')
      .orderBy('subject_key')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toStateRecord);
  }

  async get(ruleId: string, subjectKey: string): Promise<AlertStateRecord | undefined> {
    const row = await this.db
      .selectFrom('alert_states')
      .selectAll()
      .where('rule_id', '=', ruleId)
      .where('subject_key', '=', subjectKey)
      .executeTakeFirst();
    return row === undefined ? undefined : toStateRecord(row);
  }

  async transition(transition: AlertTransition): Promise<boolean> {
    const atMs = toEpochMs(transition.at, 'at');
    const next = transition.next;
    const values = {
      label: next.label,
      level: next.level,
      firing_since: toEpochMsOrNull(next.firingSince, 'firingSince'),
      notified_level: next.notifiedLevel,
      resolved_at: toEpochMsOrNull(next.resolvedAt, 'resolvedAt'),
      updated_at: atMs,
    };
    // Checked (and serialized) before the transaction opens: a bad delivery fails the call with nothing written.
    const deliveries = deliveryRows(transition.deliveries, transition.at);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const written = await writeState(trx, transition, values);
        if (!written) return false;
        if (deliveries.length > 0) await trx.insertInto('alert_deliveries').values(deliveries).execute();
        return true;
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new PkiError('NOT_FOUND', 'the alert rule does not exist (removed?)', { cause: error });
      }
      throw error;
    }
  }
}

async function writeState(
  trx: Transaction<Database>,
  transition: AlertTransition,
  values: Omit<AlertStatesTable, 'rule_id' | 'subject_key' | 'version'>,
): Promise<boolean> {
  if (transition.expectedVersion === null) {
    const result = await trx
      .insertInto('alert_states')
      .values({ rule_id: transition.ruleId, subject_key: transition.subjectKey, ...values, version: 1 })
      .onConflict((oc) => oc.columns(['rule_id', 'subject_key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
  const result = await trx
    .updateTable('alert_states')
    .set({ ...values, version: transition.expectedVersion + 1 })
    .where('rule_id', '=', transition.ruleId)
    .where('subject_key', '=', transition.subjectKey)
    .where('version', '=', transition.expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

function toStateRecord(row: Selectable<AlertStatesTable>): AlertStateRecord {
  return {
    ruleId: row.rule_id,
    subjectKey: row.subject_key,
    label: row.label,
    level: row.level,
    firingSince: fromEpochMsOrNull(row.firing_since),
    notifiedLevel: row.notified_level,
    resolvedAt: fromEpochMsOrNull(row.resolved_at),
    updatedAt: new Date(row.updated_at),
    version: row.version,
  };
}
