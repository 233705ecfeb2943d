import { sql } from 'kysely';
import type { ExpressionBuilder, ExpressionWrapper, Kysely, SqlBool } from 'kysely';
import { PkiError, isPkiError } from '../core/pki-error.js';
import { chunkRows } from './bind-parameter-limit.js';
import {
  type CheckedEndpoint,
  checkEndpointChanges,
  checkEndpointName,
  checkNewEndpoint,
} from './endpoint-fields.js';
import type {
  DueQuery,
  EndpointChanges,
  EndpointPageQuery,
  EndpointQuery,
  EndpointRegistry,
  ImportOutcome,
  MonitoredEndpoint,
  NewEndpoint,
} from './endpoint-registry.js';
import { toCheckedEndpoint, toEndpointColumns, toEndpointRecord } from './endpoint-row.js';
import { toEpochMs } from './epoch-ms.js';
import { pageLimit, pageOffset } from './page-limit.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './store-errors.js';

/**
 * The predicate of monitored_endpoints_due_idx (migrations/0005-monitor.ts), word for word and as literal SQL,
 * which is what lets both engines use the partial index.
 */
const ENABLED_ENDPOINT = sql.raw<SqlBool>('enabled = 1');

/** Columns each imported row binds; see chunkRows. */
const IMPORT_PARAMETERS_PER_ROW = 13;

type EndpointFilter = Omit<EndpointQuery, 'limit' | 'offset'>;

