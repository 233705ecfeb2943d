import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import type {
  AtRiskDevice,
  AtRiskKey,
  AtRiskPageQuery,
  AtRiskQuery,
  AtRiskReason,
  ExpiryTimelineCount,
  ExpiryTimelineQuery,
  FleetDevice,
  FleetDeviceQuery,
  FleetQuery,
  FleetReader,
  FleetState,
} from './fleet-reader.js';
import { MAX_TIMELINE_DAYS } from './fleet-reader.js';
import { pageLimit, pageOffset } from './page-limit.js';
import type { Database } from './schema.js';

/**
 * The predicate of the fleet indexes (migrations/0004-fleet.ts), word for word: both engines use a partial
 * index only when the query states its predicate, and it must be literal SQL, not bound parameters.
 */
const LIVE_DEVICE = sql.raw(`state not in ('revoked', 'decommissioned')`);
const FAILING = sql.raw('consecutive_failures > 0');

/** Sorts devices without a certificate in use last (the largest 64-bit integer, in both engines). */
const NO_EXPIRY = sql.raw('9223372036854775807');

const DAY_MS = 86_400_000;

/**
 * The issuer of the certificate in use, without a join for nearly every device: the certificate in use is the
 * newest LDevID (ldevid_*) or, renewed but not deployed, the one the device presented (presented_*). Only a
 * device that has since presented yet another certificate falls through to the certificates' primary key
 * (serial, issuer_id), one lookup by serial. A CASE evaluates its branches lazily on both engines.
 */
const IN_USE_ISSUER = sql<string | null>`(case
  when in_use_serial = ldevid_serial then ldevid_issuer_id
  when in_use_serial = presented_serial then presented_issuer_id
  else (select c.issuer_id from certificates c
    where c.serial = devices.in_use_serial and c.device_id = devices.id order by c.issuer_id limit 1)
  end)`;

interface Bounds {
  /** Epoch ms of `now`, and of `now + margin`. */
  readonly now: number;
  readonly until: number;
  readonly failureThreshold: number;
}

/**
 * The fleet view in SQL, on both engines. Every question is a range over one of the partial indexes of
 * migration 0004, so it reads the devices concerned, not the fleet:
 * - at risk: `in_use_not_after` in (now, now + margin) — a device that renews on time never enters that range
 *   — or `consecutive_failures` ≥ the threshold; the two ranges are OR-ed (SQLite's multi-index OR, PostgreSQL's
 *   BitmapOr), then sorted, which is cheap for the few devices at risk;
 * - expired: `in_use_not_after` ≤ now; renewal due: `ldevid_renew_at` ≤ now; provisioned: `in_use_not_after`
 *   null; revoked and decommissioned: the `state` index; healthy: the rest of count(*).
 */
export class SqlFleetReader implements FleetReader {
  constructor(private readonly db: Kysely<Database>) {}

  async atRisk(query: AtRiskQuery): Promise<readonly AtRiskDevice[]> {
    const bounds = boundsOf(query);
    const rows = await this.db
      .selectFrom('devices')
      .select([
        'id',
        'product_line',
        'in_use_serial',
        'in_use_not_after',
        'ldevid_serial',
        'ldevid_renew_at',
        'consecutive_failures',
        'last_success_at',
        'last_failure_at',
        'last_failure_reason',
        'presented_at',
      ])
      .where(atRiskCondition(bounds))
      // An expression, not the column: ordered by the indexed column, PostgreSQL may walk the whole index in
      // order to stop at the limit, reading every device that is not at risk on the way.
      .orderBy(sql`coalesce(in_use_not_after, ${NO_EXPIRY})`)
      .orderBy('id')
      .limit(pageLimit(query.limit))
      .offset(pageOffset(query.offset))
      .execute();
    return rows.map((row) => {
      const inUse =
        row.in_use_serial === null || row.in_use_not_after === null
          ? null
          : { serial: row.in_use_serial as SerialHex, notAfter: new Date(row.in_use_not_after) };
      return {
        deviceId: row.id as DeviceId,
        productLine: row.product_line,
        reason: reasonOf(row, bounds),
        inUse,
        newestSerial: row.ldevid_serial as SerialHex | null,
        renewAt: fromEpochMsOrNull(row.ldevid_renew_at),
        consecutiveFailures: Number(row.consecutive_failures),
        lastSuccessAt: fromEpochMsOrNull(row.last_success_at),
        lastFailureAt: fromEpochMsOrNull(row.last_failure_at),
        lastFailureReason: row.last_failure_reason,
        lastPresentedAt: fromEpochMsOrNull(row.presented_at),
      };
    });
  }

