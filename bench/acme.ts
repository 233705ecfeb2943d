/**
 * bench/acme: complete ACME orders per second (RFC 8555) against the real certfleet server, next to Pebble (the
 * Let's Encrypt test server, test/helpers/pebble.ts) measured in the same run with the same clients. One order is
 * newOrder for one DNS name → the authorization → http-01 served by the bench's own responder on loopback → POST
 * the challenge → poll the authorization until valid → finalize with a fresh P-256 CSR (then poll the order, if the
 * server issues asynchronously) → download the chain. Both servers validate against the same responder: certfleet
 * with `acme.validation.loopbackForTests`, Pebble through pebble-challtestsrv, whose DNS answers 127.0.0.1.
 *
 * The clients (one account each, registered before the clock starts; keep-alive HTTPS) and the responder run in a
 * child process (bench/acme-load.ts), so the CPU of this process is the in-process certfleet server's; Pebble's
 * comes from /proc/<pid>/stat. A few warm-up orders precede each timed run.
 *
 *   npm run bench:acme -- [--requests 500] [--concurrency 16] [--poll-ms 25] [--warmup 50] [--rounds 1]
 *                         [--postgres] [--no-pebble]
 *
 * `--postgres` adds a run on PostgreSQL (the test server: PGHOST/PGPORT/PGUSER/PGDATABASE, default 127.0.0.1:5432
 * `test`, in a random schema dropped afterwards).
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startAcmeTestServer } from '../test/helpers/acme-test-server.js';
import { startPebble } from '../test/helpers/pebble.js';
import { dropSchema, postgresTestUrl, randomSchemaName } from '../test/helpers/postgres.js';
import type { ChildMessage, ParentMessage, RunResult } from './acme-load.js';
import { LoadProcess } from './bench-kit.js';
import { childPids, commandCpuSeconds, machineCpuSeconds, processCpuSeconds } from './proc-cpu.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '16' },
    'poll-ms': { type: 'string', default: '25' },
    warmup: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    postgres: { type: 'boolean', default: false },
    'no-pebble': { type: 'boolean', default: false },
  },
});
const orders = Number(values.requests);
const concurrency = Number(values.concurrency);
const pollIntervalMs = Number(values['poll-ms']);
const warmupOrders = Number(values.warmup);
const rounds = Number(values.rounds);
for (const [flag, value] of Object.entries({ orders, concurrency, pollIntervalMs, warmupOrders, rounds })) {
  if (!Number.isInteger(value) || value < (flag === 'warmupOrders' ? 0 : 1))
    throw new Error(`${flag} must be a positive integer, not ${value}`);
}

type TargetKind = 'sqlite' | 'postgres' | 'pebble';

const TITLES: Record<TargetKind, string> = {
  sqlite: 'certfleet (SQLite)',
  postgres: 'certfleet (PostgreSQL)',
  pebble: 'Pebble',
};

/** A running ACME server and how to read the CPU it (and what serves it) has used so far. */
interface Target {
  readonly directoryUrl: string;
  readonly caPem: string;
  /** CPU seconds of the server process itself. */
  serverCpuSeconds(): number;
  /** Processes the server leans on, beside it: PostgreSQL, pebble-challtestsrv. Name → CPU seconds so far. */
  helperCpuSeconds(): Record<string, number>;
  /** Share of the time the server's event loop was busy since the last call, where there is one. */
  eventLoopBusy?(): number;
  stop(): Promise<void>;
}

interface Measured {
  readonly kind: TargetKind;
  readonly round: number;
  readonly result: RunResult;
  readonly serverCpuSeconds: number;
  readonly helperCpuSeconds: Record<string, number>;
  /** CPU seconds of every other process on the machine during the run (not server, helpers or clients). */
  readonly otherCpuSeconds: number;
  readonly eventLoopBusy: number | undefined;
}

// Every limit far above any bench run: it measures throughput, not the limits. The RA's per-requester limit (under
// `est`) applies to ACME finalize too, keyed by the account.
const UNLIMITED = { perMinute: 1e9, burst: 1_000_000_000 };

