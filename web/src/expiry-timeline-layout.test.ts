import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  busiestDay,
  dayTotal,
  everyDay,
  niceCeiling,
  seriesOrder,
  seriesTotals,
  stackBars,
} from './expiry-timeline-layout.js';

test('every calendar day is present, with the API buckets where it sent them', () => {
  const days = everyDay('2026-11-27T00:00:00.000Z', 4, [
    { date: '2026-11-28', counts: { healthy: 2 } },
    { date: '2026-12-30', counts: { healthy: 9 } }, // outside the period: left out
  ]);
  assert.deepEqual(days, [
    { date: '2026-11-27', counts: {} },
    { date: '2026-11-28', counts: { healthy: 2 } },
    { date: '2026-11-29', counts: {} },
    { date: '2026-11-30', counts: {} },
  ]);
});

test('the period starts on the UTC day of `from`, across a month and a year end', () => {
  const days = everyDay('2026-12-31T15:00:00+09:00', 3, []);
  assert.deepEqual(
    days.map((d) => d.date),
    ['2026-12-31', '2027-01-01', '2027-01-02'],
  );
});

test('series: fleet states in life-cycle order first, then issuers sorted; empty series dropped', () => {
  const order = seriesOrder([
    { date: 'a', counts: { revoked: 1, healthy: 0, zeta: 1 } },
    { date: 'b', counts: { at_risk: 2, alpha: 3, provisioned: 1 } },
  ]);
  assert.deepEqual(order, ['provisioned', 'at_risk', 'revoked', 'alpha', 'zeta']);
});

test('nice ceilings are 1, 2 or 5 times a power of ten', () => {
  const cases: [number, number][] = [
    [0, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [10, 10],
    [11, 20],
    [43, 50],
    [87, 100],
    [101, 200],
    [999_001, 1_000_000],
  ];
  for (const [n, expected] of cases) assert.equal(niceCeiling(n), expected, String(n));
});

test('bars stack bottom-up in series order, scaled to the nice ceiling', () => {
  const days = [
    { date: 'd1', counts: { healthy: 30, at_risk: 10 } },
    { date: 'd2', counts: {} },
    { date: 'd3', counts: { at_risk: 5 } },
  ];
  const { bars, maxTotal, scaleMax } = stackBars(days, ['healthy', 'at_risk'], {
    width: 300,
    height: 100,
    gapShare: 0.2,
  });
  assert.equal(maxTotal, 40);
  assert.equal(scaleMax, 50);
  assert.equal(bars.length, 3);
  const [d1, d2, d3] = bars;
  assert.ok(d1 !== undefined && d2 !== undefined && d3 !== undefined);
  assert.equal(d1.x, 10);
  assert.equal(d1.width, 80);
  assert.equal(d2.x, 110);
  assert.deepEqual(d1.segments, [
    { key: 'healthy', count: 30, y: 40, height: 60 },
    { key: 'at_risk', count: 10, y: 20, height: 20 },
  ]);
  assert.deepEqual(d2.segments, []);
  assert.equal(d2.total, 0);
  assert.deepEqual(d3.segments, [{ key: 'at_risk', count: 5, y: 90, height: 10 }]);
});

test('no days: no bars and a scale that still divides', () => {
  const { bars, scaleMax } = stackBars([], [], { width: 100, height: 100, gapShare: 0.2 });
  assert.deepEqual(bars, []);
  assert.equal(scaleMax, 1);
});

test('summaries: totals per series, the busiest day (first on a tie), none when empty', () => {
  const days = [
    { date: 'd1', counts: { a: 1, b: 2 } },
    { date: 'd2', counts: { a: 3 } },
    { date: 'd3', counts: { b: 3 } },
  ];
  assert.equal(dayTotal(days[0] ?? { date: '', counts: {} }), 3);
  assert.deepEqual(
    [...seriesTotals(days, ['a', 'b'])],
    [
      ['a', 4],
      ['b', 5],
    ],
  );
  assert.deepEqual(busiestDay(days), { date: 'd1', total: 3 });
  assert.equal(busiestDay([{ date: 'd', counts: {} }]), undefined);
});
