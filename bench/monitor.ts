/**
 * bench/monitor: TLS probes per second by certfleet's monitor against a few hundred loopback TLS endpoints that
 * the bench starts, next to Prometheus's blackbox_exporter (Debian's prometheus-blackbox-exporter) probing the
 * same endpoints in the same run, so the figures read as ratios.
 *
 * The endpoints (bench/monitor-endpoints.ts, in child processes) each serve their own P-256 leaf and chain from
 * a test PKI (bench/monitor-pki.ts): most valid, some expired, some for another name, some under an
 * intermediate that expires first. certfleet probes them with the monitor's own EndpointProber (openMonitor,
 * as `certfleet serve` wires it: TLS handshake, path validation against the store's root, the name check, the
 * link to the certificate record), in two ways:
 * - probe: EndpointProber.probe over all endpoints through the monitor's PromisePool;
 * - probe+record: MonitorSchedule.runRound, which also lists and claims the due endpoints and records every
 *   observation in a SQLite store (a temporary file, synchronous=FULL as in production).
 * blackbox_exporter (bench/monitor-blackbox.ts) probes them over HTTP `/probe` with the same number in flight,
 * once without verification (every probe succeeds and reports the expiry) and once verifying against the
 * bench's root (expired and wrong-name endpoints fail, as they should). A bare node:tls handshake to each
 * endpoint shows Node's and OpenSSL's share of certfleet's probe. Every answer of the tools is checked
 * against the endpoint's case; any wrong answer fails the bench. Finally, the leaf notAfter certfleet recorded
 * is compared with blackbox_exporter's probe_ssl_earliest_cert_expiry for every endpoint.
 *
 * Everything shares the machine's cores: the prober (one event loop), the endpoint servers, the exporter (Go,
 * all cores unless --blackbox-gomaxprocs). The bench prints how much CPU other processes took meanwhile.
 *
 *   npm run bench:monitor -- [--endpoints 300] [--concurrency 16,64] [--rounds 5] [--server-processes 2]
 *                            [--blackbox-gomaxprocs n] [--blackbox /usr/bin/prometheus-blackbox-exporter]
 *                            [--profile]   # then a CPU profile of certfleet's rounds, top functions per probe
 *                            [--quick]     # 60 endpoints, concurrency 16, 2 rounds
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ManualClock, systemClock } from '../src/core/clock.js';
import type { DeviceId } from '../src/core/ids.js';
import type { EndpointProber, Prober } from '../src/monitor/endpoint-prober.js';
import { MonitorSchedule } from '../src/monitor/monitor-schedule.js';
import { type MonitorSettings, openMonitor } from '../src/monitor/open-monitor.js';
import { PromisePool } from '../src/monitor/promise-pool.js';
import type { MonitoredEndpoint } from '../src/store/endpoint-registry.js';
import type { NewObservation } from '../src/store/observation-log.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { LoadProcess } from './bench-kit.js';
import { BLACKBOX_BINARY, BlackboxExporter } from './monitor-blackbox.js';
import type { ChildMessage, ParentMessage } from './monitor-endpoints.js';
import { CpuProfile, summariseProfile } from './monitor-profile.js';
import { type BenchEndpoint, makeBenchPki, recordBenchPki } from './monitor-pki.js';
import { describeTally, formatTable, machineBusySeconds, Tally, TOOLS, type Tool } from './monitor-tally.js';

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    'server-processes': { type: 'string', default: '2' },
    'blackbox-gomaxprocs': { type: 'string' },
    blackbox: { type: 'string', default: BLACKBOX_BINARY },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const endpointCount = Number(values.endpoints ?? (quick ? 60 : 300));
const concurrencies = (values.concurrency ?? (quick ? '16' : '16,64')).split(',').map(Number);
const rounds = Number(values.rounds ?? (quick ? 2 : 5));
const serverProcesses = Number(values['server-processes']);
const goMaxProcs =
  values['blackbox-gomaxprocs'] === undefined ? undefined : Number(values['blackbox-gomaxprocs']);
const positiveInteger = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n > 0);
if (![endpointCount, rounds, serverProcesses, goMaxProcs, ...concurrencies].every(positiveInteger)) {
  throw new Error(
    '--endpoints, --concurrency, --rounds, --server-processes and --blackbox-gomaxprocs are positive integers',
  );
}

/** The schedule's interval; the bench's clock moves on by one before each recorded round, so all are due. */
const INTERVAL_SECONDS = 60;
const PROBE_TIMEOUT_SECONDS = 5;