  async countByState(query: FleetQuery): Promise<Readonly<Record<FleetState, number>>> {
    const b = boundsOf(query);
    const count = (where: RawBuilder<SqlBool>) => sql<number>`(select count(*) from devices where ${where})`;
    // One statement: one snapshot on both engines, so the counts add up to the total.
    const row = await this.db
      .selectNoFrom([
        count(sql`state = 'decommissioned'`).as('decommissioned'),
        count(sql`state = 'revoked'`).as('revoked'),
        count(sql`${LIVE_DEVICE} and in_use_not_after <= ${b.now}`).as('expired'),
        count(atRiskCondition(b)).as('at_risk'),
        count(
          sql`${LIVE_DEVICE} and ldevid_renew_at <= ${b.now} and in_use_serial = ldevid_serial
            and in_use_not_after >= ${b.until} and consecutive_failures < ${b.failureThreshold}`,
        ).as('renewal_due'),
        count(
          sql`${LIVE_DEVICE} and in_use_not_after is null and consecutive_failures < ${b.failureThreshold}`,
        ).as('provisioned'),
        sql<number>`(select count(*) from devices)`.as('total'),
      ])
      .executeTakeFirstOrThrow();
    const counts = {
      decommissioned: Number(row.decommissioned),
      revoked: Number(row.revoked),
      expired: Number(row.expired),
      at_risk: Number(row.at_risk),
      renewal_due: Number(row.renewal_due),
      provisioned: Number(row.provisioned),
    };
    const judged = Object.values(counts).reduce((a, n) => a + n, 0);
    return { ...counts, healthy: Number(row.total) - judged };
  }

  /**
   * One state is filtered by its condition (fleetStateCondition), so it reads through the same indexes as
   * countByState; several by the state expression.
   */
  async devices(query: FleetDeviceQuery): Promise<readonly FleetDevice[]> {
    const b = boundsOf(query);
    let select = this.selectFleetDevices(b);
    if (query.states !== undefined) select = select.where(fleetStatesCondition(query.states, b));
    if (query.productLine !== undefined) select = select.where('product_line', '=', query.productLine);
    // A prefix is a range of the primary key (byte order on both engines: the id is `collate "C"` in
    // PostgreSQL), so a search reads the matching devices only; LIKE would use no index on either engine.
    if (query.idPrefix !== undefined && query.idPrefix !== '') {
      select = select.where('id', '>=', query.idPrefix);
      const end = prefixEnd(query.idPrefix);
      if (end !== undefined) select = select.where('id', '<', end);
    }
    // No index of its own (a migration would add one per issuance): filtered on the way through the id order,
    // cheap for the one or two issuers a fleet uses at a time, a scan for a rare one.
    if (query.inUseIssuerId !== undefined) {
      select = select.where(sql<SqlBool>`${IN_USE_ISSUER} = ${query.inUseIssuerId}`);
    }
    // A range of devices_in_use_not_after_idx, its predicate stated so both engines may use it.
    if (query.inUseExpiringBy !== undefined) {
      const by = toEpochMs(query.inUseExpiringBy, 'inUseExpiringBy');
      select = select.where(
        sql<SqlBool>`${LIVE_DEVICE} and in_use_not_after > ${b.now} and in_use_not_after <= ${by}`,
      );
    }
    if (query.afterId !== undefined) select = select.where('id', '>', query.afterId);
    const rows = await select.orderBy('id').limit(pageLimit(query.limit)).execute();
    return rows.map((row) => toFleetDevice(row, b));
  }

  async device(id: DeviceId, query: FleetQuery): Promise<FleetDevice | undefined> {
    const b = boundsOf(query);
    const row = await this.selectFleetDevices(b).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toFleetDevice(row, b);
  }

  async atRiskAfter(query: AtRiskPageQuery): Promise<readonly AtRiskDevice[]> {
    const b = boundsOf(query);
    let select = this.selectFleetDevices(b).where(atRiskCondition(b));
    if (query.after !== undefined) select = select.where(afterAtRiskKey(query.after));
    const rows = await select
      // As atRisk: an expression, so PostgreSQL does not walk the whole index in order.
      .orderBy(sql`coalesce(in_use_not_after, ${NO_EXPIRY})`)
      .orderBy('id')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map((row) => ({ ...toFleetDevice(row, b), reason: reasonOf(row, b) }));
  }

