/**
 * The issuance journal under SIGKILL. The CA promises prepare → record → sign → record signed DER → return,
 * each record durable before the next step: so however the process dies, every certificate it returned is in
 * the store, issued, with the same DER; no serial is used twice; a row left `prepared` (killed between record
 * and sign) was never returned; and the audit chain still verifies.
 *
 * A child process (fixtures/issue-until-killed.ts) issues with many requests in flight and prints each
 * certificate the moment issue() resolves; the test kills it with SIGKILL after a random number of
 * certificates, then checks the store against what came out. Several rounds run on the same store, so later
 * rounds start from a crashed database. Both engines: SQLite (a file) and PostgreSQL (a fresh schema).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type IssuerId, type SerialHex, toIssuerId, toSerialHex } from '../../src/core/ids.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import type { Config } from '../../src/server/config-schema.js';
import type { CertificateReader } from '../../src/store/certificate-reader.js';
import { openStore } from '../../src/store/open-store.js';
import type { CertificateRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { parseStoreUrl } from '../../src/store/store-url.js';
import { dropSchema, postgresTestUrl, randomSchemaName, withPostgresClient } from '../helpers/postgres.js';
import { createTestDeployment } from '../helpers/test-deployment.js';

const ROUNDS = 4;
/** Certificates the child must have printed before it is killed: drawn per round in [MIN, MAX]. */
const MIN_CERTIFICATES = 50;
const MAX_CERTIFICATES = 2000;
/** After the threshold, the kill waits a further random 0 … this many milliseconds. */
const MAX_KILL_DELAY_MS = 25;
/** Startup (tsx compiling the sources) plus issuing MAX_CERTIFICATES, with a wide margin. */
const ROUND_TIMEOUT_MS = 30_000;
const LOOKUPS_IN_FLIGHT = 16;
const MAX_PROBLEMS_SHOWN = 20;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/issue-until-killed.ts', import.meta.url));
const OPERATIONAL = required(toIssuerId('operational'), 'issuer id');
const LINE = /^([a-z0-9-]+) ([0-9a-f]+) ([0-9a-f]{64}) ([A-Za-z0-9+/]+={0,2})$/;

/** One certificate as the child printed it: returned to its requester. */
interface Printed {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly fingerprintSha256: string;
  readonly der: Buffer;
  readonly round: number;
}

/** A database engine as this test needs it: a store URL, a raw query for what no store role offers. */
interface Engine {
  readonly name: string;
  /** A fresh database for the suite; `remove` drops it. */
  create(): { storeUrl: string | undefined; remove(): Promise<void> };
  query<T>(storeUrl: string, text: string): Promise<T[]>;
}

const sqlite: Engine = {
  name: 'sqlite',
  // createTestDeployment puts the SQLite file in its folder, which the suite removes.
  create: () => ({ storeUrl: undefined, remove: () => Promise.resolve() }),
  query<T>(storeUrl: string, text: string): Promise<T[]> {
    const location = parseStoreUrl(storeUrl);
    if (location.engine !== 'sqlite') throw new Error(`not a SQLite store: ${storeUrl}`);
    const db = new BetterSqlite3(location.path, { readonly: true, fileMustExist: true });
    try {
      return Promise.resolve(db.prepare(text).all() as T[]);
    } finally {
      db.close();
    }
  },
};

const postgres: Engine = {
  name: 'postgres',
  create() {
    const schema = randomSchemaName('cf_journal');
    return { storeUrl: postgresTestUrl(schema), remove: () => dropSchema(schema) };
  },
  query<T>(storeUrl: string, text: string): Promise<T[]> {
    const schema = required(new URL(storeUrl).searchParams.get('schema') ?? undefined, 'schema');
    return withPostgresClient(async (client) => (await client.query(text)).rows as T[], schema);
  },
};

