import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { CrlRecord, CrlStore } from '../store/crl-store.js';
import { CrlPublisher } from './crl-publisher.js';
import { CrlSchedule } from './crl-schedule.js';

const A = 'factory' as IssuerId;
const B = 'operational' as IssuerId;
const BROKEN = 'broken' as IssuerId;
const COALESCE_MS = 500;
const CHECK_SECONDS = 300;

class MemoryCrlStore implements CrlStore {
  readonly records: CrlRecord[] = [];

  latest(issuerId: IssuerId): Promise<CrlRecord | undefined> {
    return Promise.resolve(
      this.records.filter((r) => r.issuerId === issuerId).sort((a, b) => b.crlNumber - a.crlNumber)[0],
    );
  }

  highestNumber(issuerId: IssuerId): Promise<number> {
    return Promise.resolve(
      Math.max(0, ...this.records.filter((r) => r.issuerId === issuerId).map((r) => r.crlNumber)),
    );
  }

  add(crl: CrlRecord): Promise<void> {
    this.records.push(crl);
    return Promise.resolve();
  }
}

interface Fixture {
  readonly schedule: CrlSchedule;
  readonly publisher: CrlPublisher;
  readonly clock: ManualClock;
  readonly crls: MemoryCrlStore;
  /** Issuers in the order their CRLs were signed. */
  readonly signed: IssuerId[];
  readonly errors: Array<{ fields: Record<string, unknown>; message: string }>;
}

/**
 * A schedule over a real CrlPublisher whose signer is a stub: it answers after a turn of the event loop (as a
 * real signature on the thread pool does) and fails for BROKEN.
 */
function fixture(issuerIds: readonly IssuerId[] = [A, B]): Fixture {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  const crls = new MemoryCrlStore();
  const signed: IssuerId[] = [];
  const errors: Fixture['errors'] = [];
  const publisher = new CrlPublisher({
    crls,
    certificates: { listRevoked: () => Promise.resolve([]) },
    sign: (issuerId) =>
      new Promise((resolve, reject) =>
        setImmediate(() => {
          if (issuerId === BROKEN) return reject(new PkiError('UNAVAILABLE', 'HSM unreachable'));
          signed.push(issuerId);
          resolve(Uint8Array.of(0x30, 0x00));
        }),
      ),
    clock,
    policy: { validitySeconds: 86_400, republishBeforeSeconds: 43_200 },
  });
  const schedule = new CrlSchedule(
    publisher,
    () => issuerIds,
    { checkIntervalSeconds: CHECK_SECONDS, coalesceMs: COALESCE_MS },
    { error: (fields, message) => errors.push({ fields, message }) },
  );
  return { schedule, publisher, clock, crls, signed, errors };
}

