import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { newObservation } from '../helpers/observations.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at } from './store-records.js';

/** EndpointRegistry.page's `failing` filter: the dashboard's "endpoints failing probes". */
for (const engine of storeEngines) {
  describe(`EndpointRegistry failing endpoints (${engine.name})`, () => {
    const current = useStore(engine);
    const prefix = `fail-${randomBytes(3).toString('hex')}`;

    before(async () => {
      const { store } = current();
      const add = (suffix: string) =>
        store.endpoints.add({ name: `${prefix}-${suffix}`, host: 'broker.example.com', port: 8883 }, at(1));
      const failing = await add('a-failing');
      const recovered = await add('b-recovered');
      await add('c-never-probed');
      const failingTwice = await add('d-failing-twice');
      await store.observations.record(newObservation(failing.id, at(10)));
      await store.observations.record(newObservation(recovered.id, at(10)));
      await store.observations.record(
        newObservation(recovered.id, at(20), { outcome: 'ok', errorMessage: null }),
      );
      await store.observations.record(newObservation(failingTwice.id, at(10)));
      await store.observations.record(newObservation(failingTwice.id, at(20)));
    });

    const names = async (failing: boolean | undefined, afterName = prefix, limit = 10_000) =>
      (
        await current().store.endpoints.page({
          ...(failing === undefined ? {} : { failing }),
          afterName,
          limit,
        })
      ).map((e) => e.name.slice(prefix.length + 1));

    test('true: consecutive failures above 0; false: the others', async () => {
      assert.deepEqual(await names(true), ['a-failing', 'd-failing-twice']);
      assert.deepEqual(await names(false), ['b-recovered', 'c-never-probed']);
      assert.deepEqual(await names(undefined), [
        'a-failing',
        'b-recovered',
        'c-never-probed',
        'd-failing-twice',
      ]);
    });

    test('pages by name within the filter', async () => {
      assert.deepEqual(await names(true, prefix, 1), ['a-failing']);
      assert.deepEqual(await names(true, `${prefix}-a-failing`, 1), ['d-failing-twice']);
    });
  });
}
