import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../store/open-store.js';
import { at } from '../../test/contract/store-records.js';
import { newObservation } from '../../test/helpers/observations.js';
import { EndpointAlertFacts } from './endpoint-alert-facts.js';

const DAY = 86_400;

test('EndpointAlertFacts: what the latest probe saw, unknown when it saw nothing; disabled endpoints left out', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    const broker = await store.endpoints.add({ name: 'broker', host: 'mqtt.example', port: 8883 }, at(0));
    const ota = await store.endpoints.add({ name: 'ota', host: 'ota.example', port: 443 }, at(0));
    const fresh = await store.endpoints.add({ name: 'new', host: 'new.example', port: 443 }, at(0));
    await store.endpoints.add({ name: 'off', host: 'off.example', port: 443, enabled: false }, at(0));
    const leaf = {
      serial: '01',
      issuer: 'CN=CA',
      subject: 'CN=mqtt.example',
      sans: ['dns:mqtt.example'],
      notBefore: at(-DAY),
      notAfter: at(10 * DAY),
      fingerprintSha256: 'aa'.repeat(32),
      keyAlgorithm: 'ec-p256',
    };
    // Its intermediate expires before its leaf: the chain ends then.
    await store.observations.record(
      newObservation(broker.id, at(0), {
        outcome: 'ok',
        errorMessage: null,
        leaf,
        chainNotAfter: at(8 * DAY),
        chainValid: true,
        hostnameMatches: false,
      }),
    );
    // The OTA server answered once, then timed out twice: its expiry is no longer known.
    await store.observations.record(
      newObservation(ota.id, at(0), {
        outcome: 'ok',
        errorMessage: null,
        leaf,
        chainNotAfter: at(10 * DAY),
        chainValid: true,
        hostnameMatches: true,
      }),
    );
    for (const n of [1, 2]) {
      await store.observations.record(
        newObservation(ota.id, at(n), { outcome: 'timeout', errorMessage: 'no answer in 10 s' }),
      );
    }

    const facts = await new EndpointAlertFacts(store.observations).collect();
    assert.deepEqual(facts.subjects, [
      {
        subjectKey: `endpoint:${broker.id}`,
        label: 'broker (mqtt.example:8883)',
        kind: 'endpoint',
        consecutiveFailures: 0,
        notAfter: at(8 * DAY),
        chainValid: true,
        hostnameMatches: false,
      },
      {
        subjectKey: `endpoint:${ota.id}`,
        label: 'ota (ota.example:443)',
        kind: 'endpoint',
        consecutiveFailures: 2,
        lastError: 'timeout: no answer in 10 s',
      },
      {
        subjectKey: `endpoint:${fresh.id}`,
        label: 'new (new.example:443)',
        kind: 'endpoint',
        consecutiveFailures: 0,
      },
    ]);
    assert.equal(facts.fleet, undefined);
  } finally {
    await store.close();
  }
});