// The engines run side by side (most of a round is the child starting and fsyncing); the rounds of one engine
// run in order, each on the database the previous one crashed.
describe('issuance journal under SIGKILL', { concurrency: 2 }, () => {
  for (const engine of [sqlite, postgres]) {
    describe(engine.name, { concurrency: 1 }, () => {
      const database = engine.create();
      let dir: string | undefined;
      let config: Config | undefined;
      let configPath = '';
      /** Every certificate printed in every round, by `issuer/serial`. */
      const printed = new Map<string, Printed>();
      let preparedBefore = 0;

      before(async () => {
        const deployment = await createTestDeployment(
          database.storeUrl === undefined ? {} : { storeUrl: database.storeUrl },
        );
        dir = deployment.dir;
        config = deployment.config;
        // The child opens its own runtime; the folder (keys, secrets, SQLite file) stays until `after`.
        await deployment.runtime.close();
        configPath = join(dir, 'certfleet.json');
        await writeFile(configPath, JSON.stringify(config));
        const store = await openStore(config.store.url);
        try {
          preparedBefore = (await preparedRows(store.certificates)).length;
        } finally {
          await store.close();
        }
      });

      after(async () => {
        try {
          await database.remove();
        } finally {
          if (dir !== undefined) await rm(dir, { recursive: true, force: true });
        }
      });

      for (let round = 1; round <= ROUNDS; round++) {
        test(`round ${round}: every certificate returned before the kill is in the store`, async (t) => {
          const current = required(config, 'deployment');
          const target = randomInt(MIN_CERTIFICATES, MAX_CERTIFICATES + 1);
          const run = await issueUntilKilled(configPath, round * 1_000_000, target);
          assert.equal(run.partial, '', 'a line was cut: the child writes each line in one write(2)');

          const out = run.lines.map((line) => parseLine(line, round));
          for (const cert of out) {
            const key = `${cert.issuerId}/${cert.serial}`;
            const earlier = printed.get(key);
            assert.equal(
              earlier,
              undefined,
              `serial ${key} was returned twice (rounds ${earlier?.round} and ${round})`,
            );
            printed.set(key, cert);
          }

          const checkStartedAt = performance.now();
          const check = await checkStore(engine, current, printed);
          const checkMs = Math.round(performance.now() - checkStartedAt);
          assert.deepEqual(
            check.problems.slice(0, MAX_PROBLEMS_SHOWN),
            [],
            `${check.problems.length} returned certificates missing or different in the store`,
          );
          assert.deepEqual(check.repeatedSerials, [], 'serials used twice under one issuer');
          assert.deepEqual(
            check.preparedButReturned,
            [],
            'certificates returned while their row is only prepared',
          );
          assert.equal(
            check.auditedIssued,
            check.issued,
            'one cert.issued audit event per issued certificate',
          );
          assert.equal(check.chain.ok, true, `audit chain broken at seq ${check.chain.brokenAtSeq}`);

          const newPrepared = check.prepared - preparedBefore;
          preparedBefore = check.prepared;
          t.diagnostic(
            `${engine.name} round ${round}: ${out.length} certificates out before SIGKILL (target ${target}, ` +
              `child killed ${run.killDelayMs} ms after it), ${newPrepared} prepared-but-unsigned rows left ` +
              `(${check.prepared} in all), ${check.issued - printed.size} issued but never returned, ` +
              `${check.issued} issued in the store, ${printed.size} returned in all rounds checked, ` +
              `audit chain of ${check.chain.checked} records verified; child startup ${run.startupMs} ms, ` +
              `issuing ${run.issuingMs} ms, check ${checkMs} ms`,
          );
          assert.ok(
            out.length >= target,
            `the child printed ${out.length} certificates, fewer than ${target}`,
          );
        });
      }
    });
  }
});

interface KilledRun {
  /** Complete certificate lines, `ready` excluded. */
  readonly lines: readonly string[];
  /** Bytes after the last newline (nothing, since each line is one write to a pipe). */
  readonly partial: string;
  readonly killDelayMs: number;
  /** From spawn to `ready`, and from `ready` to the end of the child. */
  readonly startupMs: number;
  readonly issuingMs: number;
}

/**
 * Runs the child until it has printed `target` certificates, then SIGKILLs it after a random delay and
 * returns everything it printed. The child is killed whatever happens; an early exit or a timeout fails.
 */
async function issueUntilKilled(configPath: string, firstDevice: number, target: number): Promise<KilledRun> {
  const env = { ...process.env };
  // The child is a plain program, not a test file reporting to this runner.
  delete env['NODE_TEST_CONTEXT'];
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, configPath, String(firstDevice)], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killDelayMs = randomInt(0, MAX_KILL_DELAY_MS + 1);
  const spawnedAt = performance.now();
  let readyAt: number | undefined;
  let stdout = '';
  let stderr = '';
  let lineCount = 0;
  let killScheduled = false;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const before = stdout.length;
      stdout += chunk;
      for (let i = stdout.indexOf('\n', before); i !== -1; i = stdout.indexOf('\n', i + 1)) lineCount++;
      readyAt ??= performance.now();
      // `ready` is one of the lines counted.
      if (!killScheduled && lineCount - 1 >= target) {
        killScheduled = true;
        if (killDelayMs === 0) kill();
        else setTimeout(kill, killDelayMs);
      }
    });
    timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, ROUND_TIMEOUT_MS);
    const { code, signal } = await ended;
    assert.ok(
      !timedOut,
      `no ${target} certificates within ${ROUND_TIMEOUT_MS} ms (${lineCount} lines):\n${stderr}`,
    );
    assert.ok(
      killScheduled && signal === 'SIGKILL',
      `the child ended by itself (status ${code}, signal ${signal}) after ${lineCount} lines:\n${stderr}`,
    );
  } finally {
    clearTimeout(timer);
    kill();
  }
  const lines = stdout.split('\n');
  const partial = lines.pop() ?? '';
  assert.equal(lines[0], 'ready', `the child's first line is not 'ready':\n${stderr}`);
  const endedAt = performance.now();
  return {
    lines: lines.slice(1),
    partial,
    killDelayMs,
    startupMs: Math.round((readyAt ?? endedAt) - spawnedAt),
    issuingMs: Math.round(endedAt - (readyAt ?? endedAt)),
  };
}

