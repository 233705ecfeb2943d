import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError, isPkiError } from '../core/pki-error.js';
import type { CertificateLedger } from './certificate-ledger.js';
import { GroupCommitLedger } from './group-commit-ledger.js';
import type { BatchCertificateLedger, LedgerBatch } from './ledger-batch.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from './records.js';

const ISSUER = 'operational' as IssuerId;

function prepared(serial: string): PreparedCertificate {
  return {
    issuerId: ISSUER,
    serial: serial as SerialHex,
    profile: 'ldevid',
    subject: `CN=${serial}`,
    sans: [],
    deviceId: null as DeviceId | null,
    notBefore: new Date(0),
    notAfter: new Date(1000),
    keyAlgorithm: 'ecdsa-p256',
    spkiSha256: '00',
    requestedVia: 'est',
  };
}

function signed(serial: string): SignedCertificate {
  return {
    issuerId: ISSUER,
    serial: serial as SerialHex,
    der: new Uint8Array([1]),
    fingerprintSha256: serial,
  };
}

const audit = (entry: SignedCertificate): AuditEvent => ({
  at: new Date(5),
  event: 'cert.issued',
  actor: 'ca',
  subject: entry.serial,
  data: {},
});

interface Deferred {
  readonly promise: Promise<void>;
  release(): void;
}

