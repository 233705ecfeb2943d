/**
 * bench/ocsp: OCSP answers per second over GET (RFC 6960 appendix A.1) from certfleet's public HTTP listener, with
 * latency percentiles and the server's CPU per answer, next to the raw P-256 signing rate measured in the same run
 * (`openssl speed ecdsap256`, before and after, and node:crypto) and to a bare node:http server answering the same
 * requests with a fixed body of the same size. The server (this process) issues the certificates through the CA,
 * revokes a share of them, and answers; keep-alive clients run in a child process (bench/ocsp-load.ts), so this
 * process's CPU is the server's alone. They still share the machine's cores.
 *
 * Three ways of asking, each a different path through the responder (src/revocation/ocsp-responder.ts):
 * - first ask, no nonce: each certificate once; a cache miss, so a store lookup and a signature, then cached;
 * - cached, no nonce: the same requests again (RFC 9919 relying parties), answered from the signed-answer cache;
 * - nonce (RFC 9654): a fresh nonce in every request, so every answer is looked up and signed.
 * A sample of every run's answers is verified (status, CertID, certStatus, nonce, signature, responder
 * certificate); any failed request or bad answer fails the bench.
 *
 *   npm run bench:ocsp -- [--seconds 10] [--concurrency 32] [--certificates 10000] [--revoked 0.1]
 *                         [--reference-seconds 3] [--warmup 2] [--client raw|node] [--verify-every 50]
 *                         [--profile prefix]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { IssueOrder } from '../src/ca/issue-order.js';
import { systemClock } from '../src/core/clock.js';
import { type SerialHex, toDeviceId, toIssuerId } from '../src/core/ids.js';
import type { RevocationReason } from '../src/core/revocation-reason.js';
import { generateKeyPair } from '../src/pki/algorithms/key-algorithm.js';
import { certIdFor } from '../src/pki/ocsp/cert-id.js';
import { buildOcspRequest } from '../src/pki/ocsp/ocsp-request.js';
import { parseOcspResponse } from '../src/pki/ocsp/ocsp-response.js';
import { buildName, encodeName } from '../src/pki/name.js';
import { type RunningServer, serve } from '../src/server/serve.js';
import { testConfig } from '../test/helpers/test-deployment.js';
import {
  type ChildMessage,
  type LoadItem,
  NONCE_OCTETS,
  type ParentMessage,
  type RunMode,
  type RunResult,
} from './ocsp-load.js';
import { LoadProcess, nodeP256SignRate, opensslP256SignRate } from './bench-kit.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    certificates: { type: 'string', default: '10000' },
    revoked: { type: 'string', default: '0.1' },
    'reference-seconds': { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    client: { type: 'string', default: 'raw' },
    'verify-every': { type: 'string', default: '50' },
    profile: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const certificateCount = Number(values.certificates);
const revokedShare = Number(values.revoked);
const referenceSeconds = Number(values['reference-seconds']);
const warmupSeconds = Number(values.warmup);
const verifyEvery = Number(values['verify-every']);
const client = values.client;
if (client !== 'raw' && client !== 'node') throw new Error('--client is raw or node');
if (!(revokedShare >= 0 && revokedShare <= 1)) throw new Error('--revoked is a share between 0 and 1');
if (!(verifyEvery >= 1)) throw new Error('--verify-every must be at least 1');

/** The client child process: one request at a time, answered in order. */
class LoadClient {
  private constructor(private readonly child: LoadProcess<ParentMessage, ChildMessage>) {}

  static start(): LoadClient {
    return new LoadClient(LoadProcess.start(new URL('./ocsp-load.ts', import.meta.url)));
  }

  ask(message: ParentMessage): Promise<ChildMessage> {
    return this.child.ask(message);
  }

