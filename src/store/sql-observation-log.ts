import { sql } from 'kysely';
import type { Kysely, SqlBool } from 'kysely';
import { PkiError } from '../core/pki-error.js';
import { toEndpointRecord } from './endpoint-row.js';
import { toEpochMs } from './epoch-ms.js';
import type {
  EndpointObservation,
  HistoryQuery,
  LatestObservation,
  LatestQuery,
  NewObservation,
  ObservationLog,
  ObservationSummary,
} from './observation-log.js';
import { SUMMARY_COLUMNS, toObservation, toObservationRow, toObservationSummary } from './observation-row.js';
import { pageLimit } from './page-limit.js';
import type { Database } from './schema.js';
import { isForeignKeyViolation } from './store-errors.js';

/**
 * Both engines. Each endpoint row points at its newest observation (last_observation_id, written in the same
 * transaction as the observation), so the latest view is a page of endpoints plus a primary-key lookup of
 * their observations: two indexed queries whatever the history's length.
 */
export class SqlObservationLog implements ObservationLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(observation: NewObservation): Promise<EndpointObservation> {
    const values = toObservationRow(observation);
    const observedAt = values.observed_at;
    const failed = observation.outcome !== 'ok';
    try {
      return await this.db.transaction().execute(async (trx) => {
        // The insert first: on SQLite it takes the write lock at once, so the update cannot be refused it.
        const row = await trx
          .insertInto('endpoint_observations')
          .values(values)
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('monitored_endpoints')
          .set({
            last_observation_id: row.id,
            last_probed_at: sql<number>`case when last_probed_at is null or last_probed_at < ${observedAt}
              then ${observedAt} else last_probed_at end`,
            consecutive_failures: failed ? sql<number>`consecutive_failures + 1` : 0,
          })
          .where('id', '=', observation.endpointId)
          .execute();
        return toObservation(row);
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new PkiError('NOT_FOUND', `no endpoint with id ${observation.endpointId}`, { cause: error });
      }
      throw error;
    }
  }

  async latest(query: LatestQuery): Promise<readonly LatestObservation[]> {
    let select = this.db.selectFrom('monitored_endpoints').selectAll();
    if (query.kind !== undefined) select = select.where('kind', '=', query.kind);
    if (query.enabled !== undefined) select = select.where('enabled', '=', query.enabled ? 1 : 0);
    if (query.afterId !== undefined) select = select.where('id', '>', checkId(query.afterId));
    const endpoints = await select.orderBy('id').limit(pageLimit(query.limit)).execute();
    const ids = endpoints.flatMap((e) =>
      e.last_observation_id === null ? [] : [Number(e.last_observation_id)],
    );
    const observations = new Map<number, ObservationSummary>();
    if (ids.length > 0) {
      const rows = await this.db
        .selectFrom('endpoint_observations')
        .select(SUMMARY_COLUMNS)
        .where('id', 'in', ids)
        .execute();
      for (const row of rows) observations.set(Number(row.id), toObservationSummary(row));
    }
    return endpoints.map((row) => ({
      endpoint: toEndpointRecord(row),
      observation:
        row.last_observation_id === null ? null : (observations.get(Number(row.last_observation_id)) ?? null),
    }));
  }

  async history(endpointId: number, query: HistoryQuery): Promise<readonly ObservationSummary[]> {
    let select = this.db
      .selectFrom('endpoint_observations')
      .select(SUMMARY_COLUMNS)
      .where('endpoint_id', '=', checkId(endpointId));
    if (query.before !== undefined && query.beforeId !== undefined) {
      const beforeMs = toEpochMs(query.before, 'before');
      const beforeId = checkId(query.beforeId);
      select = select.where((eb) =>
        eb.or([
          eb('observed_at', '<', beforeMs),
          eb.and([eb('observed_at', '=', beforeMs), eb('id', '<', beforeId)]),
        ]),
      );
    } else if (query.before !== undefined)
      select = select.where('observed_at', '<', toEpochMs(query.before, 'before'));
    const rows = await select
      .orderBy('observed_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toObservationSummary);
  }

  async get(id: number): Promise<EndpointObservation | undefined> {
    const row = await this.db
      .selectFrom('endpoint_observations')
      .selectAll()
      .where('id', '=', checkId(id))
      .executeTakeFirst();
    return row === undefined ? undefined : toObservation(row);
  }

  async prune(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('endpoint_observations')
      .where('observed_at', '<', toEpochMs(before, 'before'))
      .where(
        sql<SqlBool>`id not in (select last_observation_id from monitored_endpoints
          where last_observation_id is not null)`,
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0) throw new PkiError('MALFORMED_INPUT', 'id must be a whole number');
  return id;
}
