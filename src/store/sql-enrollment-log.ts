import { sql } from 'kysely';
import type { Kysely, SqlBool } from 'kysely';
import type {
  DeviceEventPageQuery,
  EnrollmentFailureCause,
  EnrollmentLog,
  EnrollmentQuery,
} from './enrollment-log.js';
import {
  insertEnrollmentEvents,
  toEnrollmentEventRecord,
  toEnrollmentEventRow,
} from './enrollment-event-row.js';
import { PkiError } from '../core/pki-error.js';
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

  /**
   * enrollment_events_device_id_at_idx: the device's events walked backwards from the key, so a page costs the
   * same however deep. The key is (at, id), as events may share a millisecond.
   */
  async devicePage(query: DeviceEventPageQuery): Promise<readonly EnrollmentEventRecord[]> {
    let select = this.db.selectFrom('enrollment_events').selectAll().where('device_id', '=', query.deviceId);
    if (query.before !== undefined) {
      const at = toEpochMs(query.before.at, 'before.at');
      if (!Number.isSafeInteger(query.before.id)) {
        throw new PkiError('MALFORMED_INPUT', 'before.id must be an integer');
      }
      select = select.where(sql<SqlBool>`(at < ${at} or (at = ${at} and id < ${query.before.id}))`);
    }
    const rows = await select
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toEnrollmentEventRecord);
  }

  /**
   * enrollment_events_at_idx: a range from `since` on, which reads that window's events only; each cause's
   * newest failure is picked by a window function (both engines), so one statement answers, in one snapshot.
   */
  async failuresByCause(since: Date): Promise<readonly EnrollmentFailureCause[]> {
    const sinceMs = toEpochMs(since, 'since');
    const { rows } = await sql<{
      reason_code: string | null;
      n: number;
      at: number;
      reason: string | null;
    }>`with ranked as (
        select reason_code, reason, at, id,
          row_number() over (partition by reason_code order by at desc, id desc) as rn,
          count(*) over (partition by reason_code) as n
        from enrollment_events
        where at >= ${sinceMs} and outcome in ('refused', 'error')
      )
      select reason_code, n, at, reason from ranked where rn = 1 order by at desc, id desc`.execute(this.db);
    return rows.map((row) => ({
      reasonCode: row.reason_code,
      count: Number(row.n),
      lastAt: new Date(Number(row.at)),
      lastReason: row.reason,
    }));
  }
}