  async run(message: Omit<Extract<ParentMessage, { type: 'run' }>, 'type' | 'client'>): Promise<RunResult> {
    const reply = await this.ask({ type: 'run', client: client as 'raw' | 'node', ...message });
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
  readonly profile?: Profiler.Profile;
}

async function measure(
  load: LoadClient,
  message: Parameters<LoadClient['run']>[0],
  profile = false,
): Promise<Measured> {
  let session: Session | undefined;
  if (profile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
  }
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const result = await load.run(message);
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const cpuProfile = session ? (await session.post('Profiler.stop')).profile : undefined;
  session?.disconnect();
  return {
    result,
    rate: result.count / result.elapsedSeconds,
    serverCpuSeconds: (cpu.user + cpu.system) / 1e6,
    eventLoopBusy: elu.utilization,
    ...(cpuProfile ? { profile: cpuProfile } : {}),
  };
}

/** The functions with the most self time in a CPU profile, per answer. */
function topFunctions(profile: Profiler.Profile, answers: number, limit = 12): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const frame = byId.get(samples[i]!)?.callFrame;
    const us = deltas[i + 1] ?? 0;
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    const file = frame.url.replace(/^.*\/(node_modules|src)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}:${frame.lineNumber + 1}`}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  const line = (us: number, name: string) =>
    `    ${(us / answers).toFixed(1).padStart(6)} µs ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`;
  return [
    `  main thread JS ${(total / answers).toFixed(0)} µs per answer; top functions by self time:`,
    ...[...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => line(us, name)),
  ];
}

/** A node:http server answering every request 200 with a fixed application/ocsp-response body. */
async function bareHttpReference(bodyBytes: number): Promise<{ url: string; close: () => Promise<void> }> {
  const body = Buffer.alloc(bodyBytes, 0x30);
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, {
      'Content-Type': 'application/ocsp-response',
      'Content-Length': body.length,
      'Cache-Control': 'max-age=3600, public, no-transform, must-revalidate',
    });
    res.end(body);
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/ocsp/operational`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function perSecond(rate: number): string {
  return `${rate.toFixed(0).padStart(7)} /s`;
}

function latencyLine(result: RunResult): string {
  const { p50, p90, p99, max } = result.latencyMs;
  // NaN (no successful request) crosses the IPC channel as null.
  const ms = (value: number | null) => (Number.isFinite(value) ? (value as number).toFixed(2) : '-');
  return `latency ms: p50 ${ms(p50)}  p90 ${ms(p90)}  p99 ${ms(p99)}  max ${ms(max)}`;
}

function cpuLine(m: Measured): string {
  const us = (m.serverCpuSeconds * 1e6) / m.result.count;
  const share = m.result.clientCpuSeconds / m.result.elapsedSeconds;
  return (
    `server CPU ${us.toFixed(0)} µs/answer (≈ ${(1e6 / us).toFixed(0)} /s per core), ` +
    `${((m.serverCpuSeconds / m.result.elapsedSeconds) * 100).toFixed(0)}% of a core, event loop busy ${(m.eventLoopBusy * 100).toFixed(0)}%; ` +
    `client ${(share * 100).toFixed(0)}% of a core (${((m.result.clientCpuSeconds * 1e6) / m.result.count).toFixed(0)} µs/request)`
  );
}

/** Prints what went wrong and says whether the run is clean. */
function checkClean(what: string, result: RunResult): boolean {
  if (result.failures > 0) {
    console.log(`  FAILURES ${what}: ${result.failures}`);
    for (const line of result.failureSamples) console.log(`    ${line}`);
  }
  for (const line of result.verifyFailures.slice(0, 10)) console.log(`  BAD ANSWER ${what}: ${line}`);
  return result.failures === 0 && result.verifyFailures.length === 0;
}

interface Population {
  readonly items: LoadItem[];
  readonly issueSeconds: number;
  readonly revoked: number;
}

/** Issues `count` LDevIDs through the CA (recorded before returned) and revokes a share of them. */
async function issueAndRevoke(server: RunningServer, count: number, share: number): Promise<Population> {
  const { ca, revoker, issuers } = server.runtime;
  const issuerId = toIssuerId('operational')!;
  const issuer = issuers.get(issuerId);
  if (!issuer) throw new Error('no online issuer "operational"');
  const keys = Array.from({ length: 64 }, () => generateKeyPair('ec-p256').spki);
  const serials: SerialHex[] = [];
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < count) {
        const n = next++;
        const subject = buildName([{ type: 'CN', value: `device-${n}` }]);
        const order: IssueOrder = {
          issuerId,
          profile: 'ldevid',
          subject,
          subjectDer: encodeName(subject),
          altNames: [{ type: 'uri', value: `urn:dev:org:32473-device-${n}` }],
          spkiDer: keys[n % keys.length]!,
          keyAlgorithm: 'ec-p256',
          deviceId: toDeviceId(`device-${n}`)!,
          requestedVia: 'bench',
          requester: 'bench',
        };
        serials[n] = (await ca.issue(order)).serial;
      }
    }),
  );
  const issueSeconds = (performance.now() - start) / 1000;
  // Every k-th certificate is revoked, so revoked ones are spread over the round-robin order.
  const every = share > 0 ? Math.max(1, Math.round(1 / share)) : Infinity;
  const reasons: RevocationReason[] = ['keyCompromise', 'superseded', 'unspecified'];
  const toRevoke = serials
    .map((serial, i) => ({ serial, i }))
    .filter(({ i }) => i % every === every - 1)
    .map(({ serial, i }) => ({
      issuerId,
      serial,
      reason: reasons[i % reasons.length]!,
      invalidityDate: null,
    }));
  for (let i = 0; i < toRevoke.length; i += 500) await revoker.revoke(toRevoke.slice(i, i + 500), 'bench');
  const revokedSet = new Set(toRevoke.map((r) => r.serial));

  const zeros = new Uint8Array(NONCE_OCTETS);
  const items = serials.map((serial): LoadItem => {
    const certId = certIdFor(issuer.certificate, serial, 'sha256');
    const template = buildOcspRequest([certId], { nonce: zeros });
    return {
      plain: Buffer.from(buildOcspRequest([certId])).toString('base64'),
      nonceTemplate: Buffer.from(template).toString('base64'),
      certId: Buffer.from(certId.raw).toString('base64'),
      expected: revokedSet.has(serial) ? 'revoked' : 'good',
    };
  });
  return { items, issueSeconds, revoked: toRevoke.length };
}

