/**
 * bench/fleet-query: the fleet view's questions (FleetStatus: the first page of devices at risk, every device at
 * risk, the count per state) and the metrics' code-signing query on a fleet of a million devices, on SQLite and
 * PostgreSQL, next to references measured in the same run on the same engine and connection kind: a
 * `select count(*) from devices` (what the per-state count cannot avoid: `healthy` is the total less the
 * others) and a primary-key lookup (DeviceRegistry.get). Figures read as ratios to those.
 *
 * The fleet is written by bulk inserts into the migrated schema (the store's own migrations, then prepared
 * INSERTs in large transactions on SQLite and `INSERT … SELECT FROM unnest(…)` on PostgreSQL), with a mix of
 * states close to a real fleet's: about 1 % at risk (overdue renewal, renewed but not deployed, repeated
 * failures), 5 % past their renewal point, 0.5 % expired, 2 % never onboarded, 0.5 % revoked, 1 %
 * decommissioned, 2 % failing once or twice, the rest healthy. One LDevID per onboarded device (two for those
 * renewed but not deployed) and a few dozen certificates of no device (code signing, TLS, stations, OCSP).
 * PostgreSQL is ANALYZEd after the load, as autovacuum would be within a minute; SQLite is not, as the store
 * never runs ANALYZE.
 *
 *   npm run bench:fleet-query -- [--devices 1000000] [--runs 15] [--engine both|sqlite|postgres]
 *
 * PostgreSQL: the test server (PGHOST/PGPORT/PGUSER/PGDATABASE, default 127.0.0.1:5432 `test`), in a random
 * schema dropped afterwards. SQLite: a file in a temporary folder, removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DeviceId, IssuerId } from '../src/core/ids.js';
import { FleetStatus, type FleetState } from '../src/fleet/fleet-status.js';
import { openStore } from '../src/store/open-store.js';
import type { Database } from '../src/store/schema.js';
import type { Store } from '../src/store/store.js';
import {
  dropSchema,
  postgresTestServer,
  postgresTestUrl,
  randomSchemaName,
} from '../test/helpers/postgres.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '15' },
    engine: { type: 'string', default: 'both' },
  },
});
const deviceCount = Number(values.devices);
const runs = Number(values.runs);
if (!Number.isSafeInteger(deviceCount) || deviceCount < 1000) throw new Error('--devices: 1000 or more');
if (!Number.isSafeInteger(runs) || runs < 3) throw new Error('--runs: 3 or more');
const engines = values.engine === 'both' ? (['sqlite', 'postgres'] as const) : [values.engine];
for (const engine of engines) {
  if (engine !== 'sqlite' && engine !== 'postgres') throw new Error('--engine: both, sqlite or postgres');
}

const DAY_MS = 86_400_000;
const LIFETIME_MS = 30 * DAY_MS;
/** The ldevid profile's renewal point: two thirds of the lifetime. */
const RENEW_AFTER_MS = 20 * DAY_MS;
const MARGIN_MS = 7 * DAY_MS;
const ISSUER = 'operational' as IssuerId;
const PRODUCT_LINES = ['meter-a', 'meter-b', 'gateway', 'sensor-t', 'sensor-h'];
const DER = Buffer.alloc(480, 0x30);
/** Rows per INSERT transaction (SQLite) or per unnest statement (PostgreSQL). */
const CHUNK = 20_000;

/** What a generated device should be judged, for checking the counts the store returns. */
type Kind = FleetState | 'failing-once';

/** Cumulative shares of each kind; the rest is healthy. */
const MIX: ReadonlyArray<readonly [Kind, number, string]> = [
  ['decommissioned', 0.01, ''],
  ['revoked', 0.005, ''],
  ['provisioned', 0.02, ''],
  ['expired', 0.005, ''],
  ['at_risk', 0.004, 'renewal-overdue'],
  ['at_risk', 0.003, 'renewed-not-deployed'],
  ['at_risk', 0.003, 'repeated-failures'],
  ['renewal_due', 0.05, ''],
  ['failing-once', 0.02, ''],
];

