import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_DEVICE_PAGE_SIZE,
  deviceFilterOf,
  deviceFilterParams,
  deviceQuery,
  isFiltered,
} from './device-filter.js';

test('filters from the fragment, with what the API would refuse dropped', () => {
  assert.deepEqual(
    deviceFilterOf({
      q: ' SN-0 ',
      state: 'at_risk',
      productLine: 'gw-2',
      issuerId: 'operational',
      expiringWithinSeconds: '604800',
      limit: '100',
    }),
    {
      q: 'SN-0',
      state: 'at_risk',
      productLine: 'gw-2',
      issuerId: 'operational',
      expiringWithinSeconds: 604_800,
      limit: 100,
    },
  );
  assert.deepEqual(deviceFilterOf({ state: 'sleepy', expiringWithinSeconds: '-5', limit: '7', q: '  ' }), {
    q: undefined,
    state: undefined,
    productLine: undefined,
    issuerId: undefined,
    expiringWithinSeconds: undefined,
    limit: DEFAULT_DEVICE_PAGE_SIZE,
  });
  assert.equal(deviceFilterOf({ expiringWithinSeconds: '1.5' }).expiringWithinSeconds, undefined);
});

test('params round-trip, defaults left out; the query carries the cursor', () => {
  const filter = deviceFilterOf({ state: 'healthy', q: 'A' });
  assert.deepEqual(deviceFilterParams(filter), { q: 'A', state: 'healthy' });
  assert.deepEqual(deviceFilterOf(deviceFilterParams(filter)), filter);
  assert.deepEqual(deviceQuery(filter, 'c1'), {
    q: 'A',
    state: 'healthy',
    productLine: undefined,
    issuerId: undefined,
    expiringWithinSeconds: undefined,
    limit: DEFAULT_DEVICE_PAGE_SIZE,
    cursor: 'c1',
  });
  assert.equal(isFiltered(filter), true);
  assert.equal(isFiltered(deviceFilterOf({ limit: '50' })), false);
});
