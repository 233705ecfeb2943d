import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Prober } from '../monitor/endpoint-prober.js';
import type { MonitoredEndpoint } from '../store/endpoint-registry.js';
import type { NewObservation } from '../store/observation-log.js';
import { LazyProber } from './lazy-prober.js';

const endpoint = { id: 7, name: 'broker' } as MonitoredEndpoint;

function fakeProber(seen: string[]): Prober {
  return {
    probe: (e) => {
      seen.push(e.name);
      return Promise.resolve({ endpointId: e.id, outcome: 'refused' } as NewObservation);
    },
  };
}

test('opens the prober on the first probe only, once for concurrent probes', async () => {
  let opened = 0;
  const seen: string[] = [];
  const lazy = new LazyProber(async () => {
    opened += 1;
    await new Promise((resolve) => setImmediate(resolve));
    return fakeProber(seen);
  });
  assert.equal(opened, 0, 'nothing is opened before a probe');
  const results = await Promise.all([lazy.probe(endpoint), lazy.probe(endpoint)]);
  await lazy.probe(endpoint);
  assert.equal(opened, 1);
  assert.deepEqual(seen, ['broker', 'broker', 'broker']);
  assert.deepEqual(
    results.map((r) => r.endpointId),
    [7, 7],
  );
});

test('a failed opening fails the probe and is tried again on the next one', async () => {
  let attempts = 0;
  const seen: string[] = [];
  const lazy = new LazyProber(() => {
    attempts += 1;
    return attempts === 1
      ? Promise.reject(new Error('cannot read the client key'))
      : Promise.resolve(fakeProber(seen));
  });
  await assert.rejects(lazy.probe(endpoint), /cannot read the client key/);
  assert.deepEqual(seen, []);
  const observation = await lazy.probe(endpoint);
  assert.equal(observation.outcome, 'refused');
  assert.equal(attempts, 2);
});
