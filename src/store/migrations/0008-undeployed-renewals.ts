import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/**
 * `issued_since_presented`: how many LDevIDs were issued to the device since the one it last authenticated
 * with (`presented_serial`). It lets the fleet view tell a device that lost one answer from one that does not
 * deploy what it receives: a device that comes back with its old certificate after one issuance (a lost answer,
 * a timeout during an outage) retries and installs the new one; one that comes back with it after two or more
 * has been handed certificates it keeps not using (renewed but not deployed). See device-change-queries.ts.
 *
 * Devices judged "renewed but not deployed" before this migration stay so (2); devices with an LDevID had one
 * issued after what they last presented (1).
 */
export function undeployedRenewalsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('devices')
        .addColumn('issued_since_presented', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update devices set issued_since_presented = case
          when in_use_serial <> ldevid_serial then 2 else 1 end
        where ldevid_serial is not null`.execute(db);
    },
  };
}
