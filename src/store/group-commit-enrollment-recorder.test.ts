import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeviceId } from '../core/ids.js';
import { PkiError, isPkiError } from '../core/pki-error.js';
import type { EnrollmentOutcome, EnrollmentRecorder } from './enrollment-recorder.js';
import { GroupCommitEnrollmentRecorder } from './group-commit-enrollment-recorder.js';

function outcome(name: string): EnrollmentOutcome {
  return {
    event: {
      at: new Date(1000),
      deviceId: name as DeviceId,
      protocol: 'est',
      operation: 'simpleenroll',
      profile: 'ldevid',
      issuerId: null,
      outcome: 'issued',
      reasonCode: null,
      reason: null,
      requester: name,
      certificateSerial: null,
    },
  };
}

/** Records each underlying call by requester; waits for `gate` if set; an outcome named `bad*` fails its call. */
class FakeRecorder implements EnrollmentRecorder {
  readonly calls: string[][] = [];
  readonly committed: string[] = [];
  gate: Promise<void> | undefined;
  failWith: Error | undefined;

  async record(outcomes: readonly EnrollmentOutcome[]): Promise<void> {
    const names = outcomes.map((o) => o.event.requester);
    this.calls.push(names);
    await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    if (names.some((n) => n.startsWith('bad'))) throw new PkiError('CONFLICT', 'superseded by another');
    this.committed.push(...names);
  }
}

function deferred() {
  let release = () => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('GroupCommitEnrollmentRecorder', () => {
  test('calls made in one turn are one underlying call, in order, resolving after it commits', async () => {
    const inner = new FakeRecorder();
    const gate = deferred();
    inner.gate = gate.promise;
    const recorder = new GroupCommitEnrollmentRecorder(inner);
    const settled: string[] = [];
    const calls = ['a', 'b', 'c'].map((n) => recorder.record([outcome(n)]).then(() => settled.push(n)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(inner.calls, [['a', 'b', 'c']]);
    assert.deepEqual(settled, [], 'nothing resolves before the commit');
    gate.release();
    await Promise.all(calls);
    assert.deepEqual(settled, ['a', 'b', 'c']);
    assert.deepEqual(recorder.commits, { transactions: 1, outcomes: 3 });
  });

  test('calls made while a commit is in progress are coalesced into the next one', async () => {
    const inner = new FakeRecorder();
    const first = deferred();
    inner.gate = first.promise;
    const recorder = new GroupCommitEnrollmentRecorder(inner);
    const a = recorder.record([outcome('a')]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(inner.calls, [['a']]);
    const later = ['b', 'c', 'd'].map((n) => recorder.record([outcome(n), outcome(`${n}2`)]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(inner.calls.length, 1, 'one commit at a time');
    inner.gate = undefined;
    first.release();
    await Promise.all([a, ...later]);
    assert.deepEqual(inner.calls, [['a'], ['b', 'b2', 'c', 'c2', 'd', 'd2']]);
    assert.deepEqual(recorder.commits, { transactions: 2, outcomes: 7 });
  });

  test('a call that fails for its content fails alone; its neighbours commit', async () => {
    const inner = new FakeRecorder();
    const recorder = new GroupCommitEnrollmentRecorder(inner);
    const results = await Promise.allSettled(
      ['a', 'bad', 'c'].map((n) => recorder.record([outcome(n), outcome(`${n}-2`)])),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok(results[1]?.status === 'rejected' && isPkiError(results[1].reason, 'CONFLICT'));
    assert.deepEqual(inner.committed, ['a', 'a-2', 'c', 'c-2']);
    assert.deepEqual(inner.calls, [
      ['a', 'a-2', 'bad', 'bad-2', 'c', 'c-2'],
      ['a', 'a-2'],
      ['bad', 'bad-2'],
      ['c', 'c-2'],
    ]);
  });

  test('an unavailable store fails every call of the batch', async () => {
    const inner = new FakeRecorder();
    inner.failWith = new PkiError('UNAVAILABLE', 'down');
    const recorder = new GroupCommitEnrollmentRecorder(inner);
    const results = await Promise.allSettled(['a', 'b'].map((n) => recorder.record([outcome(n)])));
    assert.ok(results.every((r) => r.status === 'rejected' && isPkiError(r.reason, 'UNAVAILABLE')));
    assert.equal(inner.calls.length, 1);
    assert.deepEqual(recorder.commits, { transactions: 0, outcomes: 0 });
  });

  test('a batch is cut at maxBatchOutcomes without splitting a call; nothing to record is no call', async () => {
    const inner = new FakeRecorder();
    const recorder = new GroupCommitEnrollmentRecorder(inner, { maxBatchOutcomes: 3 });
    await recorder.record([]);
    assert.deepEqual(inner.calls, []);
    await Promise.all([
      recorder.record([outcome('a'), outcome('a2')]),
      recorder.record([outcome('b'), outcome('b2')]),
      recorder.record([outcome('c'), outcome('c2'), outcome('c3'), outcome('c4')]),
      recorder.record([outcome('d')]),
    ]);
    assert.deepEqual(inner.calls, [['a', 'a2'], ['b', 'b2'], ['c', 'c2', 'c3', 'c4'], ['d']]);
  });
});
