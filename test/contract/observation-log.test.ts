import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { DeviceId, IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { MonitoredEndpoint } from '../../src/store/endpoint-registry.js';
import type { NewObservation } from '../../src/store/observation-log.js';
import type { Store } from '../../src/store/store.js';
import { makeTestHierarchy } from '../helpers/pki-fixtures.js';
import { newObservation } from '../helpers/observations.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at } from './store-records.js';

const DAY = 86_400;
const { root, intermediate, leaf } = makeTestHierarchy();
const CHAIN = [leaf.cert.der, intermediate.cert.der, root.cert.der];

async function addEndpoint(store: Store, kind: 'service' | 'device' = 'service'): Promise<MonitoredEndpoint> {
  return store.endpoints.add(
    { name: `obs-${randomBytes(4).toString('hex')}`, host: 'gw.example', port: 443, kind },
    at(0),
  );
}

function okObservation(endpointId: number, offsetSeconds: number): NewObservation {
  return {
    endpointId,
    observedAt: at(offsetSeconds),
    durationMs: 42,
    outcome: 'ok',
    errorMessage: null,
    tlsVersion: 'TLSv1.3',
    protocolResult: 'HTTP 200',
    leaf: {
      serial: leaf.cert.serial,
      issuer: leaf.cert.issuerText,
      subject: leaf.cert.subjectText,
      sans: ['dns:gw.example'],
      notBefore: at(offsetSeconds - DAY),
      notAfter: at(offsetSeconds + 30 * DAY + 3600),
      fingerprintSha256: leaf.cert.fingerprintSha256,
      keyAlgorithm: 'ec-p256',
    },
    chainDer: CHAIN,
    chainNotAfter: at(offsetSeconds + 20 * DAY),
    chainValid: true,
    chainError: null,
    chainValidSystem: false,
    chainSystemError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    hostnameMatches: true,
    linked: { issuerId: 'operational' as IssuerId, serial: leaf.cert.serial, deviceId: 'SN-7' as DeviceId },
  };
}

function failedObservation(endpointId: number, offsetSeconds: number): NewObservation {
  return newObservation(endpointId, at(offsetSeconds), {
    durationMs: 10_000,
    outcome: 'timeout',
    errorMessage: 'no answer within 10000 ms (handshake)',
  });
}

for (const engine of storeEngines) {
  describe(`ObservationLog (${engine.name})`, () => {
    const current = useStore(engine);

    test('records an observation with its chain and reads it back whole', async () => {
      const { store } = current();
      const endpoint = await addEndpoint(store);
      const recorded = await store.observations.record(okObservation(endpoint.id, 100));
      const { chainDer: _sent, ...sent } = okObservation(endpoint.id, 100);
      const { chainDer: _read, ...read } = recorded;
      assert.deepEqual(read, { ...sent, id: recorded.id, chainLength: 3, daysLeft: 30 });
      assert.deepEqual(await store.observations.get(recorded.id), recorded);
      assert.equal(await store.observations.get(recorded.id + 1_000_000), undefined);
      assert.deepEqual(
        recorded.chainDer.map((der) => Buffer.from(der).toString('hex')),
        CHAIN.map((der) => Buffer.from(der).toString('hex')),
      );
    });

    test('the endpoint keeps its latest observation, last probe time and consecutive failures', async () => {
      const { store } = current();
      const endpoint = await addEndpoint(store);
      await store.observations.record(failedObservation(endpoint.id, 10));
      await store.observations.record(failedObservation(endpoint.id, 20));
      let now = await store.endpoints.getById(endpoint.id);
      assert.equal(now?.consecutiveFailures, 2);
      assert.deepEqual(now?.lastProbedAt, at(20));
      const ok = await store.observations.record(okObservation(endpoint.id, 30));
      now = await store.endpoints.getById(endpoint.id);
      assert.equal(now?.consecutiveFailures, 0);
      const latest = (await store.observations.latest({ limit: 10_000 })).find(
        (l) => l.endpoint.id === endpoint.id,
      );
      assert.equal(latest?.observation?.id, ok.id);
      assert.equal(latest?.observation?.outcome, 'ok');
      assert.equal(latest?.endpoint.consecutiveFailures, 0);
    });

    test('latest lists every endpoint, with null before its first probe, in id order by keyset pages', async () => {
      const { store } = current();
      const probed = await addEndpoint(store, 'device');
      const fresh = await addEndpoint(store, 'device');
      await store.observations.record(failedObservation(probed.id, 5));
      const pages: number[] = [];
      for (let afterId = 0; ;) {
        const page = await store.observations.latest({ kind: 'device', afterId, limit: 1 });
        const last = page[page.length - 1];
        if (last === undefined) break;
        pages.push(last.endpoint.id);
        afterId = last.endpoint.id;
      }
      assert.ok(pages.includes(probed.id) && pages.includes(fresh.id));
      assert.deepEqual(
        pages,
        [...pages].sort((a, b) => a - b),
      );
      const all = await store.observations.latest({ kind: 'device', limit: 10_000 });
      assert.equal(all.find((l) => l.endpoint.id === fresh.id)?.observation, null);
      assert.equal(all.find((l) => l.endpoint.id === probed.id)?.observation?.outcome, 'timeout');
      assert.ok(all.every((l) => l.endpoint.kind === 'device'));
    });

    test('history is newest first, pages by time, and leaves out the chain bytes', async () => {
      const { store } = current();
      const endpoint = await addEndpoint(store);
      for (const offset of [10, 30, 20]) await store.observations.record(okObservation(endpoint.id, offset));
      const history = await store.observations.history(endpoint.id, {});
      assert.deepEqual(
        history.map((o) => o.observedAt),
        [at(30), at(20), at(10)],
      );
      assert.ok(history.every((o) => !('chainDer' in o) && o.chainLength === 3));
      const older = await store.observations.history(endpoint.id, { before: at(30), limit: 1 });
      assert.deepEqual(
        older.map((o) => o.observedAt),
        [at(20)],
      );
    });

    test('prune deletes old observations but keeps each endpoint latest', async () => {
      const { store } = current();
      const endpoint = await addEndpoint(store);
      const quiet = await addEndpoint(store);
      await store.observations.record(okObservation(endpoint.id, 10));
      await store.observations.record(okObservation(endpoint.id, 20));
      const latest = await store.observations.record(okObservation(endpoint.id, 1000));
      const onlyOne = await store.observations.record(okObservation(quiet.id, 15));
      assert.ok((await store.observations.prune(at(500))) >= 2);
      assert.deepEqual(
        (await store.observations.history(endpoint.id, {})).map((o) => o.id),
        [latest.id],
      );
      assert.deepEqual(
        (await store.observations.history(quiet.id, {})).map((o) => o.id),
        [onlyOne.id],
      );
    });

    test('removing an endpoint removes its observations', async () => {
      const { store } = current();
      const endpoint = await addEndpoint(store);
      const recorded = await store.observations.record(okObservation(endpoint.id, 10));
      await store.endpoints.remove(endpoint.name);
      assert.equal(await store.observations.get(recorded.id), undefined);
    });

    test('bad input is refused and changes nothing', async () => {
      const { store } = current();
      const endpoint = await addEndpoint(store);
      const before = await store.observations.history(endpoint.id, {});
      await assert.rejects(store.observations.record(failedObservation(9_999_999, 1)), (error) =>
        isPkiError(error, 'NOT_FOUND'),
      );
      await assert.rejects(
        store.observations.record({ ...failedObservation(endpoint.id, 1), outcome: 'exploded' as never }),
        (error) => isPkiError(error, 'MALFORMED_INPUT') && /outcome 'exploded'/.test(error.message),
      );
      await assert.rejects(
        store.observations.record({ ...failedObservation(endpoint.id, 1), durationMs: -1 }),
        (error) => isPkiError(error, 'MALFORMED_INPUT'),
      );
      await assert.rejects(
        store.observations.record({ ...failedObservation(endpoint.id, 1), observedAt: new Date(Number.NaN) }),
        (error) => isPkiError(error, 'MALFORMED_INPUT'),
      );
      assert.deepEqual(await store.observations.history(endpoint.id, {}), before);
      const unchanged = await store.endpoints.getById(endpoint.id);
      assert.equal(unchanged?.consecutiveFailures, 0);
      assert.equal(unchanged?.lastProbedAt, null);
      await assert.rejects(store.observations.history(-1, {}), (error) =>
        isPkiError(error, 'MALFORMED_INPUT'),
      );
    });

    test('history pages by (time, id): observations in the same millisecond are neither skipped nor repeated', async () => {
      const { store } = current();
      const endpoint = await addEndpoint(store);
      const sameIds: number[] = [];
      for (let i = 0; i < 3; i++)
        sameIds.push((await store.observations.record(okObservation(endpoint.id, 40))).id);
      const newest = await store.observations.record(okObservation(endpoint.id, 50));
      const walked: number[] = [];
      let cursor: { before: Date; beforeId: number } | undefined;
      for (;;) {
        const page = await store.observations.history(endpoint.id, { ...cursor, limit: 2 });
        walked.push(...page.map((o) => o.id));
        const last = page[page.length - 1];
        if (last === undefined) break;
        cursor = { before: last.observedAt, beforeId: last.id };
      }
      assert.deepEqual(walked, [newest.id, ...sameIds.sort((a, b) => b - a)]);
      await assert.rejects(
        store.observations.history(endpoint.id, { before: at(40), beforeId: -1 }),
        (error) => isPkiError(error, 'MALFORMED_INPUT'),
      );
    });
  });
}
