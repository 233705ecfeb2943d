/**
 * bench/cmp: CMP `ir` transactions per second (Lightweight CMP profile, RFC 9483 §4.1.1) against the real server,
 * MAC-protected (PasswordBasedMac with OpenSSL's parameters, one enrollment token per device) and signature-protected
 * (the device's IDevID), with implicit confirmation (one round trip) and with certConf (two), next to the raw P-256
 * signing rate measured in the same run (`openssl speed ecdsap256`, and node:crypto). Each transaction costs the
 * server at least two P-256 operations it signs (the certificate; the response when signature-protected) and one or
 * two it verifies (proof of possession; the IDevID's signature and chain), plus the store's writes (transaction,
 * ledger, enrollment log). Requests are built before the clock starts in a child process (bench/cmp-load.ts), so
 * the server's CPU is this process's alone.
 *
 *   npm run bench:cmp -- [--requests 2000] [--concurrency 16] [--reference-seconds 3] [--identities 64]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { privateKeyToPkcs8 } from '../src/pki/algorithms/key-algorithm.js';
import { createEnrollmentToken } from '../test/helpers/enrollment-token.js';
import { startEstServer } from '../test/helpers/est-server.js';
import { LoadProcess, nodeP256SignRate, opensslP256SignRate } from './bench-kit.js';
import type { ChildMessage, MacIdentity, ParentMessage, RunResult, SignatureIdentity } from './cmp-load.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    'reference-seconds': { type: 'string', default: '3' },
    identities: { type: 'string', default: '64' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const referenceSeconds = Number(values['reference-seconds']);
const identityCount = Number(values.identities);

const server = await startEstServer({
  log: { level: 'silent' },
  // The bench measures throughput, not the per-device rate limit.
  est: { rateLimit: { perMinute: 1e9, burst: 1_000_000 } },
});
const load = LoadProcess.start<ParentMessage, ChildMessage>(new URL('./cmp-load.ts', import.meta.url));
try {
  const runtime = server.server.runtime;
  const opensslRate = opensslP256SignRate(referenceSeconds);
  console.log(`reference: openssl speed ecdsap256 sign (1 core)   ${opensslRate.toFixed(0).padStart(8)} /s`);
  const nodeRate = nodeP256SignRate(referenceSeconds, 300);
  console.log(`reference: node:crypto P-256 sign (1 thread)       ${nodeRate.toFixed(0).padStart(8)} /s`);

  const signature: SignatureIdentity[] = [];
  for (let i = 0; i < identityCount; i++) {
    const deviceId = `BENCH-SIG-${i}`;
    const credential = await server.issue('idevid', `serialNumber=${deviceId},CN=sensor,O=Bench`);
    signature.push({
      deviceId,
      certificatePem: credential.certificatePem,
      keyPkcs8: Buffer.from(privateKeyToPkcs8(credential.key)).toString('base64'),
    });
  }

  const scenarios: Array<{ name: string; protection: 'mac' | 'signature'; implicitConfirm: boolean }> = [
    { name: 'ir, MAC (PBM), implicitConfirm', protection: 'mac', implicitConfirm: true },
    { name: 'ir, signature (IDevID), implicitConfirm', protection: 'signature', implicitConfirm: true },
    { name: 'ir + certConf, MAC (PBM)', protection: 'mac', implicitConfirm: false },
    { name: 'ir + certConf, signature (IDevID)', protection: 'signature', implicitConfirm: false },
  ];
  // Warm the server (its CMP certificate, caches, JIT) with a few transactions of each kind first.
  for (const [index, scenario] of scenarios.entries()) {
    const mac = scenario.protection === 'mac' ? await tokens(requests, `S${index}`) : [];
    await load.ask({
      type: 'prepare',
      protection: scenario.protection,
      mac,
      signature,
      requests: scenario.protection === 'mac' ? Math.min(50, requests) : 50,
      implicitConfirm: scenario.implicitConfirm,
      rootPem: server.rootPem,
    });
    await load.ask({ type: 'run', url: `${server.server.url}/.well-known/cmp`, concurrency });
    const fresh = scenario.protection === 'mac' ? await tokens(requests, `R${index}`) : [];
    const ready = await load.ask({
      type: 'prepare',
      protection: scenario.protection,
      mac: fresh,
      signature,
      requests,
      implicitConfirm: scenario.implicitConfirm,
      rootPem: server.rootPem,
    });
    if (ready.type !== 'prepared') throw new Error('prepare failed');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const reply = await load.ask({ type: 'run', url: `${server.server.url}/.well-known/cmp`, concurrency });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (reply.type !== 'result') throw new Error('run failed');
    report(scenario.name, reply.result, (cpu.user + cpu.system) / 1e6, wall);
  }

  async function tokens(count: number, tag: string): Promise<MacIdentity[]> {
    const made: MacIdentity[] = [];
    for (let i = 0; i < count; i++) {
      const deviceId = `BENCH-MAC-${tag}-${i}`;
      const token = await createEnrollmentToken(runtime, deviceId);
      made.push({ reference: token.id, secret: token.secret, deviceId });
    }
    return made;
  }

  function report(name: string, result: RunResult, serverCpuSeconds: number, wallSeconds: number): void {
    const rate = result.transactions / result.elapsedSeconds;
    const { p50, p90, p99, max } = result.latencyMs;
    console.log(`\n${name} (${concurrency} clients, keep-alive HTTPS)`);
    console.log(
      `  ${result.transactions} transactions in ${result.elapsedSeconds.toFixed(2)} s = ${rate.toFixed(0)} /s` +
        `  (${(rate / opensslRate).toFixed(3)} of openssl P-256 sign, ${(rate / nodeRate).toFixed(3)} of node sign)`,
    );
    console.log(
      `  latency ms: p50 ${p50.toFixed(1)}  p90 ${p90.toFixed(1)}  p99 ${p99.toFixed(1)}  max ${max.toFixed(1)}`,
    );
    console.log(
      `  server CPU ${((serverCpuSeconds * 1000) / Math.max(1, result.transactions)).toFixed(2)} ms/transaction` +
        ` (${((serverCpuSeconds / wallSeconds) * 100).toFixed(0)} % of one core); client CPU ${((result.clientCpuSeconds * 1000) / Math.max(1, result.transactions)).toFixed(2)} ms`,
    );
    if (result.failures > 0)
      console.log(`  FAILURES ${result.failures}: ${result.failureSamples.join(' | ')}`);
  }
} finally {
  load.close();
  await server.close();
}
