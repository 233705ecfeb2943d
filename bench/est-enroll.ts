/**
 * bench/est-enroll: EST simpleenroll (IDevID → LDevID) per second, each over a NEW mTLS connection, next to the
 * TLS 1.3 mTLS handshake rate measured in the same run: `openssl s_server` driven by `openssl s_time -new` (the
 * target's reference), and a minimal node:https server answering 200 over fresh mTLS connections (isolates Node's
 * TLS + HTTP from certfleet). Every run uses the certfleet server's own PKI: its P-256 TLS certificate and chain on
 * the server side, P-256 IDevIDs on the client side, so all three do the same handshake.
 *
 * The clients run in a child process (bench/est-load.ts), so this process's CPU is the server's alone; they still
 * share the machine's cores with the server, as s_time shares them with s_server.
 *
 *   npm run bench:est -- [--seconds 10] [--concurrency 32] [--engine sqlite|postgres] [--reference-seconds 5]
 *                        [--identities 64] [--warmup 2] [--profile file.cpuprofile]
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { connect, createServer as createNetServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { parseArgs, promisify } from 'node:util';
import { resolveSecretReference } from '../src/keys/secret-reference.js';
import { decodePemBlocks, encodePem } from '../src/pki/pem.js';
import { type ClientCredential, type EstTestServer, startEstServer } from '../test/helpers/est-server.js';
import { dropSchema, postgresTestUrl, randomSchemaName } from '../test/helpers/postgres.js';
import type { ChildMessage, LoadIdentity, ParentMessage, RunResult } from './est-load.js';
import { LoadProcess } from './bench-kit.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    engine: { type: 'string', default: 'sqlite' },
    'reference-seconds': { type: 'string', default: '5' },
    identities: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    profile: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const referenceSeconds = Number(values['reference-seconds']);
const identityCount = Number(values.identities);
const warmupSeconds = Number(values.warmup);
if (values.engine !== 'sqlite' && values.engine !== 'postgres')
  throw new Error('--engine is sqlite or postgres');

const run = promisify(execFile);
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime (+ cutime + cstime: children reaped) of a process, in seconds, from /proc. */
function procCpuSeconds(pid: number | 'self', children = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  return (children ? cutime + cstime : utime + stime) / CLOCK_TICKS;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls until something accepts TCP connections on `port` (s_server -quiet prints nothing when ready). */
async function waitForListener(port: number, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (exited() || performance.now() > deadline) throw new Error(`s_server did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface ReferenceFiles {
  readonly dir: string;
  readonly serverLeaf: string;
  readonly serverChain: string;
  readonly serverKey: string;
  /** Root + intermediates: s_time sends only its leaf, so s_server needs the client's intermediate here. */
  readonly clientTrust: string;
  readonly root: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly serverChainPem: string;
  readonly serverKeyPem: string;
}

/** The certfleet listener's certificate, chain and (decrypted) key, and one IDevID, as files for openssl. */
async function referenceFiles(est: EstTestServer, client: ClientCredential): Promise<ReferenceFiles> {
  const { tls } = est.server.runtime.config.server;
  const serverChainPem = await readFile(tls.certFile, 'utf8');
  const passphrase = await resolveSecretReference(tls.passphraseSource, { purpose: 'bench' });
  const serverKeyPem = createPrivateKey({ key: await readFile(tls.keyFile, 'utf8'), passphrase })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
  const [leaf, ...intermediates] = decodePemBlocks(serverChainPem).map((b) => encodePem(b.label, b.der));
  const clientIntermediates = decodePemBlocks(client.certificatePem)
    .slice(1)
    .map((b) => encodePem(b.label, b.der));
  const dir = join(est.dir, 'bench-reference');
  const files = {
    dir,
    serverLeaf: join(dir, 'server.pem'),
    serverChain: join(dir, 'server-chain.pem'),
    serverKey: join(dir, 'server.key'),
    clientTrust: join(dir, 'client-trust.pem'),
    root: join(dir, 'root.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    serverChainPem,
    serverKeyPem,
  };
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(files.serverLeaf, leaf ?? ''),
    writeFile(files.serverChain, intermediates.join('')),
    writeFile(files.serverKey, serverKeyPem, { mode: 0o600 }),
    writeFile(files.clientTrust, [est.rootPem, ...clientIntermediates].join('')),
    writeFile(files.root, est.rootPem),
    writeFile(files.clientCert, client.certificatePem),
    writeFile(files.clientKey, client.keyPem, { mode: 0o600 }),
    writeFile(join(dir, 'ok.txt'), 'ok\n'),
  ]);
  return files;
}

interface OpensslReference {
  readonly connections: number;
  readonly wallSeconds: number;
  readonly rate: number;
  readonly serverCpuSeconds: number;
  readonly clientCpuSeconds: number;
  readonly reportedRealSeconds: number;
}

/**
 * `openssl s_server` (TLS 1.3, P-256 certificate; -Verify 1 -verify_return_error: requires a client certificate and
 * refuses one whose chain does not verify) and
 * `openssl s_time -new` with a client certificate fetching a 3-byte file over each new connection (so the server
 * has verified the client and answered before the client counts it). The rate is connections over the wall time
 * we measure (s_time's own "real seconds" is a whole number).
 */
async function opensslReference(files: ReferenceFiles, durationSeconds: number): Promise<OpensslReference> {
  const port = await freePort();
  const server = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-cert',
      files.serverLeaf,
      '-cert_chain',
      files.serverChain,
      '-key',
      files.serverKey,
      '-Verify',
      '1',
      '-verify_return_error',
      // IDevIDs carry certfleet's device-birth EKU, not clientAuth: check everything but the TLS purpose.
      '-purpose',
      'any',
      '-CAfile',
      files.clientTrust,
      '-tls1_3',
      '-WWW',
      '-quiet',
    ],
    { cwd: files.dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let serverOutput = '';
  const keepTail = (chunk: Buffer) => {
    serverOutput = (serverOutput + chunk.toString()).slice(-4000);
  };
  server.stdout.on('data', keepTail);
  server.stderr.on('data', keepTail);
  try {
    await waitForListener(
      port,
      () => server.exitCode !== null,
      () => serverOutput,
    );
    const serverCpu0 = procCpuSeconds(server.pid!);
    const childCpu0 = procCpuSeconds('self', true);
    const start = performance.now();
    const { stdout } = await run('openssl', [
      's_time',
      '-connect',
      `127.0.0.1:${port}`,
      '-new',
      '-time',
      String(durationSeconds),
      '-cert',
      files.clientCert,
      '-key',
      files.clientKey,
      '-CAfile',
      files.root,
      '-www',
      '/ok.txt',
    ]);
    const wallSeconds = (performance.now() - start) / 1000;
    const serverCpuSeconds = procCpuSeconds(server.pid!) - serverCpu0;
    const clientCpuSeconds = procCpuSeconds('self', true) - childCpu0;
    const real = /(\d+) connections in (\d+) real seconds/.exec(stdout);
    const connections = Number(real?.[1]);
    if (!real || !(connections > 0))
      throw new Error(`cannot parse s_time output:\n${stdout}\n${serverOutput}`);
    return {
      connections,
      wallSeconds,
      rate: connections / wallSeconds,
      serverCpuSeconds,
      clientCpuSeconds,
      reportedRealSeconds: Number(real[2]),
    };
  } finally {
    server.kill();
  }
}

/** The client child process: one request at a time, answered in order. */
class LoadClient {
  private constructor(private readonly child: LoadProcess<ParentMessage, ChildMessage>) {}

  static start(): LoadClient {
    return new LoadClient(LoadProcess.start(new URL('./est-load.ts', import.meta.url)));
  }

  ask(message: ParentMessage): Promise<ChildMessage> {
    return this.child.ask(message);
  }

  async run(message: Extract<ParentMessage, { type: 'run' }>): Promise<RunResult> {
    const reply = await this.ask(message);
    if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
    return reply.result;
  }

  close(): void {
    this.child.close();
  }
}

interface Measured {
  readonly result: RunResult;
  readonly rate: number;
  /** This process (the server), all threads. */
  readonly serverCpuSeconds: number;
  /** Share of the window the server's event loop was busy. */
  readonly eventLoopBusy: number;
}

async function measure(
  load: LoadClient,
  message: Extract<ParentMessage, { type: 'run' }>,
): Promise<Measured> {
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const result = await load.run(message);
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  return {
    result,
    rate: result.count / result.elapsedSeconds,
    serverCpuSeconds: (cpu.user + cpu.system) / 1e6,
    eventLoopBusy: elu.utilization,
  };
}

/** A node:https server doing what s_server does: mTLS (the client's chain verified), 200 and ~1 KB per request. */
async function nodeHttpsReference(
  files: ReferenceFiles,
): Promise<{ url: string; close: () => Promise<void> }> {
  // About the size of certfleet's simpleenroll answer (base64 certs-only of one LDevID).
  const answer = Buffer.from(`${'A'.repeat(64)}\r\n`.repeat(14));
  const server = createHttpsServer(
    {
      cert: files.serverChainPem,
      key: files.serverKeyPem,
      ca: readFileSync(files.root, 'utf8'),
      requestCert: true,
      // OpenSSL still builds and verifies the client's chain; the handler judges the result, because an IDevID
      // carries certfleet's device-birth EKU rather than clientAuth, which OpenSSL's TLS purpose check refuses.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      // At run time authorizationError is OpenSSL's code as a string, whatever @types/node says.
      const error: unknown = socket.authorizationError;
      const code = typeof error === 'string' ? error : (error as Error | undefined)?.message;
      const verified = socket.authorized || code === 'INVALID_PURPOSE';
      req.resume();
      req.on('end', () => {
        if (!verified) {
          res.writeHead(403).end(`client certificate: ${code ?? 'none'}`);
          return;
        }
        res.writeHead(200, {
          'Content-Type': 'application/pkcs7-mime; smime-type=certs-only',
          'Content-Length': answer.length,
        });
        res.end(answer);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * What a sample of the server's main thread was doing: the first rule that any certfleet frame on its stack
 * matches (so a step's helpers, ASN.1 library and crypto calls count for the step), else what the runtime was doing.
 */
const COMPONENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /store\/(sqlite|postgres)-enrollment-recorder/,
    'enrollment log commit (SQLite: synchronous, fsync on the loop)',
  ],
  [/protocols\/est\/wire\/certs-only/, 'certs-only response: encode + self-check decode'],
  [/protocols\/est\/tls-client-chain/, 'getPeerCertificate(true) → chain DER'],
  [/ra\/presented-chain/, 'parse presented IDevID chain (2 × parseCertificate)'],
  [/pki\/chain/, 'IDevID chain validation (TrustStore)'],
  [/pki\/csr/, 'CSR parse + key import + proof-of-possession verify'],
  [/store\//, 'store other (IDevID and device lookups, ledger hand-off)'],
  [/(ca|keys)\//, 'CA issuance (template, sign)'],
  [/ra\//, 'RA other (binding, profile check, rate limit)'],
  [/protocols\/est\//, 'EST plugin other (routing, reply)'],
  [/server\//, 'server other'],
];

function runtimeCategory(functionName: string, url: string): string | undefined {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)' || functionName === '(program)') return '(idle)';
  if (
    /node_modules\/(fastify|@fastify|find-my-way|avvio|light-my-request|pino|fast-|thread-stream)/.test(url)
  )
    return 'fastify / pino';
  if (url.startsWith('node:') && url.includes('tls')) return 'Node TLS, JS side';
  if (url.startsWith('node:')) return 'Node net / http / streams, JS side';
  return undefined;
}

/**
 * Main-thread time per enrollment by component. V8 counts native work done in libuv's I/O callbacks with no JS on
 * the stack (OpenSSL's handshake, mostly) as idle, so that part is the event loop's busy time (from
 * eventLoopUtilization) minus what the profile attributes to JS.
 */
function summarizeProfile(profile: Profiler.Profile, enrollments: number, loopBusySeconds: number): string[] {
  const parentOf = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const category = new Map<number, string>();
  const categorize = (id: number): string => {
    const known = category.get(id);
    if (known !== undefined) return known;
    const urls: string[] = [];
    let runtime: string | undefined;
    for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) {
      const frame = byId.get(n)?.callFrame;
      if (!frame) break;
      if (frame.url.includes('/src/') && !frame.url.includes('/node_modules/')) urls.push(frame.url);
      runtime ??= runtimeCategory(frame.functionName, frame.url);
    }
    const component = COMPONENTS.find(([pattern]) => urls.some((url) => pattern.test(url)))?.[1];
    const result = component ?? runtime ?? 'other JS';
    category.set(id, result);
    return result;
  };
  const perCategory = new Map<string, number>();
  const perFunction = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    const us = deltas[i + 1] ?? 0;
    const name = categorize(id);
    if (name === '(idle)') continue;
    perCategory.set(name, (perCategory.get(name) ?? 0) + us);
    const frame = byId.get(id)?.callFrame;
    if (frame) {
      const file = frame.url.replace(/^.*\/(node_modules|src)\//, '$1/');
      const key = `${frame.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}`}`;
      perFunction.set(key, (perFunction.get(key) ?? 0) + us);
    }
  }
  const js = [...perCategory.values()].reduce((sum, us) => sum + us, 0);
  const busy = Math.max(js, loopBusySeconds * 1e6);
  perCategory.set('native, no JS on the stack (OpenSSL handshake mostly; V8 calls it idle)', busy - js);
  const line = (us: number, name: string) =>
    `  ${(us / enrollments).toFixed(0).padStart(6)} µs ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${name}`;
  const lines = [
    `event loop busy ${(busy / enrollments).toFixed(0)} µs per enrollment (the ceiling: ${((enrollments * 1e6) / busy).toFixed(0)} /s), by component:`,
  ];
  for (const [name, us] of [...perCategory].sort((a, b) => b[1] - a[1])) lines.push(line(us, name));
  lines.push('top functions by self time:');
  for (const [name, us] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, 12))
    lines.push(line(us, name));
  return lines;
}