  /**
   * One range over devices_in_use_not_after_idx, its predicate stated, grouped by day and key: it reads the
   * devices expiring in the window, not the fleet. By state, the key is fleetStateOf's CASE (the state
   * countByState counts the device in); by issuer, IN_USE_ISSUER. The day is integer arithmetic on literals
   * (validated integers), so both engines divide as integers rather than as the doubles a driver may bind.
   */
  async expiryTimeline(query: ExpiryTimelineQuery): Promise<readonly ExpiryTimelineCount[]> {
    const b = boundsOf(query);
    const from = toEpochMs(query.from, 'from');
    if (!Number.isSafeInteger(query.days) || query.days < 1 || query.days > MAX_TIMELINE_DAYS) {
      throw new PkiError('MALFORMED_INPUT', `days must be a whole number from 1 to ${MAX_TIMELINE_DAYS}`);
    }
    const until = from + query.days * DAY_MS;
    const key = query.by === 'state' ? fleetStateOf(b) : IN_USE_ISSUER;
    const rows = await this.db
      .selectFrom('devices')
      .select([
        sql<number>`(in_use_not_after - ${sql.lit(from)}) / ${sql.lit(DAY_MS)}`.as('day'),
        sql<string | null>`${key}`.as('key'),
        sql<number>`count(*)`.as('count'),
      ])
      .where(sql<SqlBool>`${LIVE_DEVICE} and in_use_not_after >= ${from} and in_use_not_after < ${until}`)
      .groupBy([sql`1`, sql`2`])
      .orderBy(sql`1`)
      .orderBy(sql`2`)
      .execute();
    return rows.map((row) => ({ day: Number(row.day), key: row.key, count: Number(row.count) }));
  }

  private selectFleetDevices(b: Bounds) {
    return this.db
      .selectFrom('devices')
      .select([
        'id',
        'product_line',
        'in_use_serial',
        'in_use_not_after',
        'ldevid_serial',
        'ldevid_issuer_id',
        'ldevid_not_after',
        'ldevid_renew_at',
        'consecutive_failures',
        'last_success_at',
        'last_failure_at',
        'last_failure_reason',
        'presented_at',
        'idevid_serial',
        'idevid_issuer_id',
        'created_at',
        'updated_at',
      ])
      .select(fleetStateOf(b).as('fleet_state'));
  }
}

/** The states other than healthy, in the order FleetState gives them precedence. */
const JUDGED_STATES = [
  'decommissioned',
  'revoked',
  'expired',
  'at_risk',
  'renewal_due',
  'provisioned',
] as const satisfies readonly FleetState[];

/**
 * The condition of each state, as countByState counts it (the states partition the fleet, so a device meets
 * exactly one): the predicates of the partial indexes word for word, and atRiskCondition itself. Healthy is
 * what meets none of the others.
 */
function fleetStateCondition(state: FleetState, b: Bounds): RawBuilder<SqlBool> {
  switch (state) {
    case 'decommissioned':
      return sql<SqlBool>`state = 'decommissioned'`;
    case 'revoked':
      return sql<SqlBool>`state = 'revoked'`;
    case 'expired':
      return sql<SqlBool>`${LIVE_DEVICE} and in_use_not_after <= ${b.now}`;
    case 'at_risk':
      return atRiskCondition(b);
    case 'renewal_due':
      return sql<SqlBool>`${LIVE_DEVICE} and ldevid_renew_at <= ${b.now} and in_use_serial = ldevid_serial
            and in_use_not_after >= ${b.until} and consecutive_failures < ${b.failureThreshold}`;
    case 'provisioned':
      return sql<SqlBool>`${LIVE_DEVICE} and in_use_not_after is null and consecutive_failures < ${b.failureThreshold}`;
    case 'healthy':
      return sql<SqlBool>`${LIVE_DEVICE} and ${fleetStateOf(b)} = 'healthy'`;
  }
}

function fleetStatesCondition(states: readonly FleetState[], b: Bounds): RawBuilder<SqlBool> {
  const [only, ...more] = states;
  if (only === undefined) return sql<SqlBool>`1 = 0`;
  if (more.length === 0) return fleetStateCondition(only, b);
  return sql<SqlBool>`${fleetStateOf(b)} in (${sql.join(states.map((state) => sql.lit(state)))})`;
}

/** A device's state as a CASE over fleetStateCondition; a condition that is NULL counts as not met. */
function fleetStateOf(b: Bounds): RawBuilder<FleetState> {
  const whens = JUDGED_STATES.map(
    (state) => sql`when ${fleetStateCondition(state, b)} then ${sql.lit(state)}`,
  );
  return sql<FleetState>`(case ${sql.join(whens, sql` `)} else 'healthy' end)`;
}

/**
 * The least text above every text that starts with `prefix` (code-unit order, which is byte order for the
 * ASCII of device ids); undefined when there is none (a prefix of U+FFFF only).
 */
export function prefixEnd(prefix: string): string | undefined {
  for (let end = prefix; end.length > 0; end = end.slice(0, -1)) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xffff) return end.slice(0, -1) + String.fromCharCode(last + 1);
  }
  return undefined;
}

