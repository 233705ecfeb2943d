import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.js';
import { RefreshingValue } from './refreshing-value.js';

function counter(clock: ManualClock, maxAgeSeconds = 15) {
  const loads: Date[] = [];
  const failures: unknown[] = [];
  let fail = false;
  let release: (() => void) | undefined;
  let hold = false;
  const value = new RefreshingValue(
    async (now) => {
      loads.push(now);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      if (fail) throw new Error('store down');
      return loads.length;
    },
    { clock, maxAgeSeconds, onFailure: (error) => failures.push(error) },
  );
  return {
    value,
    loads,
    failures,
    set fail(on: boolean) {
      fail = on;
    },
    set hold(on: boolean) {
      hold = on;
    },
    release: () => release?.(),
  };
}

describe('RefreshingValue', () => {
  test('loads at most once per maxAgeSeconds, at the time of the clock', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const c = counter(clock);
    assert.equal(await c.value.get(), 1);
    clock.advanceSeconds(14);
    assert.equal(await c.value.get(), 1);
    clock.advanceSeconds(1);
    assert.equal(await c.value.get(), 2);
    assert.deepEqual(
      c.loads.map((d) => d.toISOString()),
      ['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:15.000Z'],
    );
  });

  test('callers during a load share it', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const c = counter(clock);
    c.hold = true;
    const first = c.value.get();
    const second = c.value.get();
    await new Promise((resolve) => setImmediate(resolve));
    c.release();
    assert.deepEqual(await Promise.all([first, second]), [1, 1]);
    assert.equal(c.loads.length, 1);
  });

  test('a failed load is reported once, not kept, and the next call loads again', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const c = counter(clock);
    c.fail = true;
    const waiting = [c.value.get(), c.value.get()];
    for (const p of waiting) await assert.rejects(p, /store down/);
    assert.equal(c.failures.length, 1);
    assert.equal(await c.value.getOrUndefined(), undefined);
    assert.equal(c.failures.length, 2);
    c.fail = false;
    assert.equal(await c.value.get(), 3);
  });

  test('a load that throws at once fails like one that rejects', async () => {
    const failures: unknown[] = [];
    const value = new RefreshingValue<number>(
      () => {
        throw new Error('thrown');
      },
      { clock: new ManualClock(0), maxAgeSeconds: 1, onFailure: (e) => failures.push(e) },
    );
    await assert.rejects(value.get(), /thrown/);
    assert.equal(failures.length, 1);
  });

  test('a clock set back makes the cached value stale', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const c = counter(clock);
    await c.value.get();
    clock.advanceSeconds(-60);
    assert.equal(await c.value.get(), 2);
  });
});
