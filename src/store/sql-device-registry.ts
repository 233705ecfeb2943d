import type { Kysely, Selectable } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { executeDeviceChange, toDeviceChangeRow } from './device-change-queries.js';
import type { DeviceQuery, DeviceRegistry } from './device-registry.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import { pageLimit, pageOffset } from './page-limit.js';
import type { DeviceRecord, DeviceState, PresentedCertificate } from './records.js';
import type { Database, DevicesTable } from './schema.js';

/**
 * Each write is one statement (an upsert or an update), atomic on its own in both engines. The device changes
 * are the enrollment recorders' too (device-change-queries.ts).
 */
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

  async recordIdevid(
    id: DeviceId,
    idevid: { issuerId: IssuerId; serial: SerialHex; productLine: string | null },
    at: Date,
  ): Promise<void> {
    await executeDeviceChange(this.db, toDeviceChangeRow(id, { kind: 'idevid', ...idevid }, at));
  }

  async recordLdevid(
    id: DeviceId,
    ldevid: {
      issuerId: IssuerId;
      serial: SerialHex;
      notAfter: Date;
      renewAt?: Date;
      presented?: PresentedCertificate;
    },
    at: Date,
  ): Promise<void> {
    await executeDeviceChange(this.db, toDeviceChangeRow(id, { kind: 'ldevid', ...ldevid }, at));
  }

  async recordFailure(
    id: DeviceId,
    reason: string,
    at: Date,
    presented?: PresentedCertificate,
  ): Promise<void> {
    const change = presented === undefined ? { reason } : { reason, presented };
    await executeDeviceChange(this.db, toDeviceChangeRow(id, { kind: 'failure', ...change }, at));
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

  async decommission(id: DeviceId, at: Date): Promise<boolean> {
    const atMs = toEpochMs(at, 'at');
    const state: DeviceState = 'decommissioned';
    const updated = await this.db
      .updateTable('devices')
      .set({ state, updated_at: atMs })
      .where('id', '=', id)
      .where('state', '<>', state)
      .executeTakeFirst();
    if (updated.numUpdatedRows > 0n) return true;
    // Either decommissioned already, or not registered: insert, which does nothing in the first case.
    const inserted = await this.db
      .insertInto('devices')
      .values({ id, state, created_at: atMs, updated_at: atMs })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
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
    ldevidRenewAt: fromEpochMsOrNull(row.ldevid_renew_at),
    lastSuccessAt: fromEpochMsOrNull(row.last_success_at),
    lastFailureAt: fromEpochMsOrNull(row.last_failure_at),
    lastFailureReason: row.last_failure_reason,
    consecutiveFailures: Number(row.consecutive_failures),
    lastPresented: toLastPresented(row),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toLastPresented(row: Selectable<DevicesTable>): DeviceRecord['lastPresented'] {
  const { presented_profile: profile, presented_serial: serial } = row;
  if ((profile !== 'idevid' && profile !== 'ldevid') || serial === null) return null;
  if (row.presented_not_after === null || row.presented_at === null) return null;
  return {
    profile,
    issuerId: row.presented_issuer_id as IssuerId | null,
    serial: serial as SerialHex,
    notAfter: new Date(row.presented_not_after),
    at: new Date(row.presented_at),
  };
}