async function startTarget(kind: TargetKind, httpPort: number): Promise<Target> {
  if (kind === 'pebble') return startPebbleTarget(httpPort);
  const schema = kind === 'postgres' ? randomSchemaName('cf_bench') : undefined;
  const server = await startAcmeTestServer(
    {
      ...(schema === undefined ? {} : { storeUrl: postgresTestUrl(schema) }),
      est: { rateLimit: UNLIMITED },
      acme: { rateLimits: { ordersPerAccount: UNLIMITED, certificatesPerIdentifier: UNLIMITED } },
    },
    { httpPort },
  ).catch(async (error: unknown) => {
    if (schema !== undefined) await dropSchema(schema);
    throw error;
  });
  let loop = performance.eventLoopUtilization();
  return {
    directoryUrl: server.directoryUrl,
    caPem: server.rootPem,
    serverCpuSeconds: () => {
      const cpu = process.cpuUsage();
      return (cpu.user + cpu.system) / 1e6;
    },
    helperCpuSeconds: () =>
      schema === undefined
        ? {}
        : { 'PostgreSQL (every postgres process on the machine)': commandCpuSeconds('postgres') },
    eventLoopBusy: () => {
      const since = performance.eventLoopUtilization(loop);
      loop = performance.eventLoopUtilization();
      return since.utilization;
    },
    stop: async () => {
      await server.close();
      if (schema !== undefined) await dropSchema(schema);
    },
  };
}

async function startPebbleTarget(httpPort: number): Promise<Target> {
  const pebble = await startPebble({ httpPort });
  const [pebblePid] = childPids(process.pid, 'pebble');
  // The kernel keeps 15 characters of a command's name.
  const [challengePid] = childPids(process.pid, 'pebble-challtestsrv'.slice(0, 15));
  if (pebblePid === undefined || challengePid === undefined) {
    await pebble.stop();
    throw new Error('cannot find the pebble and pebble-challtestsrv processes under /proc');
  }
  return {
    directoryUrl: pebble.directoryUrl,
    caPem: pebble.caPem,
    serverCpuSeconds: () => processCpuSeconds(pebblePid),
    helperCpuSeconds: () => ({ 'pebble-challtestsrv (its DNS)': processCpuSeconds(challengePid) }),
    stop: () => pebble.stop(),
  };
}

const load = LoadProcess.start<ParentMessage, ChildMessage>(new URL('./acme-load.ts', import.meta.url));

async function measure(kind: TargetKind, round: number, httpPort: number): Promise<Measured> {
  const target = await startTarget(kind, httpPort);
  try {
    await load.ask({
      type: 'run',
      phase: 'register',
      directoryUrl: target.directoryUrl,
      caPem: target.caPem,
      clients: concurrency,
      pollIntervalMs,
    });
    if (warmupOrders > 0) {
      await load.ask({ type: 'prepare', orders: warmupOrders, tag: `${kind}-w${round}` });
      const warm = await load.ask({ type: 'run', phase: 'orders' });
      if (warm.type === 'result' && warm.result.failures > 0)
        console.log(`  (warm-up failures: ${failureText(warm.result)})`);
    }
    await load.ask({ type: 'prepare', orders, tag: `${kind}-r${round}` });
    const server0 = target.serverCpuSeconds();
    const helpers0 = target.helperCpuSeconds();
    const machine0 = machineCpuSeconds();
    target.eventLoopBusy?.();
    const reply = await load.ask({ type: 'run', phase: 'orders' });
    const eventLoopBusy = target.eventLoopBusy?.();
    const machine1 = machineCpuSeconds();
    const helpers1 = target.helperCpuSeconds();
    const serverCpuSeconds = target.serverCpuSeconds() - server0;
    if (reply.type !== 'result') throw new Error(`the load process answered ${reply.type}`);
    const helperCpuSeconds = Object.fromEntries(
      Object.entries(helpers1).map(([name, seconds]) => [name, seconds - (helpers0[name] ?? 0)]),
    );
    const helperTotal = Object.values(helperCpuSeconds).reduce((sum, seconds) => sum + seconds, 0);
    const otherCpuSeconds = Math.max(
      0,
      machine1.busy - machine0.busy - serverCpuSeconds - helperTotal - reply.result.clientCpuSeconds,
    );
    return {
      kind,
      round,
      result: reply.result,
      serverCpuSeconds,
      helperCpuSeconds,
      otherCpuSeconds,
      eventLoopBusy,
    };
  } finally {
    await target.stop();
  }
}

function perOrderMs(seconds: number, result: RunResult): number {
  return (seconds * 1000) / Math.max(1, result.orders);
}

