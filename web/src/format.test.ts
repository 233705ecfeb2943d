import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  daysLeftClass,
  formatCount,
  formatSeconds,
  formatUtc,
  formatUtcDate,
  formatUtcTime,
  hostPort,
  humanize,
  plural,
  relativeTime,
  shortHex,
  clip,
} from './format.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');

test('times are shown in UTC whatever the zone they were written in', () => {
  assert.equal(formatUtc('2026-11-27T14:05:09.123Z'), '2026-11-27 14:05 UTC');
  assert.equal(formatUtc('2026-11-27T23:30:00+02:00'), '2026-11-27 21:30 UTC');
  assert.equal(formatUtcDate('2026-11-28T01:00:00+03:00'), '2026-11-27');
  assert.equal(formatUtcTime(Date.parse('2026-11-27T08:07:06Z')), '08:07:06 UTC');
  assert.equal(formatUtc('garbage'), 'garbage');
});

test('relative hints use the largest unit that stays short, days only from 48 h', () => {
  const cases: [string, string][] = [
    ['2026-11-27T12:00:30Z', 'now'],
    ['2026-11-27T11:59:31Z', 'now'],
    ['2026-11-27T12:12:00Z', 'in 12 min'],
    ['2026-11-27T11:15:00Z', '45 min ago'],
    ['2026-11-28T12:00:00Z', 'in 24 h'],
    ['2026-11-29T11:00:00Z', 'in 47 h'],
    ['2026-11-29T12:00:00Z', 'in 2 d'],
    ['2026-12-02T18:00:00Z', 'in 5 d'],
    ['2026-11-20T12:00:00Z', '7 d ago'],
  ];
  for (const [iso, expected] of cases) assert.equal(relativeTime(iso, NOW), expected, iso);
  assert.equal(relativeTime('garbage', NOW), '');
});

test('durations take the largest whole unit', () => {
  assert.equal(formatSeconds(7 * 86_400), '7 d');
  assert.equal(formatSeconds(86_400), '1 d');
  assert.equal(formatSeconds(36 * 3600), '36 h');
  assert.equal(formatSeconds(1800), '30 min');
  assert.equal(formatSeconds(90), '90 s');
});

test('counts, names, hex and addresses', () => {
  assert.equal(formatCount(1_234_567), '1,234,567');
  assert.equal(plural(1, 'device'), '1 device');
  assert.equal(plural(2_000, 'device'), '2,000 devices');
  assert.equal(plural(0, 'root'), '0 roots');
  assert.equal(humanize('renewal_due'), 'renewal due');
  assert.equal(humanize('renewed-not-deployed'), 'renewed not deployed');
  assert.equal(shortHex('0123456789abcdef0123', 8), '01234567…');
  assert.equal(shortHex('0123456789', 16), '0123456789');
  assert.equal(hostPort('mqtt.example.com', 8883), 'mqtt.example.com:8883');
  assert.equal(hostPort('2001:db8::1', 443), '[2001:db8::1]:443');
  assert.equal(clip('abcdef', 6), 'abcdef');
  assert.equal(clip('abcdefg', 6), 'abcde…');
});

test('days left: expired and within a week stand out', () => {
  assert.equal(daysLeftClass(null), 'number');
  assert.equal(daysLeftClass(-1), 'number days-expired');
  assert.equal(daysLeftClass(0), 'number days-soon');
  assert.equal(daysLeftClass(7), 'number days-soon');
  assert.equal(daysLeftClass(8), 'number');
});
