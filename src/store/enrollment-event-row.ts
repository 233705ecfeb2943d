import type { Kysely, Selectable } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { toEpochMs } from './epoch-ms.js';
import type { EnrollmentEvent, EnrollmentEventRecord, EnrollmentOutcome } from './records.js';
import type { Database, EnrollmentEventsTable } from './schema.js';

/** An enrollment_events row as written: the id is assigned by the database. */
export type EnrollmentEventRow = Omit<EnrollmentEventsTable, 'id'>;

const ENROLLMENT_EVENT_ROW_KEYS = {
  at: true,
  device_id: true,
  protocol: true,
  operation: true,
  profile: true,
  issuer_id: true,
  outcome: true,
  reason_code: true,
  reason: true,
  requester: true,
  certificate_serial: true,
} satisfies Record<keyof EnrollmentEventRow, true>;

/** Every column of EnrollmentEventRow (the compiler checks the list is complete); one bind parameter each. */
export const ENROLLMENT_EVENT_ROW_COLUMNS = Object.keys(
  ENROLLMENT_EVENT_ROW_KEYS,
) as (keyof EnrollmentEventRow)[];

export function toEnrollmentEventRow(event: EnrollmentEvent): EnrollmentEventRow {
  return {
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
  };
}

/**
 * The INSERT of enrollment events, shared by the EnrollmentLog, the recorders and SQLite's prepared statement
 * (which passes one row of markers).
 */
export function insertEnrollmentEvents(
  db: Kysely<Database>,
  rows: EnrollmentEventRow | EnrollmentEventRow[],
) {
  return db.insertInto('enrollment_events').values(rows);
}

export function toEnrollmentEventRecord(row: Selectable<EnrollmentEventsTable>): EnrollmentEventRecord {
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
