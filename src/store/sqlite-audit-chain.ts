import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { EMPTY_CHAIN, linkAuditEvents } from './audit-chain.js';
import type { ChainHead, StoredAuditEntry } from './audit-chain.js';
import type { AuditAppender } from './audit-appender.js';
import { AUDIT_ROW_COLUMNS, toAuditRow } from './audit-row.js';
import type { AuditEvent } from './records.js';
import type { AuditEventsTable, Database } from './schema.js';
import { runExclusive } from './sqlite-exclusive.js';
import { SqliteStatement } from './sqlite-statement.js';
import { mapStoreError } from './store-errors.js';

/**
 * The audit chain's writes on SQLite, as synchronous statements (see sqlite-exclusive.ts). Appenders are
 * serialized by SQLite's write lock, taken by BEGIN IMMEDIATE before the head is read.
 */
export class SqliteAuditChain implements AuditAppender {
  private readonly readHead: SqliteStatement<object>;
  private readonly insert: SqliteStatement<AuditEventsTable>;
  private readonly appendAll: BetterSqlite3.Transaction<
    (events: readonly AuditEvent[]) => StoredAuditEntry[]
  >;

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly db: Kysely<Database>,
  ) {
    this.readHead = new SqliteStatement<object>(sqlite, [], () =>
      db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1),
    );
    this.insert = new SqliteStatement<AuditEventsTable>(sqlite, AUDIT_ROW_COLUMNS, (row) =>
      db.insertInto('audit_events').values(row),
    );
    this.appendAll = sqlite.transaction((events: readonly AuditEvent[]) => this.appendInTransaction(events));
  }

  async append(events: readonly AuditEvent[]): Promise<StoredAuditEntry[]> {
    try {
      return await runExclusive(this.db, () => this.appendAll.immediate(events));
    } catch (error) {
      throw mapStoreError(error);
    }
  }

  /** Links and inserts `events`; the caller holds a write transaction (the ledger's, or append's own). */
  appendInTransaction(events: readonly AuditEvent[]): StoredAuditEntry[] {
    const head = (this.readHead.get({}) as ChainHead | undefined) ?? EMPTY_CHAIN;
    const entries = linkAuditEvents(head, events);
    for (const entry of entries) this.insert.run(toAuditRow(entry));
    return entries;
  }
}