interface GroupCommitStats {
  readonly commits: { readonly transactions: number; readonly outcomes: number };
}

function printOpenssl(label: string, ref: OpensslReference): void {
  const serverUs = (ref.serverCpuSeconds * 1e6) / ref.connections;
  console.log(
    `${label} ${perSecond(ref.rate)}  (${ref.connections} in ${ref.wallSeconds.toFixed(2)} s; s_time says ${ref.reportedRealSeconds} real s)`,
  );
  console.log(
    `           s_server CPU ${serverUs.toFixed(0)} µs/handshake (≈ ${(1e6 / serverUs).toFixed(0)} /s per core), s_time CPU ${((ref.clientCpuSeconds * 1e6) / ref.connections).toFixed(0)} µs/handshake`,
  );
}

function perSecond(rate: number): string {
  return `${rate.toFixed(0).padStart(6)} /s`;
}

function latencyLine(result: RunResult): string {
  const { p50, p90, p99, max } = result.latencyMs;
  // NaN (no successful request) crosses the IPC channel as null.
  const ms = (value: number | null) => (Number.isFinite(value) ? (value as number).toFixed(1) : '-');
  return `latency ms: p50 ${ms(p50)}  p90 ${ms(p90)}  p99 ${ms(p99)}  max ${ms(max)}`;
}

