import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import type { NewDelivery } from '../../src/store/delivery-log.js';
import { type StoreEngine, storeEngines, type StoreUnderTest } from '../helpers/store-engines.js';

const T0 = new Date('2030-01-01T00:00:00.123Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function delivery(overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    ruleId: 'rule-1',
    ruleName: 'expiry',
    subjectKey: 'endpoint:e1',
    event: 'firing',
    level: '7d',
    channel: 'slack',
    payload: { summary: 'e1 expires', nested: { n: 1 } },
    nextAttemptAt: at(0),
    ...overrides,
  };
}

/** A store of its own per test: what is due depends on every pending delivery in the store. */
async function withStore(engine: StoreEngine, use: (s: StoreUnderTest) => Promise<void>): Promise<void> {
  const opened = await engine.create();
  try {
    await use(opened);
  } finally {
    await opened.dispose();
  }
}

for (const engine of storeEngines) {
  describe(`DeliveryLog (${engine.name})`, () => {
    test('enqueues pending deliveries and lists them newest first, by status, rule and channel, in pages', () =>
      withStore(engine, async ({ store }) => {
        const added = await store.alertDeliveries.enqueue(
          [
            delivery(),
            delivery({ channel: 'mail' }),
            delivery({ ruleName: 'expired', level: 'firing', event: 'resolved' }),
          ],
          at(-5),
        );
        assert.deepEqual(
          added.map((d) => [d.channel, d.status, d.attempts, d.lastError, d.deliveredAt]),
          [
            ['slack', 'pending', 0, null, null],
            ['mail', 'pending', 0, null, null],
            ['slack', 'pending', 0, null, null],
          ],
        );
        const [first] = added;
        assert.ok(first);
        assert.deepEqual(first, {
          ...delivery(),
          id: first.id,
          status: 'pending',
          attempts: 0,
          lastError: null,
          createdAt: at(-5),
          deliveredAt: null,
        });
        assert.deepEqual(await store.alertDeliveries.get(first.id), first);
        assert.equal(await store.alertDeliveries.get(first.id + 1000), undefined);
        const [a, b, c] = added.map((d) => d.id);
        assert.ok(a !== undefined && b !== undefined && c !== undefined);
        assert.deepEqual(
          (await store.alertDeliveries.list({})).map((d) => d.id),
          [c, b, a],
        );
        assert.deepEqual(
          (await store.alertDeliveries.list({ channel: 'mail' })).map((d) => d.id),
          [b],
        );
        assert.deepEqual(
          (await store.alertDeliveries.list({ ruleName: 'expired' })).map((d) => d.id),
          [c],
        );
        assert.deepEqual(
          (await store.alertDeliveries.list({ status: 'delivered' })).map((d) => d.id),
          [],
        );
        assert.deepEqual(
          (await store.alertDeliveries.list({ limit: 2 })).map((d) => d.id),
          [c, b],
        );
        assert.deepEqual(
          (await store.alertDeliveries.list({ limit: 2, beforeId: b })).map((d) => d.id),
          [a],
        );
        assert.deepEqual(await store.alertDeliveries.enqueue([], at(0)), []);
      }));

    test('bad input is refused with nothing written', () =>
      withStore(engine, async ({ store }) => {
        const cases: Array<[() => Promise<unknown>, RegExp]> = [
          [
            () => store.alertDeliveries.enqueue([delivery(), delivery({ payload: undefined })], at(0)),
            /not storable JSON/,
          ],
          [
            () =>
              store.alertDeliveries.enqueue([delivery(), delivery({ event: 'maybe' as 'firing' })], at(0)),
            /firing or resolved/,
          ],
          [
            () => store.alertDeliveries.enqueue([delivery({ nextAttemptAt: new Date(Number.NaN) })], at(0)),
            /not a valid time/,
          ],
          [() => store.alertDeliveries.claimDue(at(0), { limit: 10, leaseMs: 0 }), /lease/],
          [() => store.alertDeliveries.claimDue(at(0), { limit: 0, leaseMs: 1000 }), /limit/],
          [() => store.alertDeliveries.list({ limit: -1 }), /limit/],
        ];
        for (const [call, message] of cases) {
          await assert.rejects(
            call(),
            (error: unknown) => isPkiError(error, 'MALFORMED_INPUT') && message.test(error.message),
          );
        }
        assert.deepEqual(await store.alertDeliveries.list({}), []);
        // A refused claim claimed nothing: the delivery is still due at once.
        const [queued] = await store.alertDeliveries.enqueue([delivery()], at(0));
        await assert.rejects(store.alertDeliveries.claimDue(at(0), { limit: 10, leaseMs: 0 }));
        assert.deepEqual(
          (await store.alertDeliveries.claimDue(at(0), { limit: 10, leaseMs: 1000 })).map((d) => d.id),
          [queued?.id],
        );
      }));

    test('claimDue takes due deliveries soonest first, leases them, and gives them back when the lease lapses', () =>
      withStore(engine, async ({ store }) => {
        const [later, sooner, future] = await store.alertDeliveries.enqueue(
          [
            delivery({ nextAttemptAt: at(5) }),
            delivery({ nextAttemptAt: at(1) }),
            delivery({ nextAttemptAt: at(100) }),
          ],
          at(0),
        );
        assert.ok(later && sooner && future);
        assert.deepEqual(await store.alertDeliveries.claimDue(at(0), { limit: 10, leaseMs: 30_000 }), []);
        const one = await store.alertDeliveries.claimDue(at(10), { limit: 1, leaseMs: 30_000 });
        assert.deepEqual(
          one.map((d) => [d.id, d.leaseUntil]),
          [[sooner.id, at(40)]],
        );
        const rest = await store.alertDeliveries.claimDue(at(10), { limit: 10, leaseMs: 30_000 });
        assert.deepEqual(
          rest.map((d) => d.id),
          [later.id],
        );
        assert.deepEqual(await store.alertDeliveries.claimDue(at(39), { limit: 10, leaseMs: 30_000 }), []);
        // The first claim's lease lapsed at 40 s (nobody recorded an outcome): claimable again, with a new lease.
        const again = await store.alertDeliveries.claimDue(at(40), { limit: 10, leaseMs: 30_000 });
        assert.deepEqual(
          again.map((d) => [d.id, d.leaseUntil, d.attempts]),
          [
            [later.id, at(70), 0],
            [sooner.id, at(70), 0],
          ],
        );
        assert.equal(
          (await store.alertDeliveries.get(future.id))?.nextAttemptAt.getTime(),
          at(100).getTime(),
        );
      }));

    test('two dispatchers claiming at once never get the same delivery', () =>
      withStore(engine, async ({ store, openAnother }) => {
        const other = await openAnother();
        try {
          const queued = await store.alertDeliveries.enqueue(
            Array.from({ length: 40 }, (_, i) => delivery({ subjectKey: `endpoint:e${i}` })),
            at(0),
          );
          const claims = await Promise.all([
            store.alertDeliveries.claimDue(at(1), { limit: 25, leaseMs: 60_000 }),
            other.alertDeliveries.claimDue(at(1), { limit: 25, leaseMs: 60_000 }),
            store.alertDeliveries.claimDue(at(1), { limit: 25, leaseMs: 60_000 }),
          ]);
          const ids = claims.flat().map((d) => d.id);
          assert.equal(new Set(ids).size, ids.length, 'no delivery claimed twice');
          // On PostgreSQL a claim that lost rows to a concurrent one may come back short; what is left is
          // still due, and one more claim takes it.
          const rest = await store.alertDeliveries.claimDue(at(1), { limit: 100, leaseMs: 60_000 });
          const all = [...ids, ...rest.map((d) => d.id)];
          assert.equal(new Set(all).size, all.length, 'no delivery claimed twice');
          assert.deepEqual(
            all.sort((x, y) => x - y),
            queued.map((d) => d.id),
          );
        } finally {
          await other.close();
        }
      }));

    test('recordAttempt counts each attempt and logs its outcome: retry, then delivered', () =>
      withStore(engine, async ({ store }) => {
        const [queued] = await store.alertDeliveries.enqueue([delivery()], at(0));
        assert.ok(queued);
        const [claim] = await store.alertDeliveries.claimDue(at(0), { limit: 1, leaseMs: 30_000 });
        assert.ok(claim);
        assert.equal(
          await store.alertDeliveries.recordAttempt(
            claim,
            { outcome: 'retry', error: 'HTTP 503', nextAttemptAt: at(60) },
            at(2),
            1234.4,
          ),
          true,
        );
        let stored = await store.alertDeliveries.get(queued.id);
        assert.deepEqual(
          [stored?.status, stored?.attempts, stored?.lastError, stored?.nextAttemptAt],
          ['pending', 1, 'HTTP 503', at(60)],
        );
        assert.deepEqual(await store.alertDeliveries.claimDue(at(59), { limit: 1, leaseMs: 30_000 }), []);
        const [second] = await store.alertDeliveries.claimDue(at(60), { limit: 1, leaseMs: 30_000 });
        assert.ok(second);
        assert.equal(second.attempts, 1);
        assert.equal(
          await store.alertDeliveries.recordAttempt(second, { outcome: 'delivered' }, at(61), 20),
          true,
        );
        stored = await store.alertDeliveries.get(queued.id);
        assert.deepEqual(
          [stored?.status, stored?.attempts, stored?.lastError, stored?.deliveredAt],
          ['delivered', 2, null, at(61)],
        );
        assert.deepEqual(await store.alertDeliveries.attempts(queued.id), [
          {
            deliveryId: queued.id,
            attempt: 1,
            at: at(2),
            outcome: 'retry',
            error: 'HTTP 503',
            durationMs: 1234,
          },
          {
            deliveryId: queued.id,
            attempt: 2,
            at: at(61),
            outcome: 'delivered',
            error: null,
            durationMs: 20,
          },
        ]);
        assert.deepEqual(await store.alertDeliveries.claimDue(at(1000), { limit: 10, leaseMs: 30_000 }), []);
        assert.deepEqual(
          (await store.alertDeliveries.list({ status: 'delivered' })).map((d) => d.id),
          [queued.id],
        );
      }));

    test('a failed outcome ends the delivery; a long error is cut', () =>
      withStore(engine, async ({ store }) => {
        const [queued] = await store.alertDeliveries.enqueue([delivery()], at(0));
        const [claim] = await store.alertDeliveries.claimDue(at(0), { limit: 1, leaseMs: 30_000 });
        assert.ok(queued && claim);
        assert.equal(
          await store.alertDeliveries.recordAttempt(
            claim,
            { outcome: 'failed', error: 'x'.repeat(5000) },
            at(1),
            5,
          ),
          true,
        );
        const stored = await store.alertDeliveries.get(queued.id);
        assert.equal(stored?.status, 'failed');
        assert.equal(stored?.lastError?.length, 1000);
        assert.deepEqual(await store.alertDeliveries.claimDue(at(1000), { limit: 10, leaseMs: 30_000 }), []);
        assert.equal((await store.alertDeliveries.attempts(queued.id))[0]?.outcome, 'failed');
      }));

    test('an outcome on a lapsed claim that someone else took over is refused, recording nothing', () =>
      withStore(engine, async ({ store }) => {
        const [queued] = await store.alertDeliveries.enqueue([delivery()], at(0));
        const [stale] = await store.alertDeliveries.claimDue(at(0), { limit: 1, leaseMs: 10_000 });
        const [fresh] = await store.alertDeliveries.claimDue(at(10), { limit: 1, leaseMs: 10_000 });
        assert.ok(queued && stale && fresh);
        assert.equal(
          await store.alertDeliveries.recordAttempt(stale, { outcome: 'delivered' }, at(11), 1),
          false,
        );
        let stored = await store.alertDeliveries.get(queued.id);
        assert.deepEqual([stored?.status, stored?.attempts], ['pending', 0]);
        assert.deepEqual(await store.alertDeliveries.attempts(queued.id), []);
        assert.equal(
          await store.alertDeliveries.recordAttempt(fresh, { outcome: 'delivered' }, at(12), 1),
          true,
        );
        // Recording twice on the same claim: the delivery is no longer pending.
        assert.equal(
          await store.alertDeliveries.recordAttempt(fresh, { outcome: 'failed', error: 'late' }, at(13), 1),
          false,
        );
        stored = await store.alertDeliveries.get(queued.id);
        assert.deepEqual([stored?.status, stored?.attempts, stored?.lastError], ['delivered', 1, null]);
      }));
  });
}
