import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DeviceId } from '../core/ids.js';
import type { DeviceChange } from './enrollment-recorder.js';
import { toEpochMs } from './epoch-ms.js';
import type { DeviceState } from './records.js';
import type { Database } from './schema.js';

/**
 * The three device changes of an enrollment, written once: DeviceRegistry runs each as a statement of its own,
 * SQLite's enrollment recorder prepares them (SqliteStatement binds its markers where these builders put the
 * parameters, so a builder passes them through unchanged), and PostgreSQL's writes many devices per upsert
 * (rows of distinct devices: one statement cannot change a row twice).
 */

/** DeviceRegistry.recordIdevid: a known device keeps its state; its product line changes only if one is given. */
export interface IdevidChangeRow {
  id: string;
  idevid_issuer_id: string;
  idevid_serial: string;
  product_line: string | null;
  at: number;
}

/** DeviceRegistry.recordLdevid: `active`, last success `at`; creates the device if new. */
export interface LdevidChangeRow {
  id: string;
  ldevid_issuer_id: string;
  ldevid_serial: string;
  ldevid_not_after: number;
  at: number;
}

/** DeviceRegistry.recordFailure: a known device only. */
export interface FailureChangeRow {
  id: string;
  last_failure_reason: string;
  at: number;
}

export type DeviceChangeRow =
  | { readonly kind: 'idevid'; readonly row: IdevidChangeRow }
  | { readonly kind: 'ldevid'; readonly row: LdevidChangeRow }
  | { readonly kind: 'failure'; readonly row: FailureChangeRow };

// The parameter names of each row (the compiler checks each list is complete), for SqliteStatement.
export const IDEVID_CHANGE_PARAMS = keysOf({
  id: true,
  idevid_issuer_id: true,
  idevid_serial: true,
  product_line: true,
  at: true,
} satisfies Record<keyof IdevidChangeRow, true>);
export const LDEVID_CHANGE_PARAMS = keysOf({
  id: true,
  ldevid_issuer_id: true,
  ldevid_serial: true,
  ldevid_not_after: true,
  at: true,
} satisfies Record<keyof LdevidChangeRow, true>);
export const FAILURE_CHANGE_PARAMS = keysOf({
  id: true,
  last_failure_reason: true,
  at: true,
} satisfies Record<keyof FailureChangeRow, true>);

function keysOf<K extends string>(keys: Record<K, true>): K[] {
  return Object.keys(keys) as K[];
}

export function toDeviceChangeRow(id: DeviceId, change: DeviceChange, at: Date): DeviceChangeRow {
  const atMs = toEpochMs(at, 'at');
  switch (change.kind) {
    case 'idevid':
      return {
        kind: 'idevid',
        row: {
          id,
          idevid_issuer_id: change.issuerId,
          idevid_serial: change.serial,
          product_line: change.productLine,
          at: atMs,
        },
      };
    case 'ldevid':
      return {
        kind: 'ldevid',
        row: {
          id,
          ldevid_issuer_id: change.issuerId,
          ldevid_serial: change.serial,
          ldevid_not_after: toEpochMs(change.notAfter, 'notAfter'),
          at: atMs,
        },
      };
    case 'failure':
      return { kind: 'failure', row: { id, last_failure_reason: change.reason, at: atMs } };
  }
}

export function recordIdevidQuery(db: Kysely<Database>, rows: readonly IdevidChangeRow[]) {
  return db
    .insertInto('devices')
    .values(
      rows.map((p) => ({
        id: p.id,
        product_line: p.product_line,
        state: 'provisioned' satisfies DeviceState,
        idevid_serial: p.idevid_serial,
        idevid_issuer_id: p.idevid_issuer_id,
        created_at: p.at,
        updated_at: p.at,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        idevid_serial: eb.ref('excluded.idevid_serial'),
        idevid_issuer_id: eb.ref('excluded.idevid_issuer_id'),
        product_line: sql<string | null>`coalesce(excluded.product_line, devices.product_line)`,
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );
}

export function recordLdevidQuery(db: Kysely<Database>, rows: readonly LdevidChangeRow[]) {
  return db
    .insertInto('devices')
    .values(
      rows.map((p) => ({
        id: p.id,
        state: 'active' satisfies DeviceState,
        ldevid_serial: p.ldevid_serial,
        ldevid_issuer_id: p.ldevid_issuer_id,
        ldevid_not_after: p.ldevid_not_after,
        last_success_at: p.at,
        created_at: p.at,
        updated_at: p.at,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        // The RA refuses decommissioned devices; should an issuance race a decommissioning, the state stays.
        state: sql<DeviceState>`case when devices.state = 'decommissioned' then devices.state else excluded.state end`,
        ldevid_serial: eb.ref('excluded.ldevid_serial'),
        ldevid_issuer_id: eb.ref('excluded.ldevid_issuer_id'),
        ldevid_not_after: eb.ref('excluded.ldevid_not_after'),
        last_success_at: eb.ref('excluded.last_success_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );
}

/** Unknown devices are ignored: the UPDATE matches no row. */
export function recordFailureQuery(db: Kysely<Database>, p: FailureChangeRow) {
  return db
    .updateTable('devices')
    .set({ last_failure_at: p.at, last_failure_reason: p.last_failure_reason, updated_at: p.at })
    .where('id', '=', p.id);
}

/** Runs one change through Kysely (a statement of its own, or part of the transaction `db` is). */
export async function executeDeviceChange(db: Kysely<Database>, change: DeviceChangeRow): Promise<void> {
  switch (change.kind) {
    case 'idevid':
      await recordIdevidQuery(db, [change.row]).execute();
      return;
    case 'ldevid':
      await recordLdevidQuery(db, [change.row]).execute();
      return;
    case 'failure':
      await recordFailureQuery(db, change.row).execute();
      return;
  }
}
