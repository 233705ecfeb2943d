/**
 * bench/issue: certificates issued per second by the CA core (P-256 issuer and subjects, LDevID profile, SQLite
 * store with group commit, every certificate durably recorded before it is returned), next to the raw P-256
 * signing rate measured in the same run by `openssl speed` and by node:crypto, as ratios.
 *
 *   npm run bench:issue -- [--seconds 5] [--concurrency 64] [--engine sqlite|postgres]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { IssueOrder } from '../src/ca/issue-order.js';
import { toDeviceId, toIssuerId } from '../src/core/ids.js';
import { generateKeyPair } from '../src/pki/algorithms/key-algorithm.js';
import { buildName, encodeName } from '../src/pki/name.js';
import { createTestDeployment } from '../test/helpers/test-deployment.js';
import { dropSchema, postgresTestUrl, randomSchemaName } from '../test/helpers/postgres.js';
import { latencySummary, nodeP256SignRate, opensslP256SignRate } from './bench-kit.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    engine: { type: 'string', default: 'sqlite' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

async function main(): Promise<void> {
  console.log(`bench/issue — ${process.version}, ${values.engine}, concurrency ${concurrency}, ${seconds}s`);
  const opensslRate = opensslP256SignRate(3);
  console.log(`reference: openssl speed ecdsap256 sign (1 core)   ${opensslRate.toFixed(0).padStart(8)} /s`);
  const nodeRate = nodeP256SignRate(3, 400);
  console.log(`reference: node crypto.sign P-256 sync (1 core)    ${nodeRate.toFixed(0).padStart(8)} /s`);

  const schema = values.engine === 'postgres' ? randomSchemaName() : undefined;
  const deployment = await createTestDeployment(
    schema === undefined ? {} : { storeUrl: postgresTestUrl(schema) },
  );
  try {
    const { ca } = deployment.runtime;
    const issuerId = toIssuerId('operational')!;
    const keys = Array.from({ length: 256 }, () => generateKeyPair('ec-p256').spki);
    let next = 0;
    const order = (): IssueOrder => {
      const n = next++;
      const subject = buildName([{ type: 'CN', value: `device-${n}` }]);
      return {
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
    };
    // Warm up: compile the template, fill caches, let the JIT settle.
    for (let i = 0; i < 2000; i++) await ca.issue(order());

    const latencies = new Float64Array(4_000_000);
    let issued = 0;
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const o = order();
          const t0 = performance.now();
          await ca.issue(o);
          latencies[issued++] = performance.now() - t0;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const rate = issued / elapsed;
    const latency = latencySummary(latencies.subarray(0, issued));
    console.log(
      `certfleet CA issue (LDevID, recorded before return) ${rate.toFixed(0).padStart(8)} /s  (${issued} in ${elapsed.toFixed(2)} s)`,
    );
    console.log(
      `latency ms: p50 ${latency.p50.toFixed(2)}  p90 ${latency.p90.toFixed(2)}  p99 ${latency.p99.toFixed(2)}  max ${latency.max.toFixed(2)}`,
    );
    console.log(
      `CPU: ${((cpuSeconds / elapsed) * 100).toFixed(0)}% of one core on average (all threads), ${((cpuSeconds * 1e6) / issued).toFixed(0)} µs per certificate`,
    );
    console.log(
      `ratio to openssl sign rate (1 core): ${(rate / opensslRate).toFixed(2)}   to node sync sign: ${(rate / nodeRate).toFixed(2)}   (target ≥ 0.50)`,
    );
  } finally {
    await deployment.dispose();
    if (schema !== undefined) await dropSchema(schema);
  }
}

await main();
