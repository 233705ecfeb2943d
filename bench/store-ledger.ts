/**
 * Ledger throughput: certificates per second through recordPrepared + recordSigned (the two commits the CA
 * makes per certificate), in batches of 1, 64 and 512, and through a GroupCommitLedger with many concurrent
 * single-certificate callers (the server's shape). Not a test: numbers depend on the disk's fsync.
 *
 *   node --import tsx bench/store-ledger.ts                        # SQLite file in a temporary folder
 *   node --import tsx bench/store-ledger.ts 'postgres://postgres@127.0.0.1:5432/test?schema=cf_bench'
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { IssuerId, SerialHex } from '../src/core/ids.js';
import type { CertificateLedger } from '../src/store/certificate-ledger.js';
import { GroupCommitLedger } from '../src/store/group-commit-ledger.js';
import { openStore } from '../src/store/open-store.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from '../src/store/records.js';

const folder = process.argv[2] === undefined ? mkdtempSync(join(tmpdir(), 'certfleet-bench-')) : undefined;
const url = process.argv[2] ?? `sqlite:${join(folder ?? '', 'ledger.db')}`;
const store = await openStore(url);
const issuerId = `bench-${randomBytes(4).toString('hex')}` as IssuerId;
const now = new Date();
await store.issuers.add({
  id: issuerId,
  role: 'intermediate',
  parentId: null,
  subject: 'CN=Bench CA',
  certificateDer: new Uint8Array(randomBytes(500)),
  keyUri: null,
  keyAlgorithm: 'ecdsa-p256',
  notBefore: now,
  notAfter: new Date(now.getTime() + 10 * 365 * 86_400_000),
  subjectKeyIdHex: randomBytes(20).toString('hex'),
  fingerprintSha256: randomBytes(32).toString('hex'),
  status: 'active',
  createdAt: now,
});

function certificate(): { prepared: PreparedCertificate; signed: SignedCertificate } {
  const serial = randomBytes(16).toString('hex') as SerialHex;
  return {
    prepared: {
      issuerId,
      serial,
      profile: 'ldevid',
      subject: `CN=device-${serial.slice(0, 8)},O=certfleet`,
      sans: [`uri:urn:dev:serial:${serial.slice(0, 8)}`],
      deviceId: null,
      notBefore: now,
      notAfter: new Date(now.getTime() + 90 * 86_400_000),
      keyAlgorithm: 'ecdsa-p256',
      spkiSha256: randomBytes(32).toString('hex'),
      requestedVia: 'bench',
    },
    // A typical ECDSA P-256 device certificate is 450-600 bytes of DER.
    signed: {
      issuerId,
      serial,
      der: new Uint8Array(randomBytes(520)),
      fingerprintSha256: randomBytes(32).toString('hex'),
    },
  };
}

const audit = (entry: SignedCertificate): AuditEvent => ({
  at: now,
  event: 'cert.issued',
  actor: 'ca:bench',
  subject: `cert:${entry.issuerId}/${entry.serial}`,
  data: { serial: entry.serial, profile: 'ldevid', fingerprintSha256: entry.fingerprintSha256 },
});

interface Rate {
  /** Certificates per second of wall-clock time. */
  readonly perSecond: number;
  /** CPU time of this process per certificate: comparable across runs on a busy machine. */
  readonly cpuMicrosEach: number;
}

async function measure(count: number, run: () => Promise<void>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wallSeconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: count / wallSeconds, cpuMicrosEach: (used.user + used.system) / count };
}

async function batches(ledger: CertificateLedger, batchSize: number, rounds: number): Promise<Rate> {
  const work = Array.from({ length: rounds }, () => Array.from({ length: batchSize }, certificate));
  return measure(batchSize * rounds, async () => {
    for (const batch of work) {
      await ledger.recordPrepared(
        batch.map((c) => c.prepared),
        now,
      );
      await ledger.recordSigned(
        batch.map((c) => c.signed),
        now,
        audit,
      );
    }
  });
}

async function concurrentCallers(
  ledger: CertificateLedger,
  callers: number,
  perCaller: number,
): Promise<Rate> {
  const work = Array.from({ length: callers }, () => Array.from({ length: perCaller }, certificate));
  return measure(callers * perCaller, async () => {
    await Promise.all(
      work.map(async (mine) => {
        for (const c of mine) {
          await ledger.recordPrepared([c.prepared], now);
          await ledger.recordSigned([c.signed], now, audit);
        }
      }),
    );
  });
}

const format = ({ perSecond, cpuMicrosEach }: Rate) =>
  `${Math.round(perSecond).toLocaleString('en-US')} certificates/s (${cpuMicrosEach.toFixed(0)} µs CPU each)`;
console.log(
  `ledger throughput on ${store.engine} (${folder === undefined ? url.replace(/\/\/[^@]*@/, '//') : url})`,
);
// Warm-up (JIT, caches, connection pool); not reported.
await batches(store.ledger, 64, 20);
for (const [batchSize, rounds] of [
  [1, 500],
  [64, 150],
  [512, 40],
] as const) {
  console.log(
    `  batches of ${String(batchSize).padStart(3)}: ${format(await batches(store.ledger, batchSize, rounds))}`,
  );
}
const grouped = new GroupCommitLedger(store.ledger);
console.log(
  `  GroupCommitLedger, 1024 concurrent callers of 1: ${format(await concurrentCallers(grouped, 1024, 20))}`,
);
const check = await store.audit.verifyChain();
console.log(`  audit chain: ${check.ok ? 'valid' : 'BROKEN'}, ${check.checked} records`);
await store.close();
if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
