import type { Kysely } from 'kysely';
import { toAuditRecord } from './audit-chain.js';
import type { AuditHistory, AuditHistoryQuery } from './audit-history.js';
import { fromAuditRow } from './audit-row.js';
import { toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { AuditRecord } from './records.js';
import type { Database } from './schema.js';

/**
 * Both engines. Walks the primary key (seq) backwards from the key; an event name goes through
 * audit_events_event_idx. Times are filtered on the way rather than indexed (an index on `at` would cost every
 * audited write an insert): events are numbered as they are appended, so `at` follows `seq` closely and a
 * time window is one stretch of the walk.
 */
export class SqlAuditHistory implements AuditHistory {
  constructor(private readonly db: Kysely<Database>) {}

  async page(query: AuditHistoryQuery): Promise<readonly AuditRecord[]> {
    let select = this.db.selectFrom('audit_events').selectAll();
    if (query.event !== undefined) select = select.where('event', '=', query.event);
    if (query.since !== undefined) select = select.where('at', '>=', toEpochMs(query.since, 'since'));
    if (query.until !== undefined) select = select.where('at', '<', toEpochMs(query.until, 'until'));
    if (query.beforeSeq !== undefined) select = select.where('seq', '<', query.beforeSeq);
    const rows = await select.orderBy('seq', 'desc').limit(pageLimit(query.limit)).execute();
    return rows.map((row) => toAuditRecord(fromAuditRow(row)));
  }
}
