import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { DeviceId } from '../core/ids.js';
import type { DeviceChange } from './enrollment-recorder.js';
import { toEpochMs } from './epoch-ms.js';
import type { DeviceState, PresentedCertificate } from './records.js';
import type { Database } from './schema.js';

/**
 * The three device changes of an enrollment, written once: DeviceRegistry runs each as a statement of its own,
 * SQLite's enrollment recorder prepares them (SqliteStatement binds its markers where these builders put the
 * parameters, so a builder passes them through unchanged), and PostgreSQL's writes many devices per upsert
 * (rows of distinct devices: one statement cannot change a row twice).
 */

/**
 * LDevIDs issued after the one a device presents from which it counts as renewed but not deployed (see
 * NOT_DEPLOYING).
 */
export const UNDEPLOYED_ISSUES = 2;

/** DeviceRegistry.recordIdevid: a known device keeps its state; its product line changes only if one is given. */
export interface IdevidChangeRow {
  id: string;
  idevid_issuer_id: string;
  idevid_serial: string;
  product_line: string | null;
  at: number;
}

/** The certificate a device presented at the attempt (PresentedCertificate), or nulls. */
export interface PresentedColumns {
  presented_profile: string | null;
  presented_issuer_id: string | null;
  presented_serial: string | null;
  presented_not_after: number | null;
  /** The attempt's time when a certificate was presented. */
  presented_at: number | null;
}

/**
 * DeviceRegistry.recordLdevid: `active`, last success `at`, no failures since; creates the device if new. The
 * certificate in use becomes the new one, unless the device is judged not to deploy what it receives (see
 * STALE_ISSUES): then it still uses the one it presented.
 */
export interface LdevidChangeRow extends PresentedColumns {
  id: string;
  ldevid_issuer_id: string;
  ldevid_serial: string;
  ldevid_not_after: number;
  ldevid_renew_at: number | null;
  at: number;
}

/**
 * DeviceRegistry.recordFailure: a known device only; one more failure since the last success. A presented
 * LDevID is the one in use from now on if it is the newest, or if the device is judged not to deploy what it
 * receives (see STALE_ISSUES).
 */
export interface FailureChangeRow extends PresentedColumns {
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
const PRESENTED_PARAMS = {
  presented_profile: true,
  presented_issuer_id: true,
  presented_serial: true,
  presented_not_after: true,
  presented_at: true,
} as const satisfies Record<keyof PresentedColumns, true>;
export const LDEVID_CHANGE_PARAMS = keysOf({
  id: true,
  ldevid_issuer_id: true,
  ldevid_serial: true,
  ldevid_not_after: true,
  ldevid_renew_at: true,
  at: true,
  ...PRESENTED_PARAMS,
} satisfies Record<keyof LdevidChangeRow, true>);
export const FAILURE_CHANGE_PARAMS = keysOf({
  id: true,
  last_failure_reason: true,
  at: true,
  ...PRESENTED_PARAMS,
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
          ldevid_renew_at: change.renewAt === undefined ? null : toEpochMs(change.renewAt, 'renewAt'),
          at: atMs,
          ...presentedColumns(change.presented, atMs),
        },
      };
    case 'failure':
      return {
        kind: 'failure',
        row: {
          id,
          last_failure_reason: change.reason,
          at: atMs,
          ...presentedColumns(change.presented, atMs),
        },
      };
  }
}