function parseLine(line: string, round: number): Printed {
  const match = LINE.exec(line);
  assert.ok(match, `not a certificate line: ${line.slice(0, 200)}`);
  const [, issuerText, serialText, fingerprintSha256, base64] = match as unknown as [string, ...string[]];
  const der = Buffer.from(required(base64, 'DER'), 'base64');
  const serial = required(toSerialHex(required(serialText, 'serial')), 'serial');
  assert.equal(createHash('sha256').update(der).digest('hex'), fingerprintSha256, 'fingerprint of the DER');
  assert.equal(parseCertificate(der).serial, serial, 'serial of the DER');
  return {
    issuerId: required(toIssuerId(required(issuerText, 'issuer')), 'issuer id'),
    serial,
    fingerprintSha256: required(fingerprintSha256, 'fingerprint'),
    der,
    round,
  };
}

interface StoreCheck {
  /** One line per returned certificate that is missing from the store or differs from what was returned. */
  readonly problems: readonly string[];
  readonly repeatedSerials: readonly string[];
  readonly preparedButReturned: readonly string[];
  readonly prepared: number;
  readonly issued: number;
  readonly auditedIssued: number;
  readonly chain: { ok: boolean; checked: number; brokenAtSeq?: number };
}

/** Reopens the store the child crashed on and compares it with everything returned so far. */
async function checkStore(
  engine: Engine,
  config: Config,
  printed: ReadonlyMap<string, Printed>,
): Promise<StoreCheck> {
  const store = await openStore(config.store.url);
  try {
    const problems: string[] = [];
    const all = [...printed.values()];
    // A few lookups at a time: Kysely's SQLite connection mutex wakes every waiter on each release, so
    // thousands of queued queries cost quadratic time.
    for (let start = 0; start < all.length; start += LOOKUPS_IN_FLIGHT) {
      const slice = all.slice(start, start + LOOKUPS_IN_FLIGHT);
      for (const problem of await Promise.all(slice.map((cert) => compareWithStore(store, cert)))) {
        if (problem !== undefined) problems.push(problem);
      }
    }

    const tallies = await engine.query<{ issuer_id: string; total: number; serials: number }>(
      config.store.url,
      'select issuer_id, cast(count(*) as integer) as total, cast(count(distinct serial) as integer) as serials ' +
        'from certificates group by issuer_id',
    );
    const repeatedSerials = tallies
      .filter((row) => Number(row.total) !== Number(row.serials))
      .map((row) => `${row.issuer_id}: ${row.total} rows, ${row.serials} serials`);

    const prepared = await preparedRows(store.certificates);
    const preparedButReturned = prepared
      .filter((row) => printed.has(`${row.issuerId}/${row.serial}`))
      .map((row) => `${row.issuerId}/${row.serial}`);

    const issued = await store.certificates.count({ issuerId: OPERATIONAL, status: 'issued' });
    const [audited] = await engine.query<{ n: number }>(
      config.store.url,
      "select cast(count(*) as integer) as n from audit_events where event = 'cert.issued' " +
        `and subject like 'cert:${OPERATIONAL}/%'`,
    );
    const chain = await store.audit.verifyChain();
    return {
      problems,
      repeatedSerials,
      preparedButReturned,
      prepared: prepared.length,
      issued,
      auditedIssued: Number(audited?.n),
      chain,
    };
  } finally {
    await store.close();
  }
}

/** What is wrong with the stored copy of a returned certificate, if anything. */
async function compareWithStore(store: Store, cert: Printed): Promise<string | undefined> {
  const key = `${cert.issuerId}/${cert.serial} (round ${cert.round})`;
  const row = await store.certificates.get(cert.issuerId, cert.serial);
  if (row === undefined) return `${key}: not in the store`;
  if (row.status !== 'issued') return `${key}: status ${row.status}`;
  if (row.der === null || !cert.der.equals(row.der)) return `${key}: different DER`;
  if (row.fingerprintSha256 !== cert.fingerprintSha256) return `${key}: fingerprint ${row.fingerprintSha256}`;
  return undefined;
}

function preparedRows(certificates: CertificateReader): Promise<readonly CertificateRecord[]> {
  // At most the child's 64 loops per round are in flight at the kill, far below the limit.
  return certificates.list({ status: 'prepared', limit: 10_000 });
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing or invalid ${what}`);
  return value;
}