const settings: MonitorSettings = {
  enabled: true,
  intervalSeconds: INTERVAL_SECONDS,
  concurrency: 16,
  connectTimeoutMs: PROBE_TIMEOUT_SECONDS * 1000,
  probeTimeoutMs: PROBE_TIMEOUT_SECONDS * 1000,
  maxHandshakeBytes: 256 * 1024,
  sampleShare: 1,
  extraTrustAnchorFiles: [],
  keepObservationsDays: 90,
  clientCredentials: {},
};

interface Endpoint {
  readonly bench: BenchEndpoint;
  readonly port: number;
  readonly monitored: MonitoredEndpoint;
}

/** What each tool said about each endpoint's expiry, for the agreement check (ms since the epoch). */
const certfleetNotAfter = new Map<string, number>();
const blackboxEarliest = new Map<string, number>();

/** Says what is wrong with a certfleet observation of `endpoint`, or nothing. */
function checkObservation(endpoint: BenchEndpoint, observation: NewObservation): string | undefined {
  const { name } = endpoint;
  if (observation.outcome !== 'ok') return `${name}: ${observation.outcome} (${observation.errorMessage})`;
  const notAfter = observation.leaf?.notAfter.getTime();
  if (notAfter === undefined) return `${name}: no leaf`;
  if (notAfter !== endpoint.leafNotAfter.getTime())
    return `${name}: leaf notAfter ${new Date(notAfter).toISOString()}`;
  const chainNotAfter = observation.chainNotAfter?.getTime();
  if (chainNotAfter === undefined) return `${name}: no chain notAfter`;
  certfleetNotAfter.set(name, chainNotAfter);
  if (chainNotAfter !== endpoint.earliestNotAfter.getTime())
    return `${name}: chain notAfter ${new Date(chainNotAfter).toISOString()}`;
  if (observation.chainValid !== (endpoint.case !== 'expired')) {
    return `${name} (${endpoint.case}): chainValid ${observation.chainValid} (${observation.chainError})`;
  }
  if (observation.hostnameMatches !== (endpoint.case !== 'wrong-host')) {
    return `${name} (${endpoint.case}): hostnameMatches ${observation.hostnameMatches}`;
  }
  if (observation.linked?.serial !== endpoint.leaf.cert.serial) return `${name}: not linked to its record`;
  return undefined;
}

/** The prober the schedule runs, timed probe by probe, each observation checked. */
class CheckedProber implements Prober {
  tally: Tally | undefined;

  constructor(
    private readonly inner: EndpointProber,
    private readonly byName: ReadonlyMap<string, Endpoint>,
  ) {}

  async probe(endpoint: MonitoredEndpoint): Promise<NewObservation> {
    const started = performance.now();
    const observation = await this.inner.probe(endpoint);
    const tally = this.tally;
    if (tally !== undefined) {
      tally.durationsMs.push(performance.now() - started);
      tally.probes += 1;
      const bench = this.byName.get(endpoint.name)?.bench;
      const problem =
        bench === undefined ? `unknown endpoint ${endpoint.name}` : checkObservation(bench, observation);
      if (problem !== undefined) tally.reject(problem);
    }
    return observation;
  }
}

/** The endpoint servers' children. */
class EndpointServers {
  constructor(private readonly children: ReadonlyArray<LoadProcess<ParentMessage, ChildMessage>>) {}

  /** Starts `processes` children and the endpoints' servers in them; returns each endpoint's port. */
  static async start(endpoints: readonly BenchEndpoint[], processes: number) {
    const script = new URL('./monitor-endpoints.ts', import.meta.url);
    const children = Array.from({ length: Math.min(processes, endpoints.length) }, () =>
      LoadProcess.start<ParentMessage, ChildMessage>(script),
    );
    const servers = new EndpointServers(children);
    const ports = new Array<number>(endpoints.length);
    try {
      await Promise.all(
        children.map(async (child, c) => {
          const mine = endpoints.flatMap((e, i) => (i % children.length === c ? [i] : []));
          await child.ask({
            type: 'prepare',
            endpoints: mine.map((i) => ({ chainPem: endpoints[i]!.chainPem, keyPem: endpoints[i]!.keyPem })),
          });
          const reply = await child.ask({ type: 'run', action: 'listen' });
          if (reply.type !== 'listening') throw new Error(`unexpected reply ${reply.type}`);
          mine.forEach((i, k) => (ports[i] = reply.ports[k]!));
        }),
      );
    } catch (error) {
      servers.close();
      throw error;
    }
    return { servers, ports };
  }