/** mulberry32: the same fleet for the same --devices on every run and engine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Cell = string | number | null;

const DEVICE_COLUMNS: ReadonlyArray<readonly [string, 'text' | 'int8' | 'int4']> = [
  ['id', 'text'],
  ['product_line', 'text'],
  ['state', 'text'],
  ['idevid_serial', 'text'],
  ['idevid_issuer_id', 'text'],
  ['ldevid_serial', 'text'],
  ['ldevid_issuer_id', 'text'],
  ['ldevid_not_after', 'int8'],
  ['last_success_at', 'int8'],
  ['last_failure_at', 'int8'],
  ['last_failure_reason', 'text'],
  ['created_at', 'int8'],
  ['updated_at', 'int8'],
  ['ldevid_renew_at', 'int8'],
  ['presented_profile', 'text'],
  ['presented_issuer_id', 'text'],
  ['presented_serial', 'text'],
  ['presented_not_after', 'int8'],
  ['presented_at', 'int8'],
  ['in_use_serial', 'text'],
  ['in_use_not_after', 'int8'],
  ['consecutive_failures', 'int4'],
  // Migration 0008 (LDevIDs issued since the presented one), when the schema has it.
  ['issued_since_presented', 'int4'],
];

const CERTIFICATE_COLUMNS: ReadonlyArray<readonly [string, 'text' | 'int8']> = [
  ['issuer_id', 'text'],
  ['serial', 'text'],
  ['profile', 'text'],
  ['subject', 'text'],
  ['sans', 'text'],
  ['device_id', 'text'],
  ['not_before', 'int8'],
  ['not_after', 'int8'],
  ['key_algorithm', 'text'],
  ['spki_sha256', 'text'],
  ['requested_via', 'text'],
  ['status', 'text'],
  ['fingerprint_sha256', 'text'],
  ['prepared_at', 'int8'],
  ['issued_at', 'int8'],
  ['revoked_at', 'int8'],
  ['revocation_reason', 'text'],
];

interface Generated {
  readonly devices: Cell[][];
  readonly certificates: Cell[][];
}

const serial = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(30, '0')}`;
const hex64 = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(62, '0')}`;

/** Device rows `from` ≤ i < `to` (in DEVICE_COLUMNS order) and their certificates, counting kinds in `expected`. */
function generate(from: number, to: number, nowMs: number, expected: Map<Kind, number>): Generated {
  const devices: Cell[][] = [];
  const certificates: Cell[][] = [];
  const next = random(from + 1);
  const certificate = (
    serialHex: string,
    deviceId: string | null,
    profile: string,
    notBefore: number,
    status: string,
    i: number,
  ): Cell[] => [
    ISSUER,
    serialHex,
    profile,
    deviceId === null ? `CN=${profile} ${i},O=Acme` : `CN=${deviceId}`,
    deviceId === null ? '[]' : `["uri:urn:dev:org:32473-${deviceId}"]`,
    deviceId,
    notBefore,
    notBefore + LIFETIME_MS,
    'ec-p256',
    hex64('5b', i),
    'est',
    status,
    hex64('f1', i),
    notBefore,
    notBefore,
    status === 'revoked' ? nowMs - DAY_MS : null,
    status === 'revoked' ? 'keyCompromise' : null,
  ];
  for (let i = from; i < to; i++) {
    const id = `dev-${i.toString().padStart(7, '0')}`;
    const r = next();
    let kind: Kind = 'healthy';
    let reason = '';
    let cumulative = 0;
    for (const [k, share, why] of MIX) {
      cumulative += share;
      if (r < cumulative) {
        kind = k;
        reason = why;
        break;
      }
    }
    const judged = kind === 'failing-once' ? 'healthy' : kind;
    expected.set(judged, (expected.get(judged) ?? 0) + 1);
    const created = nowMs - 400 * DAY_MS;
    const idevid = serial('1a', i);
    const u = next();
    // Age of the newest LDevID (notBefore before now), by kind.
    let age = u * (RENEW_AFTER_MS - 60_000);
    if (kind === 'expired') age = LIFETIME_MS + 3_600_000 + u * LIFETIME_MS;
    else if (reason === 'renewal-overdue') age = LIFETIME_MS - MARGIN_MS + 60_000 + u * (MARGIN_MS - 120_000);
    else if (kind === 'renewal_due')
      age = RENEW_AFTER_MS + 60_000 + u * (LIFETIME_MS - MARGIN_MS - RENEW_AFTER_MS - 120_000);
    const notBefore = nowMs - Math.round(age);
    const ldevid = serial('4a', i);
    const onboarded = kind !== 'provisioned';
    const state =
      kind === 'provisioned'
        ? 'provisioned'
        : kind === 'revoked'
          ? 'revoked'
          : kind === 'decommissioned'
            ? 'decommissioned'
            : 'active';
    let inUse = onboarded ? ldevid : null;
    let inUseNotAfter = onboarded ? notBefore + LIFETIME_MS : null;
    let presented = onboarded ? serial('3b', i) : idevid;
    let presentedProfile = onboarded ? 'ldevid' : 'idevid';
    let presentedNotAfter = onboarded ? notBefore - DAY_MS : created + 15 * 365 * DAY_MS;
    let issuedSincePresented = onboarded ? 1 : 0;
    if (reason === 'renewed-not-deployed') {
      // Still authenticates with the previous LDevID, which expires within the margin.
      const older = serial('3b', i);
      const olderNotBefore =
        nowMs - (LIFETIME_MS - MARGIN_MS) - 60_000 - Math.round(u * (MARGIN_MS - 120_000));
      certificates.push(certificate(older, id, 'ldevid', olderNotBefore, 'issued', i));
      inUse = older;
      inUseNotAfter = olderNotBefore + LIFETIME_MS;
      presented = older;
      presentedProfile = 'ldevid';
      presentedNotAfter = inUseNotAfter;
      issuedSincePresented = 2;
    }
    const failures =
      reason === 'repeated-failures'
        ? 3 + Math.floor(u * 8)
        : kind === 'failing-once'
          ? 1 + Math.floor(u * 2)
          : 0;
    if (onboarded) {
      certificates.push(
        certificate(ldevid, id, 'ldevid', notBefore, kind === 'revoked' ? 'revoked' : 'issued', i),
      );
    }
    const lastFailure = failures > 0 ? nowMs - 3_600_000 : null;
    devices.push([
      id,
      PRODUCT_LINES[i % PRODUCT_LINES.length] ?? null,
      state,
      idevid,
      'factory',
      onboarded ? ldevid : null,
      onboarded ? ISSUER : null,
      onboarded ? notBefore + LIFETIME_MS : null,
      onboarded ? notBefore : null,
      lastFailure,
      failures > 0 ? 'the EST server did not answer' : null,
      created,
      lastFailure ?? (onboarded ? notBefore : created),
      onboarded ? notBefore + RENEW_AFTER_MS : null,
      presentedProfile,
      presentedProfile === 'idevid' ? 'factory' : ISSUER,
      presented,
      presentedNotAfter,
      onboarded ? notBefore : created,
      inUse,
      inUseNotAfter,
      failures,
      issuedSincePresented,
    ]);
  }
  return { devices, certificates };
}