function report(run: Measured): void {
  const { result } = run;
  const rate = result.orders / result.elapsedSeconds;
  const { p50, p90, p99, max } = result.latencyMs;
  const share = (seconds: number) => `${((seconds / result.elapsedSeconds) * 100).toFixed(0)} %`;
  console.log(`\n${TITLES[run.kind]}${rounds > 1 ? `, round ${run.round + 1}` : ''}`);
  console.log(
    `  ${result.orders} orders in ${result.elapsedSeconds.toFixed(2)} s = ${rate.toFixed(1)} orders/s` +
      `  (${(result.httpRequests / Math.max(1, result.orders + result.failures)).toFixed(1)} HTTP requests per order)`,
  );
  console.log(
    `  latency per order ms: p50 ${p50.toFixed(1)}  p90 ${p90.toFixed(1)}  p99 ${p99.toFixed(1)}  max ${max.toFixed(1)}`,
  );
  const loop =
    run.eventLoopBusy === undefined ? '' : `, event loop busy ${(run.eventLoopBusy * 100).toFixed(0)} %`;
  console.log(
    `  server CPU ${perOrderMs(run.serverCpuSeconds, result).toFixed(2)} ms/order (${share(run.serverCpuSeconds)} of one core${loop})`,
  );
  for (const [name, seconds] of Object.entries(run.helperCpuSeconds))
    console.log(
      `  ${name} CPU ${perOrderMs(seconds, result).toFixed(2)} ms/order (${share(seconds)} of one core)`,
    );
  console.log(
    `  clients and responder CPU ${perOrderMs(result.clientCpuSeconds, result).toFixed(2)} ms/order;` +
      ` other processes on the machine ${share(run.otherCpuSeconds)} of one core`,
  );
  if (result.failures > 0) console.log(`  FAILURES ${result.failures}: ${failureText(result)}`);
}

function failureText(result: RunResult): string {
  return Object.entries(result.failureCounts)
    .map(([message, count]) => `${count} × ${message}`)
    .join(' | ');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Figures {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMs: number;
}

/** The median of each figure over the rounds of one target. */
function figuresOf(runs: readonly Measured[]): Figures {
  return {
    rate: median(runs.map((run) => run.result.orders / run.result.elapsedSeconds)),
    p50: median(runs.map((run) => run.result.latencyMs.p50)),
    p99: median(runs.map((run) => run.result.latencyMs.p99)),
    cpuMs: median(runs.map((run) => perOrderMs(run.serverCpuSeconds, run.result))),
  };
}

function summarize(measured: readonly Measured[], kinds: readonly TargetKind[]): void {
  const figures = new Map(
    kinds.map((kind) => [kind, figuresOf(measured.filter((run) => run.kind === kind))]),
  );
  console.log(
    `\nsummary (${rounds > 1 ? `median of ${rounds} rounds, ` : ''}${orders} orders, ${concurrency} clients)`,
  );
  console.log('  server                   orders/s    p50 ms    p99 ms   server CPU ms/order');
  for (const [kind, figure] of figures) {
    console.log(
      `  ${TITLES[kind].padEnd(22)} ${figure.rate.toFixed(1).padStart(10)} ${figure.p50.toFixed(1).padStart(9)}` +
        ` ${figure.p99.toFixed(1).padStart(9)} ${figure.cpuMs.toFixed(2).padStart(12)}`,
    );
  }
  const pebble = figures.get('pebble');
  if (!pebble) return;
  for (const kind of kinds) {
    const certfleet = figures.get(kind);
    if (kind === 'pebble' || !certfleet) continue;
    console.log(
      `  ratio ${TITLES[kind]} / Pebble: orders/s ${(certfleet.rate / pebble.rate).toFixed(2)},` +
        ` p50 ${(certfleet.p50 / pebble.p50).toFixed(2)}, p99 ${(certfleet.p99 / pebble.p99).toFixed(2)},` +
        ` server CPU per order ${(certfleet.cpuMs / pebble.cpuMs).toFixed(2)}`,
    );
  }
}

try {
  const listening = await load.ask({ type: 'run', phase: 'listen' });
  if (listening.type !== 'listening') throw new Error(`the load process answered ${listening.type}`);
  const kinds: TargetKind[] = [
    'sqlite',
    ...(values.postgres ? (['postgres'] as const) : []),
    ...(values['no-pebble'] ? [] : (['pebble'] as const)),
  ];
  console.log(
    `bench/acme — node ${process.version}, ${availableParallelism()} cores, ${debianVersion('pebble')}; ` +
      `${orders} orders per run after ${warmupOrders} warm-up, ${concurrency} clients (one account each, ` +
      `keep-alive HTTPS), polling every ${pollIntervalMs} ms; http-01 answered by the bench on 127.0.0.1:${listening.httpPort}`,
  );
  const measured: Measured[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) {
      const run = await measure(kind, round, listening.httpPort);
      report(run);
      measured.push(run);
    }
  }
  summarize(measured, kinds);
  if (measured.some((run) => run.result.failures > 0)) process.exitCode = 1;
} finally {
  load.close();
}

function debianVersion(pkg: string): string {
  try {
    return `${pkg} ${execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg]).toString().trim()}`;
  } catch {
    return `${pkg} (version unknown)`;
  }
}
