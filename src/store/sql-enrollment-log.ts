import type { Kysely, Selectable } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { EnrollmentLog, EnrollmentQuery } from './enrollment-log.js';
import { toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { EnrollmentEvent, EnrollmentEventRecord, EnrollmentOutcome } from './records.js';
import type { Database, EnrollmentEventsTable } from './schema.js';

export class SqlEnrollmentLog implements EnrollmentLog {
  constructor(private readonly db: Kysely<Database>) {}

  async append(event: EnrollmentEvent): Promise<void> {
    await this.db
      .insertInto('enrollment_events')
      .values({
        at: toEpochMs(event.at, 'at'),
        device_id: event.deviceId,
        protocol: event.protocol,
        operation: event.operation,
        profile: event.profile,
        issuer_id: event.issuerId,
        outcome: event.outcome,
        reason_code: event.reasonCode,
        reason: event.reason,
        requester: event.requester,
        certificate_serial: event.certificateSerial,
      })
      .execute();
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
    return rows.map(toEnrollmentRecord);
  }
}

function toEnrollmentRecord(row: Selectable<EnrollmentEventsTable>): EnrollmentEventRecord {
  return {
    id: row.id,
    at: new Date(row.at),
    deviceId: row.device_id as DeviceId | null,
    protocol: row.protocol,
    operation: row.operation,
    profile: row.profile,
    issuerId: row.issuer_id as IssuerId | null,
    outcome: row.outcome as EnrollmentOutcome,
    reasonCode: row.reason_code,
    reason: row.reason,
    requester: row.requester,
    certificateSerial: row.certificate_serial as SerialHex | null,
  };
}
