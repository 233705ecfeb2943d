import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quietUntil } from './quiet-hours.js';

describe('quietUntil', () => {
  const cases: Array<[string, { start: string; end: string; timeZone: string }, string, string | undefined]> =
    [
      [
        'inside, before midnight',
        { start: '22:00', end: '07:00', timeZone: 'UTC' },
        '2026-11-27T23:15:30Z',
        '2026-11-28T07:00:00.000Z',
      ],
      [
        'inside, after midnight',
        { start: '22:00', end: '07:00', timeZone: 'UTC' },
        '2026-11-28T03:00:00Z',
        '2026-11-28T07:00:00.000Z',
      ],
      [
        'at the start',
        { start: '22:00', end: '07:00', timeZone: 'UTC' },
        '2026-11-27T22:00:00Z',
        '2026-11-28T07:00:00.000Z',
      ],
      [
        'at the end: outside',
        { start: '22:00', end: '07:00', timeZone: 'UTC' },
        '2026-11-28T07:00:00Z',
        undefined,
      ],
      [
        'midday: outside',
        { start: '22:00', end: '07:00', timeZone: 'UTC' },
        '2026-11-28T12:00:00Z',
        undefined,
      ],
      [
        'a daytime window',
        { start: '12:00', end: '13:30', timeZone: 'UTC' },
        '2026-11-28T12:45:00Z',
        '2026-11-28T13:30:00.000Z',
      ],
      [
        'a daytime window, outside',
        { start: '12:00', end: '13:30', timeZone: 'UTC' },
        '2026-11-28T14:00:00Z',
        undefined,
      ],
      // 23:30 in Berlin in winter (UTC+1): the window ends at 07:00 local, 06:00 UTC.
      [
        'a zone',
        { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
        '2026-11-27T22:30:00Z',
        '2026-11-28T06:00:00.000Z',
      ],
      // 21:30 UTC is 22:30 in Berlin: inside, though 21:30 is outside in UTC.
      [
        'the zone decides',
        { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
        '2026-11-27T21:30:00Z',
        '2026-11-28T06:00:00.000Z',
      ],
      // The night summer time starts (29 March 2026, 02:00 → 03:00): 07:00 CEST is 05:00 UTC.
      [
        'across the switch to summer time',
        { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
        '2026-03-28T22:30:00Z',
        '2026-03-29T05:00:00.000Z',
      ],
      // …and when it ends (25 October 2026, 03:00 → 02:00): 07:00 CET is 06:00 UTC.
      [
        'across the switch to winter time',
        { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
        '2026-10-24T21:30:00Z',
        '2026-10-25T06:00:00.000Z',
      ],
      [
        'a zone west of UTC',
        { start: '20:00', end: '06:00', timeZone: 'America/New_York' },
        '2026-11-28T03:00:00Z',
        '2026-11-28T11:00:00.000Z',
      ],
    ];
  for (const [what, quiet, now, expected] of cases) {
    test(what, () => {
      assert.equal(quietUntil(quiet, new Date(now))?.toISOString(), expected);
    });
  }
});