/** After `after` in atRiskAfter's order: coalesce(in_use_not_after, NO_EXPIRY), then id. */
function afterAtRiskKey(after: AtRiskKey): RawBuilder<SqlBool> {
  if (after.inUseNotAfter === null) {
    return sql<SqlBool>`(in_use_not_after is null and id > ${after.deviceId})`;
  }
  const key = toEpochMs(after.inUseNotAfter, 'after.inUseNotAfter');
  return sql<SqlBool>`(in_use_not_after > ${key} or in_use_not_after is null
    or (in_use_not_after = ${key} and id > ${after.deviceId}))`;
}

interface FleetDeviceRow {
  id: string;
  product_line: string | null;
  in_use_serial: string | null;
  in_use_not_after: number | null;
  ldevid_serial: string | null;
  ldevid_issuer_id: string | null;
  ldevid_not_after: number | null;
  ldevid_renew_at: number | null;
  consecutive_failures: number;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_failure_reason: string | null;
  presented_at: number | null;
  idevid_serial: string | null;
  idevid_issuer_id: string | null;
  created_at: number;
  updated_at: number;
  fleet_state: FleetState;
}

function toFleetDevice(row: FleetDeviceRow, b: Bounds): FleetDevice {
  const state = row.fleet_state;
  return {
    deviceId: row.id as DeviceId,
    productLine: row.product_line,
    state,
    atRiskReason: state === 'at_risk' ? reasonOf(row, b) : null,
    inUse:
      row.in_use_serial === null || row.in_use_not_after === null
        ? null
        : { serial: row.in_use_serial as SerialHex, notAfter: new Date(row.in_use_not_after) },
    newestSerial: row.ldevid_serial as SerialHex | null,
    newestIssuerId: row.ldevid_issuer_id as IssuerId | null,
    newestNotAfter: fromEpochMsOrNull(row.ldevid_not_after),
    renewAt: fromEpochMsOrNull(row.ldevid_renew_at),
    consecutiveFailures: Number(row.consecutive_failures),
    lastSuccessAt: fromEpochMsOrNull(row.last_success_at),
    lastFailureAt: fromEpochMsOrNull(row.last_failure_at),
    lastFailureReason: row.last_failure_reason,
    lastPresentedAt: fromEpochMsOrNull(row.presented_at),
    idevidSerial: row.idevid_serial as SerialHex | null,
    idevidIssuerId: row.idevid_issuer_id as IssuerId | null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function boundsOf(query: FleetQuery): Bounds {
  const now = toEpochMs(query.now, 'now');
  if (!Number.isSafeInteger(query.marginSeconds) || query.marginSeconds < 0) {
    throw new PkiError('MALFORMED_INPUT', 'the margin must be a whole number of seconds, 0 or more');
  }
  if (!Number.isSafeInteger(query.failureThreshold) || query.failureThreshold < 1) {
    throw new PkiError('MALFORMED_INPUT', 'the failure threshold must be a positive integer');
  }
  return { now, until: now + query.marginSeconds * 1000, failureThreshold: query.failureThreshold };
}

/**
 * At risk (and neither expired, revoked nor decommissioned), as two OR-ed ranges, each stating the predicate
 * of the partial index that serves it:
 * 1. less than the margin left on the certificate in use, and either renewed but not deployed (the certificate
 *    in use is not the newest) or past the renewal point of the newest;
 * 2. failing at least `failureThreshold` times in a row, with a certificate in use not expired, or none yet.
 */
function atRiskCondition(b: Bounds): RawBuilder<SqlBool> {
  return sql<SqlBool>`((${LIVE_DEVICE} and in_use_not_after > ${b.now} and in_use_not_after < ${b.until}
      and (in_use_serial <> ldevid_serial or ldevid_renew_at <= ${b.now}))
    or (${FAILING} and ${LIVE_DEVICE} and consecutive_failures >= ${b.failureThreshold}
      and (in_use_not_after > ${b.now} or in_use_not_after is null)))`;
}

/** The first rule of AtRiskReason that a row selected by atRiskCondition meets. */
function reasonOf(
  row: {
    in_use_serial: string | null;
    in_use_not_after: number | null;
    ldevid_serial: string | null;
    consecutive_failures: number;
  },
  b: Bounds,
): AtRiskReason {
  const renewedNotDeployed =
    row.in_use_serial !== null && row.ldevid_serial !== null && row.in_use_serial !== row.ldevid_serial;
  if (renewedNotDeployed && row.in_use_not_after !== null && row.in_use_not_after < b.until)
    return 'renewed-not-deployed';
  if (row.consecutive_failures >= b.failureThreshold) return 'repeated-failures';
  return 'renewal-overdue';
}
