import type { Kysely } from 'kysely';
import type { AuditAppender } from './audit-appender.js';
import type { AuditChainCheck, AuditLog, AuditQuery } from './audit-log.js';
import { EMPTY_CHAIN, followsInChain, toAuditRecord } from './audit-chain.js';
import type { ChainHead } from './audit-chain.js';
import { fromAuditRow } from './audit-row.js';
import { pageLimit } from './page-limit.js';
import type { AuditEvent, AuditRecord } from './records.js';
import type { Database } from './schema.js';

/** Rows read per query while verifying the chain; bounds memory whatever the log's length. */
const VERIFY_BATCH_ROWS = 1000;

export class SqlAuditLog implements AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly appender: AuditAppender,
  ) {}

  async append(event: AuditEvent): Promise<AuditRecord> {
    const [entry] = await this.appender.append([event]);
    if (entry === undefined) throw new Error('an audit append linked no entry');
    return toAuditRecord(entry);
  }

  async list(query: AuditQuery): Promise<readonly AuditRecord[]> {
    let select = this.db.selectFrom('audit_events').selectAll();
    if (query.event !== undefined) select = select.where('event', '=', query.event);
    if (query.afterSeq !== undefined) select = select.where('seq', '>', query.afterSeq);
    const rows = await select.orderBy('seq').limit(pageLimit(query.limit)).execute();
    return rows.map((row) => toAuditRecord(fromAuditRow(row)));
  }

  /**
   * Walks the whole chain from the genesis in batches. Detects edited, inserted and deleted records up to the
   * last one; truncating the tail leaves a valid shorter chain, which only a copy of the head hash kept
   * elsewhere can reveal.
   */
  async verifyChain(): Promise<AuditChainCheck> {
    let previous: ChainHead = EMPTY_CHAIN;
    let checked = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', previous.seq)
        .orderBy('seq')
        .limit(VERIFY_BATCH_ROWS)
        .execute();
      for (const row of rows) {
        const entry = fromAuditRow(row);
        checked += 1;
        if (!followsInChain(previous, entry)) return { ok: false, checked, brokenAtSeq: entry.seq };
        previous = entry;
      }
      if (rows.length < VERIFY_BATCH_ROWS) return { ok: true, checked };
    }
  }
}