/** Certificates of no device: what the code-signing series read, among the station, TLS and OCSP ones. */
function serviceCertificates(nowMs: number): Cell[][] {
  const rows: Cell[][] = [];
  const add = (profile: string, count: number, offset: number) => {
    for (let k = 0; k < count; k++) {
      const i = offset + k;
      const notBefore = nowMs - (k % 3 === 0 ? 40 : 5) * DAY_MS; // a third expired
      rows.push([
        ISSUER,
        serial('7c', i),
        profile,
        `CN=${profile} ${k},O=Acme`,
        '[]',
        null,
        notBefore,
        notBefore + LIFETIME_MS,
        'ec-p256',
        hex64('6c', i),
        'cli',
        'issued',
        hex64('f2', i),
        notBefore,
        notBefore,
        null,
        null,
      ]);
    }
  };
  add('code-signing', 20, 0);
  add('tls-server', 10, 100);
  add('factory-station', 6, 200);
  add('ocsp-responder', 30, 300);
  return rows;
}

/** Bulk writer of one engine. */
interface Loader {
  readonly deviceColumns: readonly string[];
  insertDevices(rows: readonly Cell[][]): Promise<void>;
  insertCertificates(rows: readonly Cell[][]): Promise<void>;
  /** `select count(*) from devices`, over the loader's own connection. */
  countAll(): Promise<number>;
  /** The plan of a statement, one line per step. */
  explain(sqlText: string, parameters: readonly unknown[]): Promise<string[]>;
  version(): Promise<string>;
  finish(): Promise<void>;
  close(): Promise<void>;
}