/** Both engines. Names are unique by constraint; an import's duplicates are found by ON CONFLICT DO NOTHING. */
export class SqlEndpointRegistry implements EndpointRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  async add(endpoint: NewEndpoint, at: Date): Promise<MonitoredEndpoint> {
    const checked = checkNewEndpoint(endpoint);
    const atMs = toEpochMs(at, 'at');
    try {
      const row = await this.db
        .insertInto('monitored_endpoints')
        .values({ ...toEndpointColumns(checked), created_at: atMs, updated_at: atMs })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEndpointRecord(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `an endpoint named '${checked.name}' exists already`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async update(name: string, changes: EndpointChanges, at: Date): Promise<MonitoredEndpoint> {
    const current = await this.get(checkEndpointName(name));
    if (current === undefined) throw notFound(name);
    const checked = checkEndpointChanges(toCheckedEndpoint(current), changes);
    const row = await this.db
      .updateTable('monitored_endpoints')
      .set({ ...toEndpointColumns(checked), updated_at: toEpochMs(at, 'at') })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirst();
    // Removed between the read and the write.
    if (row === undefined) throw notFound(name);
    return toEndpointRecord(row);
  }

  async remove(name: string): Promise<void> {
    // The observations go with it (ON DELETE CASCADE).
    const result = await this.db
      .deleteFrom('monitored_endpoints')
      .where('name', '=', checkEndpointName(name))
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound(name);
  }

  async get(name: string): Promise<MonitoredEndpoint | undefined> {
    const row = await this.db
      .selectFrom('monitored_endpoints')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : toEndpointRecord(row);
  }

  async getById(id: number): Promise<MonitoredEndpoint | undefined> {
    const row = await this.db
      .selectFrom('monitored_endpoints')
      .selectAll()
      .where('id', '=', checkId(id))
      .executeTakeFirst();
    return row === undefined ? undefined : toEndpointRecord(row);
  }

  async list(query: EndpointQuery): Promise<readonly MonitoredEndpoint[]> {
    const rows = await this.db
      .selectFrom('monitored_endpoints')
      .selectAll()
      .where((eb) => eb.and(endpointFilters(eb, query)))
      .orderBy('name')
      .limit(pageLimit(query.limit))
      .offset(pageOffset(query.offset))
      .execute();
    return rows.map(toEndpointRecord);
  }

  async page(query: EndpointPageQuery): Promise<readonly MonitoredEndpoint[]> {
    let select = this.db
      .selectFrom('monitored_endpoints')
      .selectAll()
      .where((eb) => eb.and(endpointFilters(eb, query)));
    if (query.protocol !== undefined) select = select.where('protocol', '=', query.protocol);
    if (query.failing !== undefined) {
      select = select.where('consecutive_failures', query.failing ? '>' : '=', 0);
    }
    if (query.afterName !== undefined) select = select.where('name', '>', query.afterName);
    const rows = await select.orderBy('name').limit(pageLimit(query.limit)).execute();
    return rows.map(toEndpointRecord);
  }

  async count(query: EndpointFilter): Promise<number> {
    const row = await this.db
      .selectFrom('monitored_endpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.and(endpointFilters(eb, query)))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async importMany(endpoints: readonly NewEndpoint[], at: Date): Promise<readonly ImportOutcome[]> {
    const atMs = toEpochMs(at, 'at');
    const outcomes: Array<ImportOutcome | CheckedEndpoint> = [];
    const seen = new Set<string>();
    for (const endpoint of endpoints) {
      try {
        const checked = checkNewEndpoint(endpoint);
        if (seen.has(checked.name)) {
          outcomes.push({ ok: false, reason: `name '${checked.name}' is given twice; the first one counts` });
          continue;
        }
        seen.add(checked.name);
        outcomes.push(checked);
      } catch (error) {
        if (!isPkiError(error, 'MALFORMED_INPUT')) throw error;
        outcomes.push({ ok: false, reason: error.message });
      }
    }
    const valid = outcomes.filter((o): o is CheckedEndpoint => !('ok' in o));
    const inserted = new Map<string, MonitoredEndpoint>();
    if (valid.length > 0) {
      await this.db.transaction().execute(async (trx) => {
        for (const chunk of chunkRows(valid, IMPORT_PARAMETERS_PER_ROW)) {
          const rows = await trx
            .insertInto('monitored_endpoints')
            .values(chunk.map((e) => ({ ...toEndpointColumns(e), created_at: atMs, updated_at: atMs })))
            .onConflict((oc) => oc.column('name').doNothing())
            .returningAll()
            .execute();
          for (const row of rows) inserted.set(row.name, toEndpointRecord(row));
        }
      });
    }
    return outcomes.map((o): ImportOutcome => {
      if ('ok' in o) return o;
      const endpoint = inserted.get(o.name);
      return endpoint === undefined
        ? { ok: false, reason: `an endpoint named '${o.name}' exists already` }
        : { ok: true, endpoint };
    });
  }

  async listDue(query: DueQuery): Promise<readonly MonitoredEndpoint[]> {
    const dueMs = toEpochMs(query.dueBefore, 'dueBefore');
    const rows = await this.db
      .selectFrom('monitored_endpoints')
      .selectAll()
      .where(ENABLED_ENDPOINT)
      .where('kind', '=', query.kind)
      .where('id', '>', query.afterId === undefined ? 0 : checkId(query.afterId))
      .where((eb) => eb.or([eb('last_probed_at', 'is', null), eb('last_probed_at', '<=', dueMs)]))
      .orderBy('id')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toEndpointRecord);
  }

  async claimDue(ids: readonly number[], at: Date, dueBefore: Date): Promise<readonly number[]> {
    const atMs = toEpochMs(at, 'at');
    const dueMs = toEpochMs(dueBefore, 'dueBefore');
    const claimed: number[] = [];
    // Each chunk is one conditional UPDATE: the database re-checks "due" under the row's write lock, so of
    // nodes claiming the same endpoint only the first changes it.
    for (const chunk of chunkRows(ids.map(checkId), 1)) {
      const rows = await this.db
        .updateTable('monitored_endpoints')
        .set({ last_probed_at: atMs })
        .where(ENABLED_ENDPOINT)
        .where('id', 'in', chunk)
        .where((eb) => eb.or([eb('last_probed_at', 'is', null), eb('last_probed_at', '<=', dueMs)]))
        .returning('id')
        .execute();
      claimed.push(...rows.map((r) => Number(r.id)));
    }
    return claimed.sort((a, b) => a - b);
  }
}

function endpointFilters(
  eb: ExpressionBuilder<Database, 'monitored_endpoints'>,
  query: EndpointFilter,
): ExpressionWrapper<Database, 'monitored_endpoints', SqlBool>[] {
  const filters: ExpressionWrapper<Database, 'monitored_endpoints', SqlBool>[] = [];
  if (query.kind !== undefined) filters.push(eb('kind', '=', query.kind));
  if (query.enabled !== undefined) filters.push(eb('enabled', '=', query.enabled ? 1 : 0));
  return filters;
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0)
    throw new PkiError('MALFORMED_INPUT', 'endpoint id must be a whole number');
  return id;
}

function notFound(name: string): PkiError {
  return new PkiError('NOT_FOUND', `no endpoint named '${name}'`);
}