  async usage(): Promise<{ cpuSeconds: number; connections: number }> {
    const replies = await Promise.all(
      this.children.map((child) => child.ask({ type: 'run', action: 'cpu' })),
    );
    let cpuSeconds = 0;
    let connections = 0;
    for (const reply of replies) {
      if (reply.type !== 'cpu') throw new Error(`unexpected reply ${reply.type}`);
      cpuSeconds += reply.cpuSeconds;
      connections += reply.connections;
    }
    return { cpuSeconds, connections };
  }

  close(): void {
    for (const child of this.children) child.close();
  }
}

/** Runs one round of `body` and adds its time and CPU to `tally`. */
async function measureRound(
  tally: Tally,
  servers: EndpointServers,
  proberCpu: () => number,
  body: () => Promise<void>,
): Promise<void> {
  const servers0 = await servers.usage();
  const prober0 = proberCpu();
  const own0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const started = performance.now();
  await body();
  const elapsedSeconds = (performance.now() - started) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  const own = process.cpuUsage(own0);
  const prober = proberCpu() - prober0;
  const servers1 = await servers.usage();
  tally.rounds += 1;
  tally.elapsedSeconds += elapsedSeconds;
  tally.proberCpuSeconds += prober;
  if (tally.tool.startsWith('blackbox')) tally.driverCpuSeconds += (own.user + own.system) / 1e6;
  tally.eventLoopBusySeconds += elu.active / 1000;
  tally.serverCpuSeconds += servers1.cpuSeconds - servers0.cpuSeconds;
  tally.serverConnections += servers1.connections - servers0.connections;
}

const ownCpuSeconds = () => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1e6;
};

