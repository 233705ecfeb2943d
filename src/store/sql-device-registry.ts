import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { DeviceQuery, DeviceRegistry } from './device-registry.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import { pageLimit, pageOffset } from './page-limit.js';
import type { DeviceRecord, DeviceState } from './records.js';
import type { Database, DevicesTable } from './schema.js';

/** Each write is one statement (an upsert or an update), atomic on its own in both engines. */
export class SqlDeviceRegistry implements DeviceRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: DeviceId): Promise<DeviceRecord | undefined> {
    const row = await this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toDeviceRecord(row);
  }

  async list(query: DeviceQuery): Promise<readonly DeviceRecord[]> {
    let select = this.db.selectFrom('devices').selectAll();
    if (query.state !== undefined) select = select.where('state', '=', query.state);
    if (query.productLine !== undefined) select = select.where('product_line', '=', query.productLine);
    const rows = await select
      .orderBy('id')
      .limit(pageLimit(query.limit))
      .offset(pageOffset(query.offset))
      .execute();
    return rows.map(toDeviceRecord);
  }

  /** A known device keeps its state and gains the IDevID; its product line changes only if one is given. */
  async recordIdevid(
    id: DeviceId,
    idevid: { issuerId: IssuerId; serial: SerialHex; productLine: string | null },
    at: Date,
  ): Promise<void> {
    const atMs = toEpochMs(at, 'at');
    await this.db
      .insertInto('devices')
      .values({
        id,
        product_line: idevid.productLine,
        state: 'provisioned' satisfies DeviceState,
        idevid_serial: idevid.serial,
        idevid_issuer_id: idevid.issuerId,
        created_at: atMs,
        updated_at: atMs,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          idevid_serial: eb.ref('excluded.idevid_serial'),
          idevid_issuer_id: eb.ref('excluded.idevid_issuer_id'),
          product_line: sql<string | null>`coalesce(excluded.product_line, devices.product_line)`,
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async recordLdevid(
    id: DeviceId,
    ldevid: { issuerId: IssuerId; serial: SerialHex; notAfter: Date },
    at: Date,
  ): Promise<void> {
    const atMs = toEpochMs(at, 'at');
    await this.db
      .insertInto('devices')
      .values({
        id,
        state: 'active' satisfies DeviceState,
        ldevid_serial: ldevid.serial,
        ldevid_issuer_id: ldevid.issuerId,
        ldevid_not_after: toEpochMs(ldevid.notAfter, 'notAfter'),
        last_success_at: atMs,
        created_at: atMs,
        updated_at: atMs,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          ldevid_serial: eb.ref('excluded.ldevid_serial'),
          ldevid_issuer_id: eb.ref('excluded.ldevid_issuer_id'),
          ldevid_not_after: eb.ref('excluded.ldevid_not_after'),
          last_success_at: eb.ref('excluded.last_success_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async recordFailure(id: DeviceId, reason: string, at: Date): Promise<void> {
    const atMs = toEpochMs(at, 'at');
    await this.db
      .updateTable('devices')
      .set({ last_failure_at: atMs, last_failure_reason: reason, updated_at: atMs })
      .where('id', '=', id)
      .execute();
  }

  async setState(id: DeviceId, state: DeviceState, at: Date): Promise<void> {
    const atMs = toEpochMs(at, 'at');
    const result = await this.db
      .updateTable('devices')
      .set({ state, updated_at: atMs })
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new PkiError('NOT_FOUND', `device '${id}' is not registered`);
  }
}

function toDeviceRecord(row: Selectable<DevicesTable>): DeviceRecord {
  return {
    id: row.id as DeviceId,
    productLine: row.product_line,
    state: row.state as DeviceState,
    idevidSerial: row.idevid_serial as SerialHex | null,
    idevidIssuerId: row.idevid_issuer_id as IssuerId | null,
    ldevidSerial: row.ldevid_serial as SerialHex | null,
    ldevidIssuerId: row.ldevid_issuer_id as IssuerId | null,
    ldevidNotAfter: fromEpochMsOrNull(row.ldevid_not_after),
    lastSuccessAt: fromEpochMsOrNull(row.last_success_at),
    lastFailureAt: fromEpochMsOrNull(row.last_failure_at),
    lastFailureReason: row.last_failure_reason,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