function sqliteLoader(path: string): Loader {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  // Load only: the store reopens the file with its own (durable) settings for the measurements.
  db.pragma('synchronous = OFF');
  const existing = new Set(
    (db.prepare(`select name from pragma_table_info('devices')`).all() as Array<{ name: string }>).map(
      (r) => r.name,
    ),
  );
  const deviceColumns = DEVICE_COLUMNS.map(([name]) => name).filter((name) => existing.has(name));
  const keep = DEVICE_COLUMNS.map(([name]) => existing.has(name));
  const insertDevice = db.prepare(
    `insert into devices (${deviceColumns.join(', ')}) values (${deviceColumns.map(() => '?').join(', ')})`,
  );
  const certificateColumns = [...CERTIFICATE_COLUMNS.map(([name]) => name), 'der'];
  const insertCertificate = db.prepare(
    `insert into certificates (${certificateColumns.join(', ')}) values (${certificateColumns.map(() => '?').join(', ')})`,
  );
  const insertDevices = db.transaction((rows: readonly Cell[][]) => {
    for (const row of rows) insertDevice.run(...row.filter((_, k) => keep[k]));
  });
  const insertCertificates = db.transaction((rows: readonly Cell[][]) => {
    for (const row of rows) insertCertificate.run(...row, DER);
  });
  const count = db.prepare('select count(*) from devices').pluck();
  return {
    deviceColumns,
    insertDevices: (rows) => Promise.resolve(insertDevices(rows)),
    insertCertificates: (rows) => Promise.resolve(insertCertificates(rows)),
    countAll: () => Promise.resolve(Number(count.get())),
    explain: (sqlText, parameters) =>
      Promise.resolve(
        (
          db.prepare(`explain query plan ${sqlText}`).all(...(parameters as Cell[])) as Array<{
            detail: string;
          }>
        ).map((r) => r.detail),
      ),
    version: () => Promise.resolve(`SQLite ${String(db.prepare('select sqlite_version()').pluck().get())}`),
    finish: () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

async function postgresLoader(schema: string): Promise<Loader> {
  const client = new pg.Client({ ...postgresTestServer(), options: `-c search_path=${schema}` });
  await client.connect();
  const existing = new Set(
    (
      await client.query<{ column_name: string }>(
        `select column_name from information_schema.columns where table_schema = $1 and table_name = 'devices'`,
        [schema],
      )
    ).rows.map((r) => r.column_name),
  );
  const devices = DEVICE_COLUMNS.filter(([name]) => existing.has(name));
  const keep = DEVICE_COLUMNS.map(([name]) => existing.has(name));
  const unnest = async (
    table: string,
    columns: ReadonlyArray<readonly [string, string]>,
    rows: readonly Cell[][],
    extra: { column: string; value: unknown } | undefined,
  ) => {
    if (rows.length === 0) return;
    const arrays = columns.map((_, k) => rows.map((row) => row[k] ?? null));
    const list = columns.map(([name]) => name);
    const selected = columns.map(([, type], k) => `$${k + 1}::${type}[]`);
    const parameters: unknown[] = arrays;
    let extraSql = '';
    if (extra) {
      parameters.push(extra.value);
      extraSql = `, $${parameters.length}`;
    }
    await client.query(
      `insert into ${table} (${list.join(', ')}${extra ? `, ${extra.column}` : ''})
       select *${extraSql} from unnest(${selected.join(', ')})`,
      parameters,
    );
  };
  return {
    deviceColumns: devices.map(([name]) => name),
    insertDevices: (rows) =>
      unnest(
        'devices',
        devices,
        rows.map((row) => row.filter((_, k) => keep[k])),
        undefined,
      ),
    insertCertificates: (rows) =>
      unnest('certificates', CERTIFICATE_COLUMNS, rows, { column: 'der', value: DER }),
    countAll: async () =>
      Number((await client.query<{ n: string }>('select count(*) as n from devices')).rows[0]?.n),
    explain: async (sqlText, parameters) =>
      (await client.query<{ 'QUERY PLAN': string }>(`explain ${sqlText}`, [...parameters])).rows.map(
        (r) => r['QUERY PLAN'],
      ),
    version: async () =>
      `PostgreSQL ${(await client.query<{ v: string }>(`select split_part(current_setting('server_version'), ' ', 1) as v`)).rows[0]?.v ?? '?'}`,
    finish: async () => {
      // The two tables only: a bare ANALYZE would visit every schema of the shared test database.
      await client.query('analyze devices');
      await client.query('analyze certificates');
    },
    close: () => client.end(),
  };
}

interface Timing {
  readonly medianMs: number;
  readonly p95Ms: number;
}

/** `runs` timed calls after two untimed ones (caches, plans); median and 95th percentile (nearest rank). */
async function time(work: () => Promise<unknown>): Promise<Timing> {
  await work();
  await work();
  const samples: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const rank = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)] ?? NaN;
  return { medianMs: rank(0.5), p95Ms: rank(0.95) };
}

