import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { chunkRows } from './bind-parameter-limit.js';
import { executeDeviceChange, recordIdevidQuery, recordLdevidQuery } from './device-change-queries.js';
import type { DeviceChangeRow, IdevidChangeRow, LdevidChangeRow } from './device-change-queries.js';
import type { Database } from './schema.js';

/** The most parameters an upsert binds per device (the state is a parameter too): an LDevID's 16. */
const PARAMETERS_PER_DEVICE = 16;

/**
 * Writes device changes in a few statements instead of one per change, with the effect of writing them one
 * after another: the changes are taken in generations (the first change of each device, then the second…), so a
 * generation names each device once and its IDevID and LDevID changes can each be one multi-row upsert (one
 * statement cannot change a row twice). Changes of different devices commute; those of one device keep their
 * order. Failures stay one UPDATE each: they change known devices only, which an upsert cannot express.
 */
export async function writeDeviceChanges(
  trx: Kysely<Database>,
  changes: readonly DeviceChangeRow[],
): Promise<void> {
  for (const generation of generations(changes)) {
    const idevids = generation.flatMap((c) => (c.kind === 'idevid' ? [c.row] : []));
    const ldevids = generation.flatMap((c) => (c.kind === 'ldevid' ? [c.row] : []));
    for (const chunk of chunkRows<IdevidChangeRow>(idevids, PARAMETERS_PER_DEVICE)) {
      await recordIdevidQuery(trx, chunk).execute();
    }
    for (const chunk of chunkRows<LdevidChangeRow>(ldevids, PARAMETERS_PER_DEVICE)) {
      await recordLdevidQuery(trx, chunk).execute();
    }
    for (const change of generation) if (change.kind === 'failure') await executeDeviceChange(trx, change);
  }
}

/**
 * Locks the rows of the devices that exist, in id order, before changing any. Two nodes committing batches
 * that share devices then wait for each other instead of deadlocking on locks taken in different orders.
 */
export async function lockDevices(trx: Kysely<Database>, changes: readonly DeviceChangeRow[]): Promise<void> {
  const ids = [...new Set(changes.map((c) => c.row.id))];
  if (ids.length < 2) return;
  await sql`select id from devices where id = any(${ids}::text[]) order by id for update`.execute(trx);
}

function generations(changes: readonly DeviceChangeRow[]): DeviceChangeRow[][] {
  const seen = new Map<string, number>();
  const out: DeviceChangeRow[][] = [];
  for (const change of changes) {
    const n = seen.get(change.row.id) ?? 0;
    seen.set(change.row.id, n + 1);
    (out[n] ??= []).push(change);
  }
  return out;
}
