import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFaults, seededRandom } from './fault-plan.js';

const shares = { outage: 0.05, lostAnswer: 0.02, clockSkew: 0.05, permanent: 0.01 };

test('exact counts per fault, half of the permanent ones firmware bugs', () => {
  const plan = planFaults(2000, shares, { lifetimeSeconds: 90 }, 7);
  const count = (kind: string) => plan.filter((f) => f.kind === kind).length;
  assert.equal(plan.length, 2000);
  assert.equal(count('outage'), 100);
  assert.equal(count('lost-answer'), 40);
  assert.equal(count('clock-skew'), 100);
  assert.equal(count('firmware-bug'), 10);
  assert.equal(count('offline'), 10);
  assert.equal(count('none'), 1740);
});

test('the same seed gives the same plan, another seed another one', () => {
  const a = planFaults(500, shares, { lifetimeSeconds: 90 }, 1);
  assert.deepEqual(planFaults(500, shares, { lifetimeSeconds: 90 }, 1), a);
  assert.notDeepEqual(planFaults(500, shares, { lifetimeSeconds: 90 }, 2), a);
});

test('outages are short enough to ride out, darkness starts before the first renewal, some clocks are at 1970', () => {
  const plan = planFaults(
    4000,
    { outage: 0.3, lostAnswer: 0, clockSkew: 0.3, permanent: 0.2 },
    { lifetimeSeconds: 90 },
    3,
  );
  for (const fault of plan) {
    if (fault.kind === 'outage') {
      assert.equal(fault.seconds, 6);
      assert.ok(fault.afterSeconds >= 0 && fault.afterSeconds <= 180);
    }
    if (fault.kind === 'offline') assert.ok(fault.afterSeconds >= 9 && fault.afterSeconds <= 45);
    if (fault.kind === 'clock-skew' && !fault.epoch1970) assert.ok(Math.abs(fault.offsetSeconds) >= 3600);
  }
  const epoch = plan.filter((f) => f.kind === 'clock-skew' && f.epoch1970).length;
  assert.ok(epoch > 200 && epoch < 400, `${epoch} of 1200 skewed clocks at 1970`);
});

test('shares adding up to more than the fleet are refused', () => {
  assert.throws(
    () =>
      planFaults(
        10,
        { outage: 0.6, lostAnswer: 0, clockSkew: 0.6, permanent: 0 },
        { lifetimeSeconds: 90 },
        1,
      ),
    RangeError,
  );
});

test('seededRandom stays in [0, 1)', () => {
  const random = seededRandom(42);
  for (let i = 0; i < 10_000; i++) {
    const x = random();
    assert.ok(x >= 0 && x < 1);
  }
});
