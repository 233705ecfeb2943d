import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDurationSeconds } from './duration.js';
import { isPkiError } from './pki-error.js';

test('parses durations with units', () => {
  const cases: Array<[string, number]> = [
    ['90s', 90],
    ['5m', 300],
    ['1h', 3600],
    ['30d', 2_592_000],
    ['2w', 1_209_600],
    ['10y', 315_360_000],
    [' 14d ', 1_209_600],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDurationSeconds(text), seconds, text);
});

test('refuses malformed durations with a typed error', () => {
  for (const text of ['', '30', 'd', '-1d', '0d', '1.5d', '3 months', '9999999999999999y']) {
    assert.throws(
      () => parseDurationSeconds(text),
      (e) => isPkiError(e, 'MALFORMED_INPUT'),
      text,
    );
  }
});

test('formats seconds in the largest exact unit', () => {
  assert.equal(formatDuration(2_592_000), '30d');
  assert.equal(formatDuration(5400), '90m');
  assert.equal(formatDuration(31_536_000), '1y');
  assert.equal(formatDuration(61), '61s');
});
