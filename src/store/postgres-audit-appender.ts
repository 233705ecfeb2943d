import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { EMPTY_CHAIN, linkAuditEvents } from './audit-chain.js';
import type { StoredAuditEntry } from './audit-chain.js';
import type { AuditAppender } from './audit-appender.js';
import { AUDIT_ROW_COLUMNS, toAuditRow } from './audit-row.js';
import { chunkRows } from './bind-parameter-limit.js';
import type { AuditEvent } from './records.js';
import type { Database } from './schema.js';

/** The audit chain's writes on PostgreSQL, safe with any number of server nodes sharing the database. */
export class PostgresAuditAppender implements AuditAppender {
  constructor(private readonly db: Kysely<Database>) {}

  append(events: readonly AuditEvent[]): Promise<StoredAuditEntry[]> {
    return this.db.transaction().execute((trx) => appendAuditEventsInTransaction(trx, events));
  }
}

/**
 * Links and inserts `events` inside the caller's transaction (the ledger appends its `cert.issued` events in
 * the transaction that records the certificates). A transaction-scoped advisory lock, keyed by the audit
 * table's OID (so distinct per schema), serializes appenders across nodes until COMMIT or ROLLBACK; under
 * READ COMMITTED the head read after taking it sees the previous holder's committed append.
 */
export async function appendAuditEventsInTransaction(
  trx: Kysely<Database>,
  events: readonly AuditEvent[],
): Promise<StoredAuditEntry[]> {
  if (events.length === 0) return [];
  await sql`select pg_advisory_xact_lock(${sql.lit('audit_events')}::regclass::oid::bigint)`.execute(trx);
  const head = await trx
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const entries = linkAuditEvents(head ?? EMPTY_CHAIN, events);
  for (const chunk of chunkRows(entries, AUDIT_ROW_COLUMNS.length)) {
    await trx.insertInto('audit_events').values(chunk.map(toAuditRow)).execute();
  }
  return entries;
}