function presentedColumns(presented: PresentedCertificate | undefined, atMs: number): PresentedColumns {
  if (presented === undefined) {
    return {
      presented_profile: null,
      presented_issuer_id: null,
      presented_serial: null,
      presented_not_after: null,
      presented_at: null,
    };
  }
  return {
    presented_profile: presented.profile,
    presented_issuer_id: presented.issuerId,
    presented_serial: presented.serial,
    presented_not_after: toEpochMs(presented.notAfter, 'presented.notAfter'),
    presented_at: atMs,
  };
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
        ldevid_renew_at: p.ldevid_renew_at,
        last_success_at: p.at,
        created_at: p.at,
        updated_at: p.at,
        presented_profile: p.presented_profile,
        presented_issuer_id: p.presented_issuer_id,
        presented_serial: p.presented_serial,
        presented_not_after: p.presented_not_after,
        presented_at: p.presented_at,
        in_use_serial: p.ldevid_serial,
        in_use_not_after: p.ldevid_not_after,
        issued_since_presented: 1,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        // The RA refuses decommissioned devices; should an issuance race a decommissioning, the state stays.
        state: sql<DeviceState>`case when devices.state = 'decommissioned' then devices.state else excluded.state end`,
        ldevid_serial: eb.ref('excluded.ldevid_serial'),
        ldevid_issuer_id: eb.ref('excluded.ldevid_issuer_id'),
        ldevid_not_after: eb.ref('excluded.ldevid_not_after'),
        ldevid_renew_at: eb.ref('excluded.ldevid_renew_at'),
        last_success_at: eb.ref('excluded.last_success_at'),
        updated_at: eb.ref('excluded.updated_at'),
        consecutive_failures: sql<number>`0`,
        presented_profile: sql<
          string | null
        >`case when excluded.presented_serial is null then devices.presented_profile else excluded.presented_profile end`,
        presented_issuer_id: sql<
          string | null
        >`case when excluded.presented_serial is null then devices.presented_issuer_id else excluded.presented_issuer_id end`,
        presented_serial: sql<string | null>`coalesce(excluded.presented_serial, devices.presented_serial)`,
        presented_not_after: sql<
          number | null
        >`coalesce(excluded.presented_not_after, devices.presented_not_after)`,
        presented_at: sql<number | null>`coalesce(excluded.presented_at, devices.presented_at)`,
        // Renewed but not deployed: it still uses the certificate it presented. Otherwise the new one.
        in_use_serial: sql<string>`case when ${NOT_DEPLOYING} then excluded.presented_serial else excluded.ldevid_serial end`,
        in_use_not_after: sql<number>`case when ${NOT_DEPLOYING} then excluded.presented_not_after else excluded.ldevid_not_after end`,
        // One more issued since what it presented now (or, if it presented nothing, since what it last did).
        issued_since_presented: sql<number>`case when excluded.presented_serial is null
          then devices.issued_since_presented else ${STALE_ISSUES} end + 1`,
      })),
    );
}

/**
 * How many LDevIDs had been issued to the device after the one it presents at this attempt (the columns of
 * `devices` are the row before the change): 0 for its newest (or an IDevID, or nothing); the count kept in
 * issued_since_presented when it presents again what it presented last time; and, for an older LDevID that is
 * not even that one (it went back to a previous pair), 2: it does not use what it was given.
 */
const STALE_ISSUES = sql<number>`case
  when excluded.presented_profile = 'ldevid' and excluded.presented_serial <> devices.ldevid_serial then
    case when excluded.presented_serial = devices.presented_serial then devices.issued_since_presented else 2 end
  else 0 end`;

/**
 * Renewed but not deployed: the device authenticates with an LDevID after at least two newer ones were issued
 * to it. One is not enough: a device that lost the answer to a renewal (a timeout, the network gone mid-reply)
 * retries with its old certificate once, then installs what that retry brings; a device that does not deploy
 * what it receives comes back with the old certificate again.
 */
const NOT_DEPLOYING = sql`${STALE_ISSUES} >= ${sql.lit(UNDEPLOYED_ISSUES)}`;

/** Unknown devices are ignored: the UPDATE matches no row. */
export function recordFailureQuery(db: Kysely<Database>, p: FailureChangeRow) {
  const presentedLdevid = sql`cast(${p.presented_profile} as text) = 'ldevid'`;
  // STALE_ISSUES, for the parameters instead of `excluded`.
  const staleIssues = sql<number>`case
    when ${presentedLdevid} and cast(${p.presented_serial} as text) <> ldevid_serial then
      case when cast(${p.presented_serial} as text) = presented_serial then issued_since_presented else 2 end
    else 0 end`;
  const inUse = sql`${presentedLdevid} and (cast(${p.presented_serial} as text) = ldevid_serial
    or ${staleIssues} >= ${sql.lit(UNDEPLOYED_ISSUES)})`;
  return db
    .updateTable('devices')
    .set({
      last_failure_at: p.at,
      last_failure_reason: p.last_failure_reason,
      updated_at: p.at,
      consecutive_failures: sql<number>`consecutive_failures + 1`,
      // Nulls when nothing was presented: the columns keep what an earlier attempt presented.
      presented_profile: sql<string | null>`coalesce(${p.presented_profile}, presented_profile)`,
      presented_issuer_id: sql<
        string | null
      >`case when cast(${p.presented_serial} as text) is null then presented_issuer_id else ${p.presented_issuer_id} end`,
      presented_serial: sql<string | null>`coalesce(${p.presented_serial}, presented_serial)`,
      presented_not_after: sql<number | null>`coalesce(${p.presented_not_after}, presented_not_after)`,
      presented_at: sql<number | null>`coalesce(${p.presented_at}, presented_at)`,
      in_use_serial: sql<string | null>`case when ${inUse} then ${p.presented_serial} else in_use_serial end`,
      in_use_not_after: sql<
        number | null
      >`case when ${inUse} then ${p.presented_not_after} else in_use_not_after end`,
      issued_since_presented: sql<number>`case when cast(${p.presented_serial} as text) is null
        then issued_since_presented else ${staleIssues} end`,
    })
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