interface EngineResult {
  readonly engine: string;
  readonly version: string;
  readonly rows: ReadonlyArray<{ readonly what: string; readonly timing: Timing; readonly note: string }>;
  readonly referenceMs: number;
  readonly primaryKeyMs: number;
}

async function benchEngine(engine: 'sqlite' | 'postgres', nowMs: number): Promise<EngineResult> {
  let url: string;
  let release: () => Promise<void>;
  let loaderFor: () => Promise<Loader>;
  if (engine === 'sqlite') {
    const folder = await mkdtemp(join(tmpdir(), 'certfleet-bench-fleet-'));
    const path = join(folder, 'fleet.db');
    url = `sqlite:${path}`;
    release = () => rm(folder, { recursive: true, force: true });
    loaderFor = () => Promise.resolve(sqliteLoader(path));
  } else {
    const schema = randomSchemaName('cf_bench');
    url = postgresTestUrl(schema);
    release = () => dropSchema(schema);
    loaderFor = () => postgresLoader(schema);
  }
  let store: Store | undefined;
  let loader: Loader | undefined;
  try {
    // The schema, by the store's migrations; an issuer row for the certificates' foreign key.
    const migrated = await openStore(url);
    for (const id of [ISSUER, 'factory' as IssuerId]) {
      await migrated.issuers.add({
        id,
        role: 'intermediate',
        parentId: null,
        subject: `CN=${id}`,
        certificateDer: DER,
        keyUri: null,
        keyAlgorithm: 'ec-p256',
        notBefore: new Date(nowMs - 400 * DAY_MS),
        notAfter: new Date(nowMs + 3650 * DAY_MS),
        subjectKeyIdHex: '00',
        fingerprintSha256: id,
        status: 'active',
        createdAt: new Date(nowMs - 400 * DAY_MS),
      });
    }
    await migrated.close();

    loader = await loaderFor();
    const version = await loader.version();
    const expected = new Map<Kind, number>();
    const loadStart = performance.now();
    let certificateRows = 0;
    for (let from = 0; from < deviceCount; from += CHUNK) {
      const chunk = generate(from, Math.min(deviceCount, from + CHUNK), nowMs, expected);
      await loader.insertDevices(chunk.devices);
      await loader.insertCertificates(chunk.certificates);
      certificateRows += chunk.certificates.length;
      if ((from / CHUNK) % 10 === 9) {
        process.stdout.write(`  ${engine}: ${from + CHUNK} devices written…\r`);
      }
    }
    const services = serviceCertificates(nowMs);
    await loader.insertCertificates(services);
    certificateRows += services.length;
    await loader.finish();
    const loadSeconds = (performance.now() - loadStart) / 1000;
    console.log(
      `${engine} (${version}): ${deviceCount} devices and ${certificateRows} certificates written in ${loadSeconds.toFixed(0)} s` +
        ` (device columns: ${loader.deviceColumns.length})`,
    );

    store = await openStore(url);
    const fleet = new FleetStatus(store.fleet);
    const now = new Date(nowMs);
    const open = store;
    const activeLoader = loader;

    // The data must mean what the mix says, or the timings measure something else.
    const counts = await fleet.countByState(now);
    const check = (
      ['provisioned', 'healthy', 'renewal_due', 'at_risk', 'expired', 'revoked', 'decommissioned'] as const
    )
      .map(
        (state) =>
          `${state} ${counts[state]}${counts[state] === (expected.get(state) ?? 0) ? '' : ` (expected ${expected.get(state) ?? 0})`}`,
      )
      .join(', ');
    console.log(`  states: ${check}; total ${counts.total}`);
    const all = await fleet.allAtRisk(now);
    if (all.length !== counts.at_risk)
      console.log(`  MISMATCH: allAtRisk lists ${all.length}, countByState says ${counts.at_risk}`);

    const plan = await codeSigningPlan(engine, activeLoader, now);
    console.log(`  plan of listIssuedWithoutDevice: ${plan.join(' | ')}`);

    const someDevice = `dev-${Math.floor(deviceCount / 2)
      .toString()
      .padStart(7, '0')}` as DeviceId;
    const reference = await time(() => activeLoader.countAll());
    const primaryKey = await time(() => open.devices.get(someDevice));
    const rows = [
      { what: 'reference: select count(*) from devices', timing: reference, note: 'raw driver' },
      {
        what: 'reference: DeviceRegistry.get (primary key)',
        timing: primaryKey,
        note: '1 device',
      },
      {
        what: 'FleetStatus.atRisk, first page',
        timing: await time(() => fleet.atRisk(now)),
        note: `${(await fleet.atRisk(now)).length} devices`,
      },
      {
        what: 'FleetStatus.allAtRisk',
        timing: await time(() => fleet.allAtRisk(now)),
        note: `${all.length} devices`,
      },
      {
        what: 'FleetStatus.countByState',
        timing: await time(() => fleet.countByState(now)),
        note: '7 states',
      },
      {
        what: 'CertificateReader.listIssuedWithoutDevice (code-signing)',
        timing: await time(() =>
          open.certificates.listIssuedWithoutDevice({ profile: 'code-signing', validAt: now }),
        ),
        note: `${(await open.certificates.listIssuedWithoutDevice({ profile: 'code-signing', validAt: now })).length} certificates`,
      },
    ];
    return { engine, version, rows, referenceMs: reference.medianMs, primaryKeyMs: primaryKey.medianMs };
  } finally {
    await store?.close();
    await loader?.close();
    await release();
  }
}

