import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryAfterSeconds } from './retry-after.js';

const NOW = new Date('2025-06-01T12:00:00Z');

test('RFC 9110 §10.2.3: delay-seconds and HTTP-date; anything else is no answer', () => {
  const cases: [string | undefined, number | undefined][] = [
    [undefined, undefined],
    ['120', 120],
    [' 0 ', 0],
    ['Sun, 01 Jun 2025 12:01:30 GMT', 90],
    ['Sun, 01 Jun 2025 11:00:00 GMT', 0],
    ['-5', undefined],
    ['1.5', undefined],
    ['2025-06-01T12:01:30Z', undefined],
    ['soon', undefined],
  ];
  for (const [value, expected] of cases) assert.equal(retryAfterSeconds(value, NOW), expected, String(value));
});
