import type { Kysely } from 'kysely';
import type { EnrollmentLog, EnrollmentQuery } from './enrollment-log.js';
import {
  insertEnrollmentEvents,
  toEnrollmentEventRecord,
  toEnrollmentEventRow,
} from './enrollment-event-row.js';
import { toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { EnrollmentEvent, EnrollmentEventRecord } from './records.js';
import type { Database } from './schema.js';

export class SqlEnrollmentLog implements EnrollmentLog {
  constructor(private readonly db: Kysely<Database>) {}

  async append(event: EnrollmentEvent): Promise<void> {
    await insertEnrollmentEvents(this.db, toEnrollmentEventRow(event)).execute();
  }

  /** Newest first; events at the same millisecond in the reverse order they were appended. */
  async list(query: EnrollmentQuery): Promise<readonly EnrollmentEventRecord[]> {
    let select = this.db.selectFrom('enrollment_events').selectAll();
    if (query.deviceId !== undefined) select = select.where('device_id', '=', query.deviceId);
    if (query.outcome !== undefined) select = select.where('outcome', '=', query.outcome);
    if (query.since !== undefined) select = select.where('at', '>=', toEpochMs(query.since, 'since'));
    const rows = await select
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toEnrollmentEventRecord);
  }
}
