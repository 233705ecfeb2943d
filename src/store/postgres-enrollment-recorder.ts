import type { Kysely } from 'kysely';
import { chunkRows } from './bind-parameter-limit.js';
import { ENROLLMENT_EVENT_ROW_COLUMNS, insertEnrollmentEvents } from './enrollment-event-row.js';
import { toEnrollmentOutcomeRows } from './enrollment-outcome-rows.js';
import type { EnrollmentOutcome, EnrollmentRecorder } from './enrollment-recorder.js';
import { lockDevices, writeDeviceChanges } from './postgres-device-changes.js';
import { lockCertificates, supersedeAll } from './postgres-supersessions.js';
import type { Database } from './schema.js';

/**
 * Enrollment outcomes on PostgreSQL: one Kysely transaction whose round trips do not grow with the batch (a
 * round trip per row would make a 256-outcome commit take a few hundred of them): multi-row INSERTs of the
 * events, multi-row upserts of the device changes (the DeviceRegistry's own queries), one UPDATE for the
 * superseded certificates. The result is that of writing the outcomes one after another.
 *
 * Rows that other nodes' batches may also change are locked first, devices then certificates, each in key
 * order, so concurrent batches wait for each other instead of deadlocking. Not batched by itself: the store
 * wraps it in a GroupCommitEnrollmentRecorder.
 */
export class PostgresEnrollmentRecorder implements EnrollmentRecorder {
  constructor(private readonly db: Kysely<Database>) {}

  async record(outcomes: readonly EnrollmentOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const rows = outcomes.map(toEnrollmentOutcomeRows);
    const events = chunkRows(
      rows.map((r) => r.event),
      ENROLLMENT_EVENT_ROW_COLUMNS.length,
    );
    const devices = rows.flatMap((r) => (r.device === undefined ? [] : [r.device]));
    const supersessions = rows.flatMap((r) => (r.superseded === undefined ? [] : [r.superseded]));

    await this.db.transaction().execute(async (trx) => {
      await lockDevices(trx, devices);
      await lockCertificates(trx, supersessions);
      for (const chunk of events) await insertEnrollmentEvents(trx, chunk).execute();
      await writeDeviceChanges(trx, devices);
      await supersedeAll(trx, supersessions);
    });
  }
}
