import { sql } from 'kysely';
import type { Kysely, Migration, SqlBool } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * The fleet view (FleetReader): what the server saw of each device at its enrollment attempts, and indexes for
 * the at-risk and per-state questions, so they read the devices concerned rather than the whole fleet.
 *
 * - `presented_*`: the certificate the device authenticated with at its last attempt (IDevID or LDevID).
 * - `in_use_*`: the certificate the device is believed to use: the newest LDevID issued to it, unless it has
 *   since presented an older one (renewed but not deployed). Kept by the device changes of each attempt.
 * - `ldevid_renew_at`: when the newest LDevID should be renewed (the point csrattrs announces).
 * - `consecutive_failures`: failed attempts since the last success.
 */
export function fleetMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const columns: Array<[string, 'text' | ColumnTypes['int64']]> = [
        ['ldevid_renew_at', types.int64],
        ['presented_profile', 'text'],
        ['presented_issuer_id', 'text'],
        ['presented_serial', 'text'],
        ['presented_not_after', types.int64],
        ['presented_at', types.int64],
        ['in_use_serial', 'text'],
        ['in_use_not_after', types.int64],
      ];
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      for (const [name, type] of columns) {
        await db.schema.alterTable('devices').addColumn(name, type).execute();
      }
      await db.schema
        .alterTable('devices')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      // Devices onboarded before this migration: the newest LDevID is the one in use, and its renewal point is
      // two thirds (the ldevid profile's renewal window) of its validity after notBefore: earlier than the RA
      // now records it (after issuance) by a third of the notBefore backdating, minutes on a lifetime of weeks.
      await sql`update devices set in_use_serial = ldevid_serial, in_use_not_after = ldevid_not_after
        where ldevid_serial is not null`.execute(db);
      await sql`update devices set ldevid_renew_at = (
          select c.not_before + (c.not_after - c.not_before) * 2 / 3 from certificates c
          where c.serial = devices.ldevid_serial and c.issuer_id = devices.ldevid_issuer_id)
        where ldevid_serial is not null`.execute(db);

      // Partial, on the devices the fleet view judges (revoked and decommissioned ones are counted by state):
      // a decommissioned device's certificate leaves the indexes, so expired history does not pile up in them.
      // The queries repeat each predicate word for word, which is what lets both engines use the indexes.
      //
      // in_use_not_after: "less than the margin left" is a range (now, now + margin): only the devices close
      // to expiry, as a healthy device renews well before. Also the expired count (≤ now).
      await db.schema
        .createIndex('devices_in_use_not_after_idx')
        .on('devices')
        .column('in_use_not_after')
        .where(sql.raw<SqlBool>(LIVE_DEVICE))
        .execute();
      // ldevid_renew_at: renewal due is a range (…, now]: the devices past their renewal point only.
      await db.schema
        .createIndex('devices_ldevid_renew_at_idx')
        .on('devices')
        .column('ldevid_renew_at')
        .where(sql.raw<SqlBool>(LIVE_DEVICE))
        .execute();
      // consecutive_failures: only failing devices enter it; a success takes the device out again.
      await db.schema
        .createIndex('devices_consecutive_failures_idx')
        .on('devices')
        .column('consecutive_failures')
        .where(sql.raw<SqlBool>(`consecutive_failures > 0 and ${LIVE_DEVICE}`))
        .execute();
    },
  };
}

/**
 * The predicate of the fleet indexes, as text: a shipped migration never changes, so this is a copy of
 * LIVE_DEVICE in sql-fleet-reader.ts, not an import.
 */
const LIVE_DEVICE = `state not in ('revoked', 'decommissioned')`;
