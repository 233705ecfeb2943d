import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newObservation } from '../../../test/helpers/observations.js';
import { at } from '../../../test/contract/store-records.js';
import { openStore } from '../../store/open-store.js';
import { MonitorProbeSource } from './monitor-probe-source.js';

const failed = (endpointId: number, offsetSeconds: number) => newObservation(endpointId, at(offsetSeconds));

test('MonitorProbeSource: a sample per enabled service endpoint probed at least once, from its latest observation', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const endpoints = [];
    for (const name of names)
      endpoints.push(await store.endpoints.add({ name, host: `${name}.example`, port: 443 }, at(0)));
    await store.endpoints.add({ name: 'off', host: 'off.example', port: 443, enabled: false }, at(0));
    const device = await store.endpoints.add(
      { name: 'device-1', host: '10.0.0.1', port: 8883, kind: 'device' },
      at(0),
    );
    await store.observations.record(failed(device.id, 1));
    await store.observations.record(failed(endpoints[1]!.id, 1));
    await store.observations.record(failed(endpoints[1]!.id, 2));

    // Probe metrics: only endpoints probed at least once.
    assert.deepEqual(await new MonitorProbeSource(store.observations).latest(), [
      {
        endpoint: 'b',
        host: 'b.example',
        port: 443,
        protocol: 'tls',
        success: false,
        durationSeconds: 0.25,
        earliestCertExpiry: null,
        observedAt: at(2),
      },
    ]);
  } finally {
    await store.close();
  }
});
