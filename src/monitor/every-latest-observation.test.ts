import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newObservation } from '../../test/helpers/observations.js';
import { at } from '../../test/contract/store-records.js';
import { openStore } from '../store/open-store.js';
import { everyLatestObservation } from './every-latest-observation.js';

const failed = (endpointId: number, offsetSeconds: number) => newObservation(endpointId, at(offsetSeconds));

test('every enabled endpoint once, across pages, with its latest observation', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const endpoints = [];
    for (const name of names)
      endpoints.push(await store.endpoints.add({ name, host: `${name}.example`, port: 443 }, at(0)));
    await store.endpoints.add({ name: 'off', host: 'off.example', port: 443, enabled: false }, at(0));
    await store.observations.record(failed(endpoints[1]!.id, 1));
    await store.observations.record(failed(endpoints[1]!.id, 2));

    const all = await everyLatestObservation(store.observations, 2);
    assert.deepEqual(
      all.map((l) => l.endpoint.name),
      names,
    );
    assert.deepEqual(all[1]?.observation?.observedAt, at(2));
  } finally {
    await store.close();
  }
});