/** Lets pending publications (a few event-loop turns each) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function fakeTimers(t: TestContext): void {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
}

const count = (list: readonly IssuerId[], id: IssuerId) => list.filter((x) => x === id).length;

describe('CrlSchedule', () => {
  test('revocations within coalesceMs share one publication per issuer', async (t) => {
    fakeTimers(t);
    const { schedule, signed, crls } = fixture();
    schedule.revoked([A]);
    t.mock.timers.tick(200);
    schedule.revoked([A, B]);
    schedule.revoked([B]);
    t.mock.timers.tick(COALESCE_MS - 201);
    await settle();
    assert.deepEqual(signed, [], 'nothing before coalesceMs after the first revocation');
    t.mock.timers.tick(1);
    await settle();
    assert.deepEqual([...signed].sort(), [A, B], 'one CRL each');
    assert.deepEqual(crls.records.map((r) => [r.issuerId, r.crlNumber]).sort(), [
      [A, 1],
      [B, 1],
    ]);

    schedule.revoked([B]);
    t.mock.timers.tick(COALESCE_MS);
    await settle();
    assert.equal(count(signed, B), 2, 'a later revocation publishes again');
    assert.equal(count(signed, A), 1);
    await schedule.stop();
  });

  test('flush() publishes what is pending at once; the timer then finds nothing left', async (t) => {
    fakeTimers(t);
    const { schedule, signed } = fixture();
    schedule.revoked([A]);
    await schedule.flush();
    assert.deepEqual(signed, [A], 'published when flush() resolves');
    t.mock.timers.tick(COALESCE_MS);
    await settle();
    assert.deepEqual(signed, [A], 'not published twice');
    await schedule.flush();
    assert.deepEqual(signed, [A], 'flushing with nothing pending publishes nothing');
  });

  test('flush() resolves only after every pending publication, even with flushes in flight', async () => {
    const { schedule, signed } = fixture();
    schedule.revoked([A]);
    const first = schedule.flush();
    schedule.revoked([B]);
    const second = schedule.flush();
    const third = schedule.flush();
    await third;
    assert.deepEqual([...signed].sort(), [A, B], 'the last flush waited for A and B');
    await Promise.all([first, second]);
    assert.equal(signed.length, 2);
    await schedule.stop();
  });

  test('stop() publishes what is pending and cancels the timers', async (t) => {
    fakeTimers(t);
    const { schedule, signed } = fixture();
    schedule.start();
    await settle();
    assert.deepEqual([...signed].sort(), [A, B], 'start() publishes missing CRLs at once');
    schedule.revoked([B]);
    await schedule.stop();
    assert.equal(count(signed, B), 2, 'the pending revocation was published before stop() resolved');
    t.mock.timers.tick(CHECK_SECONDS * 1000 * 3);
    await settle();
    assert.equal(signed.length, 3, 'no timer runs after stop()');
  });

  test('stop() waits for a publication the coalescing timer started', async (t) => {
    fakeTimers(t);
    const { schedule, signed } = fixture();
    schedule.revoked([A]);
    t.mock.timers.tick(COALESCE_MS);
    await schedule.stop();
    assert.deepEqual(signed, [A]);
  });

  test('the periodic check republishes only the CRLs that are due', async (t) => {
    fakeTimers(t);
    const { schedule, publisher, clock, signed, crls } = fixture();
    const a = await publisher.publish(A);
    clock.advanceSeconds(6 * 3600);
    await publisher.publish(B);
    signed.length = 0;

    schedule.start();
    await settle();
    assert.deepEqual(signed, [], 'both fresh at start');

    // A's nextUpdate is 24h after its thisUpdate; 12h before that it is due, B (6h younger) is not.
    clock.set(a.nextUpdate.getTime() - 43_200_000 + 1000);
    t.mock.timers.tick(CHECK_SECONDS * 1000 - 1);
    await settle();
    assert.deepEqual(signed, [], 'not before the check interval');
    t.mock.timers.tick(1);
    await settle();
    assert.deepEqual(signed, [A]);
    assert.equal((await crls.latest(A))?.crlNumber, 2);

    clock.advanceSeconds(6 * 3600);
    t.mock.timers.tick(CHECK_SECONDS * 1000);
    await settle();
    assert.deepEqual(signed, [A, B], 'B falls due 6h later; A, just republished, does not');
    await schedule.stop();
  });

  test('a failing publication is logged, not thrown, and does not stop the others', async (t) => {
    fakeTimers(t);
    const { schedule, signed, errors } = fixture([A, BROKEN]);
    schedule.revoked([BROKEN, A]);
    await schedule.flush();
    assert.deepEqual(signed, [A]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.message, 'CRL publication failed');
    assert.equal(errors[0]?.fields['issuerId'], BROKEN);
    assert.ok(errors[0]?.fields['err'] instanceof PkiError);

    schedule.start();
    await settle();
    assert.deepEqual(
      errors.slice(1).map((e) => [e.message, e.fields['issuerId']]),
      [['CRL refresh failed', BROKEN]],
      'the periodic check logs too',
    );
    assert.deepEqual(signed, [A], "A's CRL is fresh");
    await schedule.stop();
  });
});
