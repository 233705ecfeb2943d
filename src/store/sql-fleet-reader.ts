import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { DeviceId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import type {
  AtRiskDevice,
  AtRiskQuery,
  AtRiskReason,
  FleetQuery,
  FleetReader,
  FleetState,
} from './fleet-reader.js';
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
