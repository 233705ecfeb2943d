import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiPath, segment } from './api-path.js';

test('empty filters are left out; values are encoded', () => {
  assert.equal(apiPath('/devices'), '/devices');
  assert.equal(
    apiPath('/devices', { state: 'at_risk', q: '', productLine: undefined, issuerId: null, limit: 50 }),
    '/devices?state=at_risk&limit=50',
  );
  assert.equal(apiPath('/endpoints', { failing: true }), '/endpoints?failing=true');
  assert.equal(apiPath('/devices', { q: 'a b&c+d' }), '/devices?q=a+b%26c%2Bd');
});

test('path segments encode the slash the API wants as %2F', () => {
  assert.equal(segment('plant/SN-1'), 'plant%2FSN-1');
  assert.equal(segment('SN-1'), 'SN-1');
});
