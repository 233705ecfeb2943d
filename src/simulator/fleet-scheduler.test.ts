import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FleetScheduler } from './fleet-scheduler.js';

test('calls each item when it is due, in due order, never more than `concurrency` at once', async () => {
  const start = Date.now();
  const calls: string[] = [];
  let inFlight = 0;
  let most = 0;
  const item = (name: string, times: number) => {
    let left = times;
    return {
      name,
      async step() {
        inFlight++;
        most = Math.max(most, inFlight);
        calls.push(name);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        left--;
        return left > 0 ? Date.now() + 20 : Number.MAX_SAFE_INTEGER;
      },
    };
  };
  const scheduler = new FleetScheduler(2);
  scheduler.add(item('late', 1), start + 60);
  scheduler.add(item('a', 2), start);
  scheduler.add(item('b', 2), start + 1);
  scheduler.add(item('c', 1), start + 2);
  await new Promise((resolve) => setTimeout(resolve, 150));
  await scheduler.stop();
  assert.deepEqual(calls.slice(0, 3), ['a', 'b', 'c']);
  assert.deepEqual([...calls].sort(), ['a', 'a', 'b', 'b', 'c', 'late']);
  assert.equal(calls.at(-1), 'late');
  assert.equal(most, 2);
});

test('a step that throws is reported and tried again later', async () => {
  const errors: unknown[] = [];
  let calls = 0;
  const scheduler = new FleetScheduler<{ step(): Promise<number> }>(1, Date.now, (_item, error) =>
    errors.push(error),
  );
  scheduler.add(
    {
      step: () => {
        calls++;
        return Promise.reject(new Error('boom'));
      },
    },
    Date.now(),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  await scheduler.stop();
  assert.equal(calls, 1, 'retried after a second, not at once');
  assert.equal(errors.length, 1);
});
