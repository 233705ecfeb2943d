import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validityTimeline } from './validity-timeline.js';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString();
const NOW = Date.parse(day(50));

test('one axis from the earliest start to the latest end; bars and now in percent', () => {
  const timeline = validityTimeline(
    [
      { serial: 'old', notBefore: day(0), notAfter: day(60) },
      { serial: 'new', notBefore: day(40), notAfter: day(100) },
    ],
    NOW,
  );
  assert.equal(timeline.startMs, Date.parse(day(0)));
  assert.equal(timeline.endMs, Date.parse(day(100)));
  assert.deepEqual(timeline.bars, [
    { serial: 'old', startPercent: 0, widthPercent: 60 },
    { serial: 'new', startPercent: 40, widthPercent: 60 },
  ]);
  assert.equal(timeline.nowPercent, 50);
});

test('now outside every certificate widens the axis to include it', () => {
  const timeline = validityTimeline([{ serial: 'a', notBefore: day(0), notAfter: day(25) }], NOW);
  assert.equal(timeline.endMs, NOW);
  assert.equal(timeline.nowPercent, 100);
  assert.deepEqual(timeline.bars, [{ serial: 'a', startPercent: 0, widthPercent: 50 }]);
});

test('a very short certificate keeps a visible bar; unreadable dates are skipped; none is empty', () => {
  const timeline = validityTimeline(
    [
      { serial: 'long', notBefore: day(0), notAfter: day(1000) },
      { serial: 'short', notBefore: day(10), notAfter: new Date(Date.parse(day(10)) + 60_000).toISOString() },
      { serial: 'bad', notBefore: 'x', notAfter: day(5) },
    ],
    NOW,
  );
  assert.deepEqual(
    timeline.bars.map((b) => b.serial),
    ['long', 'short'],
  );
  assert.equal(timeline.bars[1]?.widthPercent, 0.5);
  assert.deepEqual(validityTimeline([], NOW), { startMs: NOW, endMs: NOW, bars: [], nowPercent: undefined });
});
