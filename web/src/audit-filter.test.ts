import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditFilterOf, auditFilterParams, auditQuery } from './audit-filter.js';

test('days become the API range: since inclusive at 00:00 UTC, until the next midnight (exclusive)', () => {
  const filter = auditFilterOf({ event: 'cert.revoked', since: '2026-11-01', until: '2026-11-30' });
  assert.deepEqual(auditQuery(filter), {
    event: 'cert.revoked',
    since: '2026-11-01T00:00:00.000Z',
    until: '2026-12-01T00:00:00.000Z',
  });
  assert.deepEqual(auditFilterParams(filter), {
    event: 'cert.revoked',
    since: '2026-11-01',
    until: '2026-11-30',
  });
});

test('malformed days and blank events are dropped', () => {
  assert.deepEqual(auditFilterOf({ event: ' ', since: '2026-13-45', until: 'yesterday' }), {
    event: undefined,
    sinceDay: undefined,
    untilDay: undefined,
  });
  assert.deepEqual(auditQuery(auditFilterOf({})), { event: undefined, since: undefined, until: undefined });
});