/** The plan of the metrics' code-signing query, compiled by Kysely as SqlCertificateReader builds it. */
async function codeSigningPlan(engine: 'sqlite' | 'postgres', loader: Loader, now: Date): Promise<string[]> {
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
  });
  try {
    const compiled = db
      .selectFrom('certificates')
      .selectAll()
      .where('device_id', 'is', null)
      .where('profile', '=', 'code-signing')
      .where('status', '=', 'issued')
      .where('not_after', '>=', now.getTime())
      .orderBy('not_after')
      .orderBy('serial')
      .orderBy('issuer_id')
      .limit(100)
      .compile();
    // SQLite's `?` markers; PostgreSQL wants `$n`.
    let n = 0;
    const text = engine === 'postgres' ? compiled.sql.replace(/\?/g, () => `$${++n}`) : compiled.sql;
    return await loader.explain(text, compiled.parameters);
  } finally {
    await db.destroy();
  }
}

/** Ratio of medians, with the precision it deserves. */
function ratio(value: number, reference: number): string {
  const r = value / reference;
  return r < 10 ? r.toFixed(2) : r.toFixed(0);
}

function ms(value: number): string {
  return value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

async function main(): Promise<void> {
  const nowMs = Date.now();
  console.log(
    `bench/fleet-query — node ${process.version}, ${deviceCount} devices, ${runs} timed runs per query (after 2 untimed), engines: ${engines.join(', ')}`,
  );
  const results: EngineResult[] = [];
  for (const engine of engines) results.push(await benchEngine(engine as 'sqlite' | 'postgres', nowMs));
  console.log('');
  console.log('| engine | query | median ms | p95 ms | ÷ count(*) | ÷ primary key | result |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    for (const row of r.rows) {
      console.log(
        `| ${r.version} | ${row.what} | ${ms(row.timing.medianMs)} | ${ms(row.timing.p95Ms)} | ${ratio(row.timing.medianMs, r.referenceMs)} | ${ratio(row.timing.medianMs, r.primaryKeyMs)} | ${row.note} |`,
      );
    }
  }
}

await main();