/**
 * Asks the responder directly once, with a nonce (so nothing is cached): proves the prepared template carries
 * its nonce in its last octets and gives the size of an answer, for the bare HTTP reference.
 */
async function probe(server: RunningServer, item: LoadItem): Promise<number> {
  const der = new Uint8Array(Buffer.from(item.nonceTemplate, 'base64'));
  const nonce = Uint8Array.from({ length: NONCE_OCTETS }, (_, i) => i + 1);
  der.set(nonce, der.length - NONCE_OCTETS);
  const answer = await server.runtime.ocspResponder.respond(der, toIssuerId('operational'));
  const parsed = parseOcspResponse(answer.der);
  if (parsed.status !== 'successful') throw new Error(`probe: responseStatus ${parsed.status}`);
  if (!Buffer.from(parsed.basic.nonce ?? []).equals(nonce))
    throw new Error('probe: the nonce is not where the template says');
  return answer.der.length;
}

async function main(): Promise<void> {
  const opensslVersion = execFileSync('openssl', ['version']).toString().split(' ').slice(0, 2).join(' ');
  console.log(
    `bench/ocsp — node ${process.version} (its OpenSSL ${process.versions.openssl}), ${opensslVersion} CLI, ${availableParallelism()} cores, ` +
      `${certificateCount} certificates (${(revokedShare * 100).toFixed(0)}% revoked), concurrency ${concurrency}, ${seconds}s per mode, ${client} HTTP/1.1 keep-alive client`,
  );
  console.log(
    `(clients and server share this machine's ${availableParallelism()} cores; server CPU below is the server process alone, all threads)`,
  );
  const opensslBefore = opensslP256SignRate(referenceSeconds);
  console.log(`reference: openssl speed ecdsap256 sign (1 core)   ${perSecond(opensslBefore)}`);
  const nodeRate = nodeP256SignRate(referenceSeconds, 220);
  console.log(`reference: node crypto.sign P-256 sync (1 core)    ${perSecond(nodeRate)}`);

  const dir = await mkdtemp(join(tmpdir(), 'certfleet-bench-ocsp-'));
  let server: RunningServer | undefined;
  let load: LoadClient | undefined;
  let reference: { close: () => Promise<void> } | undefined;
  let clean = true;
  try {
    server = await serve(testConfig(dir, { log: { level: 'silent' } }), systemClock, {}, () => undefined);
    const { config } = server.runtime;
    const population = await issueAndRevoke(server, certificateCount, revokedShare);
    console.log(
      `set-up: ${certificateCount} LDevIDs issued in ${population.issueSeconds.toFixed(1)} s, ${population.revoked} revoked; ` +
        `ocspCacheSeconds ${config.revocation.ocspCacheSeconds}, ocspValiditySeconds ${config.revocation.ocspValiditySeconds}`,
    );
    const answerBytes = await probe(server, population.items[0]!);

    load = LoadClient.start();
    const issuer = server.runtime.issuers.get(toIssuerId('operational')!)!;
    await load.ask({
      type: 'prepare',
      ocspUrl: `${server.publicUrl}/ocsp/operational`,
      issuer: Buffer.from(issuer.certificate.der).toString('base64'),
      items: population.items,
    });

    // Reference: node:http answering the same requests with a fixed body, the same clients.
    const bare = await bareHttpReference(answerBytes);
    reference = bare;
    const bareRun = { mode: 'repeat', url: bare.url, concurrency, verifyEvery: 0 } as const;
    await load.run({ ...bareRun, seconds: 1 });
    const bareRef = await measure(load, { ...bareRun, seconds: referenceSeconds });
    clean = checkClean('bare node:http reference', bareRef.result) && clean;
    const bareUs = (bareRef.serverCpuSeconds * 1e6) / bareRef.result.count;
    console.log(
      `reference: node:http, fixed ${answerBytes}-byte body, keep-alive GET      ${perSecond(bareRef.rate)}  (${bareRef.result.count} in ${bareRef.result.elapsedSeconds.toFixed(2)} s)`,
    );
    console.log(`           ${latencyLine(bareRef.result)}`);
    console.log(`           ${cpuLine(bareRef)}`);
    await bare.close();
    reference = undefined;

    // Warm up the signing path (and make the responder's delegated certificate) without touching the cache.
    const warm = await load.run({ mode: 'nonce', seconds: warmupSeconds, concurrency, verifyEvery });
    clean = checkClean('warm-up', warm) && clean;

    const profile = values.profile !== undefined;
    const runs: ReadonlyArray<{ label: string; mode: RunMode; note: string }> = [
      {
        label: 'first ask, no nonce (cache miss: lookup + sign + cache)',
        mode: 'each-once',
        note: 'each certificate once',
      },
      { label: 'cached, no nonce (RFC 9919 client, cache hit)', mode: 'repeat', note: 'all in cache' },
      { label: 'nonce (RFC 9654), signed fresh every time', mode: 'nonce', note: 'unique nonces' },
    ];
    const measured = new Map<RunMode, Measured>();
    for (const { label, mode, note } of runs) {
      // producedAt has whole seconds: start each run in a new second, so "signed before the run" is exact.
      await new Promise((resolve) =>
        setTimeout(resolve, 1010 - ((performance.timeOrigin + performance.now()) % 1000)),
      );
      const m = await measure(load, { mode, seconds, concurrency, verifyEvery }, profile);
      measured.set(mode, m);
      const r = m.result;
      console.log(
        `certfleet GET /ocsp, ${label.padEnd(56)} ${perSecond(m.rate)}  (${r.count} in ${r.elapsedSeconds.toFixed(2)} s, ${note}, ${r.failures} failures)`,
      );
      console.log(`           ${latencyLine(r)}`);
      console.log(`           ${cpuLine(m)}`);
      const statuses = Object.entries(r.statuses)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ');
      const cacheWord = mode === 'repeat' ? 'signed before the run (cache hits)' : 'signed before the run';
      console.log(
        `           verified ${r.verified} sampled answers (${statuses}; ${r.producedBeforeRun} ${cacheWord}): ${r.verifyFailures.length} bad`,
      );
      clean = checkClean(label, r) && clean;
      // Answers that must be fresh must not come from the cache, and the other way round.
      if (mode === 'repeat' && r.producedBeforeRun < r.verified - r.verifyFailures.length) {
        console.log(
          `  NOT CACHED: ${r.verified - r.producedBeforeRun} cached-mode answers were signed during the run`,
        );
        clean = false;
      }
      if (mode !== 'repeat' && r.producedBeforeRun > 0) {
        console.log(`  STALE: ${r.producedBeforeRun} answers that must be fresh were signed before the run`);
        clean = false;
      }
      if (m.profile && values.profile !== undefined) {
        const file = `${values.profile}-${mode}.cpuprofile`;
        await writeFile(file, JSON.stringify(m.profile));
        console.log(`  CPU profile of the server written to ${file} (profiled run: slower)`);
        for (const line of topFunctions(m.profile, r.count)) console.log(line);
      }
    }

    const opensslAfter = opensslP256SignRate(referenceSeconds);
    console.log(`reference again, after: openssl speed ecdsap256 sign (1 core) ${perSecond(opensslAfter)}`);
    const opensslRate = (opensslBefore + opensslAfter) / 2;
    const serverUs = (m: Measured) => (m.serverCpuSeconds * 1e6) / m.result.count;
    console.log(
      `ratios — to openssl P-256 sign rate (1 core, mean of before and after ${opensslRate.toFixed(0)}/s) and to node sync sign (${nodeRate.toFixed(0)}/s); server CPU per answer vs bare node:http (${bareUs.toFixed(0)} µs):`,
    );
    for (const { label, mode } of runs) {
      const m = measured.get(mode)!;
      console.log(
        `  ${label.padEnd(56)} ${(m.rate / opensslRate).toFixed(2)}  ${(m.rate / nodeRate).toFixed(2)}   ${(serverUs(m) / bareUs).toFixed(1)}× (certfleet's own ≈ ${(serverUs(m) - bareUs).toFixed(0)} µs)`,
      );
    }
  } finally {
    load?.close();
    await reference?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (!clean) {
    console.log('FAILED: some requests failed or some answers were wrong; the figures above are not valid');
    process.exitCode = 1;
  }
}

await main();