async function main(): Promise<void> {
  if (!existsSync(values.blackbox)) {
    execFileSync('sh', [fileURLToPath(new URL('./ensure-bench-deps.sh', import.meta.url))], {
      stdio: 'inherit',
    });
  }
  const blackboxVersion = execFileSync(values.blackbox, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .split('\n')[0];
  console.log(
    `bench/monitor — ${process.version}, ${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at start`,
  );
  console.log(`reference: ${blackboxVersion}${goMaxProcs === undefined ? '' : `, GOMAXPROCS=${goMaxProcs}`}`);
  console.log(
    `${endpointCount} endpoints in ${serverProcesses} server process(es), concurrency ${concurrencies.join(', ')}, ${rounds} measured round(s) per tool after one warm-up round`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'certfleet-bench-monitor-'));
  let store: Store | undefined;
  let servers: EndpointServers | undefined;
  let blackbox: BlackboxExporter | undefined;
  const killExporter = () => blackbox?.kill();
  process.on('exit', killExporter);
  let clean = true;
  try {
    const clock = new ManualClock(systemClock.now());
    const pkiStarted = performance.now();
    const pki = makeBenchPki(endpointCount, clock.now());
    const caFile = join(dir, 'root.pem');
    await writeFile(caFile, pki.rootPem);
    store = await openStore(`sqlite:${join(dir, 'monitor.db')}`);
    await recordBenchPki(store, pki, clock.now());
    const started = await EndpointServers.start(pki.endpoints, serverProcesses);
    servers = started.servers;
    const outcomes = await store.endpoints.importMany(
      pki.endpoints.map((e, i) => ({
        name: e.name,
        host: '127.0.0.1',
        port: started.ports[i]!,
        sni: e.sni,
        protocol: 'tls' as const,
        kind: 'service' as const,
        deviceId: `bench-${e.name}` as DeviceId,
      })),
      clock.now(),
    );
    const endpoints: Endpoint[] = outcomes.map((outcome, i) => {
      if (!outcome.ok) throw new Error(`endpoint not added: ${outcome.reason}`);
      return { bench: pki.endpoints[i]!, port: started.ports[i]!, monitored: outcome.endpoint };
    });
    const byName = new Map(endpoints.map((e) => [e.bench.name, e] as const));
    const cases = new Map<string, number>();
    for (const e of pki.endpoints) cases.set(e.case, (cases.get(e.case) ?? 0) + 1);
    console.log(
      `test PKI, store and servers ready in ${((performance.now() - pkiStarted) / 1000).toFixed(1)} s: ${[
        ...cases,
      ]
        .map(([c, n]) => `${n} ${c}`)
        .join(', ')}`,
    );

    const scheduleLog = {
      error: (fields: Record<string, unknown>, message: string) => {
        console.log(`  MONITOR ERROR ${message}: ${String(fields['err'])}`);
        clean = false;
      },
    };
    const monitor = await openMonitor({
      store,
      settings,
      clock,
      log: scheduleLog,
      resolveSecret: () => Promise.reject(new Error('the bench configures no secrets')),
    });
    const checked = new CheckedProber(monitor.prober, byName);
    blackbox = await BlackboxExporter.start({
      binary: values.blackbox,
      dir,
      targets: pki.endpoints,
      caFile,
      timeoutSeconds: PROBE_TIMEOUT_SECONDS,
      concurrency: Math.max(...concurrencies),
      ...(goMaxProcs === undefined ? {} : { goMaxProcs }),
    });
    const exporter = blackbox;
    const endpointServers = servers;
    const liveStore = store;

    const tallies: Tally[] = [];
    const busy0 = machineBusySeconds();
    const accounted0 = ownCpuSeconds() + exporter.cpuSeconds() + (await endpointServers.usage()).cpuSeconds;
    const measureStarted = performance.now();
    /** One round of each tool at `concurrency`, adding to the tally it is given. */
    const roundRunners = (concurrency: number): Record<Tool, (tally: Tally) => Promise<void>> => {
      const schedule = new MonitorSchedule(
        {
          endpoints: liveStore.endpoints,
          observations: liveStore.observations,
          prober: checked,
          clock,
          log: scheduleLog,
        },
        { intervalSeconds: INTERVAL_SECONDS, concurrency, sampleShare: 1, keepObservationsDays: 90 },
      );
      return {
        'node:tls handshake': (tally) =>
          measureRound(tally, endpointServers, ownCpuSeconds, () =>
            bareHandshakes(endpoints, concurrency, tally),
          ),
        'certfleet probe': (tally) =>
          measureRound(tally, endpointServers, ownCpuSeconds, async () => {
            checked.tally = tally;
            const pool = new PromisePool(concurrency);
            for (const endpoint of endpoints) {
              await pool.submit(() =>
                checked.probe(endpoint.monitored).then(
                  () => undefined,
                  (error: unknown) => tally.reject(`${endpoint.bench.name}: ${String(error)}`),
                ),
              );
            }
            await pool.drain();
            checked.tally = undefined;
          }),
        'certfleet probe+record': (tally) =>
          measureRound(tally, endpointServers, ownCpuSeconds, async () => {
            checked.tally = tally;
            clock.advanceSeconds(INTERVAL_SECONDS);
            const summary = await schedule.runRound();
            checked.tally = undefined;
            if (
              summary.probed !== endpoints.length ||
              summary.failed !== 0 ||
              summary.claimedElsewhere !== 0
            ) {
              tally.reject(`round: ${JSON.stringify(summary)}`);
            }
          }),
        'blackbox skip-verify': (tally) =>
          measureRound(
            tally,
            endpointServers,
            () => exporter.cpuSeconds(),
            () => driveBlackbox(exporter, endpoints, concurrency, false, tally),
          ),
        'blackbox verify': (tally) =>
          measureRound(
            tally,
            endpointServers,
            () => exporter.cpuSeconds(),
            () => driveBlackbox(exporter, endpoints, concurrency, true, tally),
          ),
      };
    };
    for (const concurrency of concurrencies) {
      const runRound = roundRunners(concurrency);
      const mine = TOOLS.map((tool) => new Tally(tool, concurrency));
      // Warm-up: JIT, the store's pages, the exporter's config; its figures are dropped.
      for (const tool of TOOLS) await runRound[tool](new Tally(tool, concurrency));
      for (let round = 0; round < rounds; round++) {
        // The order rotates each round, so no tool always runs right after the same other one.
        for (let k = 0; k < TOOLS.length; k++) {
          const tally = mine[(round + k) % TOOLS.length]!;
          await runRound[tally.tool](tally);
        }
      }
      tallies.push(...mine);
    }
    const measureSeconds = (performance.now() - measureStarted) / 1000;
    const accounted =
      ownCpuSeconds() + exporter.cpuSeconds() + (await endpointServers.usage()).cpuSeconds - accounted0;
    const others = machineBusySeconds() - busy0 - accounted;

    console.log('');
    for (const line of formatTable(tallies)) console.log(line);
    console.log('');
    for (const t of tallies) {
      console.log(`${t.tool}, concurrency ${t.concurrency}: ${describeTally(t)}`);
      for (const problem of t.wrong.slice(0, 10)) console.log(`  WRONG: ${problem}`);
      if (t.wrong.length > 10) console.log(`  … and ${t.wrong.length - 10} more`);
      if (t.wrong.length > 0) clean = false;
    }
    console.log(
      `other processes on the machine: ${Math.max(0, others).toFixed(1)} CPU-seconds over the ${measureSeconds.toFixed(0)} s measured (${((Math.max(0, others) / measureSeconds) * 100).toFixed(0)}% of a core on average); load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end`,
    );
    clean = reportAgreement(pki.endpoints) && clean;
    if (values.profile === true) {
      const concurrency = concurrencies[0]!;
      const runRound = roundRunners(concurrency);
      for (const tool of ['certfleet probe', 'certfleet probe+record'] as const) {
        const tally = new Tally(tool, concurrency);
        const profile = await CpuProfile.start();
        for (let round = 0; round < rounds; round++) await runRound[tool](tally);
        console.log(`CPU profile of ${tool}, concurrency ${concurrency}, ${tally.probes} probes:`);
        for (const line of summariseProfile(await profile.stop(), tally.probes)) console.log(line);
        if (tally.wrong.length > 0) clean = false;
      }
    }
  } finally {
    servers?.close();
    await blackbox?.close();
    process.off('exit', killExporter);
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (!clean) {
    console.log('FAILED: some probes answered wrongly; the figures above are not valid');
    process.exitCode = 1;
  }
}

/**
 * The reference for Node's own share: a bare node:tls handshake to every endpoint with the same SNI, nothing
 * judged or kept, then the socket destroyed; `concurrency` in flight.
 */
async function bareHandshakes(
  endpoints: readonly Endpoint[],
  concurrency: number,
  tally: Tally,
): Promise<void> {
  let next = 0;
  const handshake = (endpoint: Endpoint) =>
    new Promise<void>((resolve, reject) => {
      const socket = connectTls({
        host: '127.0.0.1',
        port: endpoint.port,
        servername: endpoint.bench.sni,
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < endpoints.length; i = next++) {
        const endpoint = endpoints[i]!;
        const started = performance.now();
        try {
          await handshake(endpoint);
          tally.probes += 1;
          tally.durationsMs.push(performance.now() - started);
        } catch (error) {
          tally.reject(`${endpoint.bench.name}: ${String(error)}`);
        }
      }
    }),
  );
}

/** Probes every endpoint once through the exporter, `concurrency` requests in flight, checking each answer. */
async function driveBlackbox(
  exporter: BlackboxExporter,
  endpoints: readonly Endpoint[],
  concurrency: number,
  verify: boolean,
  tally: Tally,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < endpoints.length; i = next++) {
        const { bench, port } = endpoints[i]!;
        try {
          const answer = await exporter.probe(
            `127.0.0.1:${port}`,
            verify ? `${bench.name}-verify` : bench.name,
          );
          tally.probes += 1;
          tally.durationsMs.push(answer.durationSeconds * 1000);
          tally.roundTripsMs.push(answer.roundTripMs);
          const expectSuccess = !verify || bench.case === 'valid' || bench.case === 'short-intermediate';
          if (answer.success !== expectSuccess) {
            tally.reject(`${bench.name} (${bench.case}): probe_success ${answer.success ? 1 : 0}`);
          } else if (answer.success) {
            const earliestMs = (answer.earliestExpirySeconds ?? NaN) * 1000;
            if (!verify) blackboxEarliest.set(bench.name, earliestMs);
            if (earliestMs !== bench.earliestNotAfter.getTime()) {
              tally.reject(`${bench.name}: probe_ssl_earliest_cert_expiry ${answer.earliestExpirySeconds}`);
            }
          }
        } catch (error) {
          tally.reject(`${bench.name}: ${String(error)}`);
        }
      }
    }),
  );
}

/**
 * For every endpoint: certfleet's chain notAfter (the earliest in the presented chain) against
 * blackbox_exporter's probe_ssl_earliest_cert_expiry; they must be equal, including where an intermediate expires
 * before the leaf. Returns false on any difference.
 */
function reportAgreement(endpoints: readonly BenchEndpoint[]): boolean {
  let same = 0;
  const other: string[] = [];
  for (const e of endpoints) {
    const ours = certfleetNotAfter.get(e.name);
    const theirs = blackboxEarliest.get(e.name);
    if (ours === undefined || theirs === undefined) other.push(`${e.name}: not seen by both`);
    else if (ours === theirs) same += 1;
    else
      other.push(
        `${e.name}: certfleet ${new Date(ours).toISOString()}, blackbox ${new Date(theirs).toISOString()}`,
      );
  }
  console.log(
    `agreement, certfleet chain notAfter vs blackbox_exporter probe_ssl_earliest_cert_expiry: ${same} of ${endpoints.length} equal; ` +
      `${other.length} differ`,
  );
  for (const line of other.slice(0, 10)) console.log(`  DISAGREE: ${line}`);
  return other.length === 0;
}

await main();