function deferred(): Deferred {
  let release = () => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

/** Records each underlying call; a call waits for `gate` (if set) and then succeeds or fails as told. */
class FakeLedger implements CertificateLedger {
  readonly preparedCalls: Array<{ serials: string[]; at: number }> = [];
  readonly signedCalls: Array<{ serials: string[]; at: number; events: string[] }> = [];
  /** Serials the database "already has": reported as conflicted. */
  readonly taken = new Set<string>();
  /** Serials whose recordSigned fails the whole call with CONFLICT. */
  readonly unsignable = new Set<string>();
  gate: Promise<void> | undefined;
  failWith: Error | undefined;

  async recordPrepared(entries: readonly PreparedCertificate[], at: Date): Promise<readonly SerialHex[]> {
    this.preparedCalls.push({ serials: entries.map((e) => e.serial), at: at.getTime() });
    await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    return entries.filter((e) => this.taken.has(e.serial)).map((e) => e.serial);
  }

  async recordSigned(
    entries: readonly SignedCertificate[],
    at: Date,
    auditOf: (entry: SignedCertificate) => AuditEvent,
  ): Promise<void> {
    const events = entries.map(auditOf).map((e) => `${e.event}:${String(e.subject)}`);
    this.signedCalls.push({ serials: entries.map((e) => e.serial), at: at.getTime(), events });
    await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    const bad = entries.find((e) => this.unsignable.has(e.serial));
    if (bad !== undefined) throw new PkiError('CONFLICT', `${bad.serial} is not prepared`);
  }
}

/** Lets every pending setImmediate and promise run. */
const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

describe('GroupCommitLedger', () => {
  test('coalesces calls made in the same turn into one underlying call, in arrival order', async () => {
    const inner = new FakeLedger();
    const ledger = new GroupCommitLedger(inner);
    const results = await Promise.all([
      ledger.recordPrepared([prepared('01'), prepared('02')], new Date(10)),
      ledger.recordPrepared([prepared('03')], new Date(30)),
      ledger.recordPrepared([prepared('04')], new Date(20)),
    ]);
    assert.deepEqual(results, [[], [], []]);
    // One call, entries in order, recorded at the latest of the callers' times.
    assert.deepEqual(inner.preparedCalls, [{ serials: ['01', '02', '03', '04'], at: 30 }]);
  });

  test('resolves callers only after the underlying call completes', async () => {
    const inner = new FakeLedger();
    const gate = deferred();
    inner.gate = gate.promise;
    const ledger = new GroupCommitLedger(inner);
    let resolved = 0;
    const calls = [prepared('01'), prepared('02')].map((p) =>
      ledger.recordPrepared([p], new Date(1)).then(() => (resolved += 1)),
    );
    await settle();
    assert.equal(inner.preparedCalls.length, 1);
    assert.equal(resolved, 0);
    gate.release();
    await Promise.all(calls);
    assert.equal(resolved, 2);
  });

  test('calls made while a commit is in progress form the next batch', async () => {
    const inner = new FakeLedger();
    const gate = deferred();
    inner.gate = gate.promise;
    const ledger = new GroupCommitLedger(inner);
    const first = ledger.recordPrepared([prepared('01')], new Date(1));
    await settle();
    const later = [prepared('02'), prepared('03'), prepared('04')].map((p) =>
      ledger.recordPrepared([p], new Date(2)),
    );
    await settle();
    assert.equal(inner.preparedCalls.length, 1, 'nothing more until the first commit ends');
    gate.release();
    await Promise.all([first, ...later]);
    assert.deepEqual(
      inner.preparedCalls.map((c) => c.serials),
      [['01'], ['02', '03', '04']],
    );
  });

  test('cuts batches at maxBatchEntries without splitting a call', async () => {
    const inner = new FakeLedger();
    const ledger = new GroupCommitLedger(inner, { maxBatchEntries: 4 });
    const sizes = [3, 1, 2, 2, 5, 1];
    let n = 0;
    const serialsOf = (size: number) =>
      Array.from({ length: size }, () => prepared((++n).toString(16).padStart(2, '0')));
    await Promise.all(sizes.map((size) => ledger.recordPrepared(serialsOf(size), new Date(1))));
    assert.deepEqual(
      inner.preparedCalls.map((c) => c.serials.length),
      [4, 4, 5, 1],
    );
  });

  test('hands each caller its own conflicted serials', async () => {
    const inner = new FakeLedger();
    inner.taken.add('02').add('05');
    const ledger = new GroupCommitLedger(inner);
    const results = await Promise.all([
      ledger.recordPrepared([prepared('01'), prepared('02')], new Date(1)),
      ledger.recordPrepared([prepared('03')], new Date(1)),
      ledger.recordPrepared([prepared('04'), prepared('05')], new Date(1)),
    ]);
    assert.deepEqual(results, [['02'], [], ['05']]);
    assert.equal(inner.preparedCalls.length, 1);
  });

  test('a serial already in the batch waits for the next one, so results map back unambiguously', async () => {
    const inner = new FakeLedger();
    const ledger = new GroupCommitLedger(inner);
    await Promise.all([
      ledger.recordPrepared([prepared('01')], new Date(1)),
      ledger.recordPrepared([prepared('01')], new Date(1)),
      ledger.recordPrepared([prepared('02')], new Date(1)),
    ]);
    assert.deepEqual(
      inner.preparedCalls.map((c) => c.serials),
      [['01'], ['01', '02']],
    );
  });

  test('a failing commit rejects every caller in it', async () => {
    const inner = new FakeLedger();
    inner.failWith = new PkiError('UNAVAILABLE', 'database gone');
    const ledger = new GroupCommitLedger(inner);
    const results = await Promise.allSettled([
      ledger.recordPrepared([prepared('01')], new Date(1)),
      ledger.recordSigned([signed('02')], new Date(1), audit),
      ledger.recordSigned([signed('03')], new Date(1), audit),
    ]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(isPkiError(result.reason, 'UNAVAILABLE'));
    }
    assert.equal(inner.signedCalls.length, 1, 'the two recordSigned calls shared one commit');
  });

  test('a CONFLICT from a shared commit is retried call by call, failing only the caller at fault', async () => {
    const inner = new FakeLedger();
    inner.unsignable.add('02');
    const ledger = new GroupCommitLedger(inner);
    const results = await Promise.allSettled([
      ledger.recordSigned([signed('01')], new Date(1), audit),
      ledger.recordSigned([signed('02'), signed('03')], new Date(2), audit),
      ledger.recordSigned([signed('04')], new Date(3), audit),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok(results[1]?.status === 'rejected' && isPkiError(results[1].reason, 'CONFLICT'));
    assert.deepEqual(
      inner.signedCalls.map((c) => [c.serials, c.at]),
      [
        [['01', '02', '03', '04'], 3],
        [['01'], 1],
        [['02', '03'], 2],
        [['04'], 3],
      ],
    );
  });

  test("passes each caller's audit events to the combined call; a throwing callback fails its caller only", async () => {
    const inner = new FakeLedger();
    const ledger = new GroupCommitLedger(inner);
    const named =
      (prefix: string) =>
      (entry: SignedCertificate): AuditEvent => ({ ...audit(entry), subject: `${prefix}/${entry.serial}` });
    const results = await Promise.allSettled([
      ledger.recordSigned([signed('01'), signed('02')], new Date(1), named('a')),
      ledger.recordSigned([signed('03')], new Date(1), () => {
        throw new Error('audit callback bug');
      }),
      ledger.recordSigned([signed('04')], new Date(1), named('b')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(inner.signedCalls, [
      {
        serials: ['01', '02', '04'],
        at: 1,
        events: ['cert.issued:a/01', 'cert.issued:a/02', 'cert.issued:b/04'],
      },
    ]);
  });

  test('empty calls return at once without an underlying call', async () => {
    const inner = new FakeLedger();
    const ledger = new GroupCommitLedger(inner);
    assert.deepEqual(await ledger.recordPrepared([], new Date(1)), []);
    await ledger.recordSigned([], new Date(1), audit);
    assert.equal(inner.preparedCalls.length + inner.signedCalls.length, 0);
  });
});

describe('GroupCommitLedger over a ledger that records batches', () => {
  /** A BatchCertificateLedger fake: one call per commit, prepared and signed together. */
  class FakeBatchLedger implements BatchCertificateLedger {
    readonly batches: Array<{ prepared: string[]; signed: string[]; events: string[] }> = [];
    readonly taken = new Set<string>(['dup']);
    recordPrepared(): Promise<readonly SerialHex[]> {
      throw new Error('GroupCommitLedger should use recordBatch');
    }
    recordSigned(): Promise<void> {
      throw new Error('GroupCommitLedger should use recordBatch');
    }
    recordBatch(batch: LedgerBatch): Promise<readonly SerialHex[]> {
      this.batches.push({
        prepared: batch.prepared.map((e) => e.serial),
        signed: batch.signed.map((e) => e.serial),
        events: batch.events.map((e) => String(e.subject)),
      });
      if (batch.signed.some((e) => e.serial === 'bad')) {
        return Promise.reject(new PkiError('CONFLICT', 'bad is not awaiting its signature'));
      }
      return Promise.resolve(batch.prepared.filter((e) => this.taken.has(e.serial)).map((e) => e.serial));
    }
  }

  test('prepared and signed calls of one turn share one commit, each caller gets its own result', async () => {
    const inner = new FakeBatchLedger();
    const ledger = new GroupCommitLedger(inner);
    const results = await Promise.all([
      ledger.recordPrepared([prepared('a1'), prepared('dup')], new Date(1)),
      ledger.recordSigned([signed('b1')], new Date(2), audit),
      ledger.recordPrepared([prepared('a2')], new Date(3)),
    ]);
    assert.deepEqual(results, [['dup'], undefined, []]);
    assert.deepEqual(inner.batches, [{ prepared: ['a1', 'dup', 'a2'], signed: ['b1'], events: ['b1'] }]);
  });

  test("one caller's conflicting content fails that caller only", async () => {
    const inner = new FakeBatchLedger();
    const ledger = new GroupCommitLedger(inner);
    const [good, bad] = await Promise.allSettled([
      ledger.recordPrepared([prepared('c1')], new Date(1)),
      ledger.recordSigned([signed('bad')], new Date(2), audit),
    ]);
    assert.equal(good.status, 'fulfilled');
    assert.ok(bad.status === 'rejected' && isPkiError(bad.reason, 'CONFLICT'));
  });
});