function clientLine(result: RunResult): string {
  const share = result.clientCpuSeconds / result.elapsedSeconds;
  return `client process ${(share * 100).toFixed(0)}% of a core (${((result.clientCpuSeconds * 1e6) / result.count).toFixed(0)} µs/request)${share > 0.9 ? ', so client-bound' : ''}`;
}

function checkClean(what: string, result: RunResult): void {
  if (result.resumed > 0)
    console.log(`  WARNING ${what}: ${result.resumed} connections resumed a TLS session`);
  const other = Object.keys(result.protocols).filter((p) => p !== 'TLSv1.3');
  if (other.length > 0) console.log(`  WARNING ${what}: protocols ${JSON.stringify(result.protocols)}`);
  if (result.failures > 0) {
    console.log(`  FAILURES ${what}: ${result.failures}`);
    for (const line of result.failureSamples) console.log(`    ${line}`);
  }
  for (const line of result.verifyFailures.slice(0, 10)) console.log(`  BAD RESPONSE ${what}: ${line}`);
}

async function main(): Promise<void> {
  const opensslVersion = execFileSync('openssl', ['version']).toString().split(' ').slice(0, 2).join(' ');
  console.log(
    `bench/est-enroll — node ${process.version} (its OpenSSL ${process.versions.openssl}), ${opensslVersion} CLI, ${availableParallelism()} cores, ${values.engine}, concurrency ${concurrency}, ${seconds}s`,
  );
  console.log(
    `(clients and server share this machine's ${availableParallelism()} cores, as s_time and s_server do; server CPU below is the server process alone)`,
  );

  const schema = values.engine === 'postgres' ? randomSchemaName('cf_bench') : undefined;
  const est = await startEstServer({
    ...(schema === undefined ? {} : { storeUrl: postgresTestUrl(schema) }),
    est: { rateLimit: { perMinute: 1e9, burst: 1_000_000_000 } },
  });
  const load = LoadClient.start();
  let reference: { close: () => Promise<void> } | undefined;
  try {
    const idevids = await Promise.all(
      Array.from({ length: identityCount }, (_, i) => est.issue('idevid', `serialNumber=BENCH-${i}`)),
    );
    const identities: LoadIdentity[] = idevids.map((c, i) => ({
      deviceId: `BENCH-${i}`,
      certificatePem: c.certificatePem,
      keyPem: c.keyPem,
    }));
    const files = await referenceFiles(est, idevids[0]!);
    // Enough fresh keys for the expected run; reused round-robin beyond that (the server does the same work).
    const prepared = await load.ask({
      type: 'prepare',
      identities,
      serverTrust: est.rootPem,
      csrsPerIdentity: Math.max(4, Math.ceil(8000 / identityCount)),
    });
    if (prepared.type === 'prepared')
      console.log(
        `clients: ${identityCount} IDevIDs, ${prepared.csrs} P-256 keys + CSRs made beforehand (${prepared.seconds.toFixed(1)} s)`,
      );

    // Reference 1: openssl s_server + s_time (again after certfleet's run: the machine is shared and noisy).
    const openssl = await opensslReference(files, referenceSeconds);
    printOpenssl('reference: openssl s_server + s_time -new, mTLS TLS 1.3 P-256, 1 client', openssl);

    // Reference 2: node:https, the same clients.
    const node = await nodeHttpsReference(files);
    reference = node;
    const nodeRun = { type: 'run', url: node.url, concurrency, verifyEvery: 0, expect: 'any-200' } as const;
    await load.run({ ...nodeRun, seconds: 1 });
    const nodeRef = await measure(load, { ...nodeRun, seconds: referenceSeconds });
    checkClean('node https reference', nodeRef.result);
    const nodeServerUs = (nodeRef.serverCpuSeconds * 1e6) / nodeRef.result.count;
    console.log(
      `reference: node:https server, mTLS, new connection per POST, ${concurrency} clients ${perSecond(nodeRef.rate)}  (${nodeRef.result.count} in ${nodeRef.result.elapsedSeconds.toFixed(2)} s)`,
    );
    console.log(
      `           server CPU ${nodeServerUs.toFixed(0)} µs/request (≈ ${(1e6 / nodeServerUs).toFixed(0)} /s per core), event loop busy ${(nodeRef.eventLoopBusy * 100).toFixed(0)}%; ${clientLine(nodeRef.result)}`,
    );
    console.log(`           ${latencyLine(nodeRef.result)}`);
    await node.close();
    reference = undefined;

    // certfleet.
    const estRun = {
      type: 'run',
      url: `${est.estUrl}/simpleenroll`,
      concurrency,
      verifyEvery: 50,
      expect: 'est-certificate',
    } as const;
    const warm = await load.run({ ...estRun, seconds: warmupSeconds });
    checkClean('certfleet warm-up', warm);
    let session: Session | undefined;
    if (values.profile !== undefined) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 250 });
      await session.post('Profiler.start');
    }
    const recorder = est.server.runtime.store.enrollmentRecorder as Partial<GroupCommitStats>;
    const commits0 = recorder.commits;
    const cf = await measure(load, { ...estRun, seconds });
    const commits1 = recorder.commits;
    const cpuProfile = session ? (await session.post('Profiler.stop')).profile : undefined;
    session?.disconnect();

    const enrollUs = (cf.serverCpuSeconds * 1e6) / cf.result.count;
    console.log(
      `certfleet EST simpleenroll, IDevID → LDevID, new mTLS connection each ${perSecond(cf.rate)}  (${cf.result.count} in ${cf.result.elapsedSeconds.toFixed(2)} s, ${cf.result.failures} failures)${session ? '  [profiled run: slower]' : ''}`,
    );
    console.log(latencyLine(cf.result));
    console.log(
      `server CPU: ${((cf.serverCpuSeconds / cf.result.elapsedSeconds) * 100).toFixed(0)}% of one core (all threads), ${enrollUs.toFixed(0)} µs per enrollment (≈ ${(1e6 / enrollUs).toFixed(0)} /s per core); event loop busy ${(cf.eventLoopBusy * 100).toFixed(0)}%${values.engine === 'postgres' ? ' (not counting the PostgreSQL server)' : ''}; ${clientLine(cf.result)}`,
    );
    console.log(
      `verified ${cf.result.verified} sampled responses (one LDevID, for the asking device and its CSR key): ${cf.result.verifyFailures.length} bad`,
    );
    if (commits0 && commits1) {
      const transactions = commits1.transactions - commits0.transactions;
      const outcomes = commits1.outcomes - commits0.outcomes;
      console.log(
        `enrollment log: ${transactions} commits for ${outcomes} outcomes (${(outcomes / transactions).toFixed(1)} per commit; each commit fsyncs${values.engine === 'sqlite' ? ', on the SQLite writer thread' : ''})`,
      );
    }
    checkClean('certfleet', cf.result);

    const opensslAfter = await opensslReference(files, referenceSeconds);
    printOpenssl('reference again, after certfleet: openssl s_server + s_time  ', opensslAfter);
    const opensslRate = (openssl.rate + opensslAfter.rate) / 2;
    const sslServerUs =
      ((openssl.serverCpuSeconds + opensslAfter.serverCpuSeconds) * 1e6) /
      (openssl.connections + opensslAfter.connections);
    console.log(
      `ratio to openssl s_server/s_time handshake rate (mean of both): ${(cf.rate / opensslRate).toFixed(2)} (before ${(cf.rate / openssl.rate).toFixed(2)}, after ${(cf.rate / opensslAfter.rate).toFixed(2)}; target ≥ 0.40)   to node https mTLS: ${(cf.rate / nodeRef.rate).toFixed(2)}`,
    );
    console.log(
      `server CPU per enrollment vs per handshake: ${(enrollUs / sslServerUs).toFixed(1)}× s_server, ${(enrollUs / nodeServerUs).toFixed(1)}× node https (certfleet's own share ≈ ${(enrollUs - nodeServerUs).toFixed(0)} µs)`,
    );
    if (cpuProfile && values.profile !== undefined) {
      await writeFile(values.profile, JSON.stringify(cpuProfile));
      console.log(`CPU profile of the server process written to ${values.profile}`);
      for (const line of summarizeProfile(
        cpuProfile,
        cf.result.count,
        cf.eventLoopBusy * cf.result.elapsedSeconds,
      ))
        console.log(line);
    }
    if (cf.result.failures > 0 || cf.result.verifyFailures.length > 0) process.exitCode = 1;
  } finally {
    load.close();
    await reference?.close();
    await est.close();
    if (schema !== undefined) await dropSchema(schema);
  }
}

await main();
