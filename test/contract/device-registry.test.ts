import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { DeviceRecord } from '../../src/store/records.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, randomSerial, uniqueDeviceId } from './store-records.js';

const FACTORY = 'factory' as IssuerId;
const OPERATIONAL = 'operational' as IssuerId;

for (const engine of storeEngines) {
  describe(`DeviceRegistry (${engine.name})`, () => {
    const current = useStore(engine);

    test('an IDevID creates a provisioned device', async () => {
      const { store } = current();
      const id = uniqueDeviceId();
      const serial = randomSerial();
      await store.devices.recordIdevid(id, { issuerId: FACTORY, serial, productLine: 'gw-100' }, at(1));
      assert.deepEqual(await store.devices.get(id), {
        id,
        productLine: 'gw-100',
        state: 'provisioned',
        idevidSerial: serial,
        idevidIssuerId: FACTORY,
        ldevidSerial: null,
        ldevidIssuerId: null,
        ldevidNotAfter: null,
        ldevidRenewAt: null,
        lastSuccessAt: null,
        lastFailureAt: null,
        lastFailureReason: null,
        consecutiveFailures: 0,
        lastPresented: null,
        createdAt: at(1),
        updatedAt: at(1),
      } satisfies DeviceRecord);
    });

    test('the lifecycle: provisioned → active → failures → new IDevID keeps the state → setState', async () => {
      const { store } = current();
      const id = uniqueDeviceId();
      const idevid = randomSerial();
      await store.devices.recordIdevid(
        id,
        { issuerId: FACTORY, serial: idevid, productLine: 'gw-100' },
        at(1),
      );

      const ldevid = randomSerial();
      await store.devices.recordLdevid(
        id,
        { issuerId: OPERATIONAL, serial: ldevid, notAfter: at(90 * 86_400) },
        at(2),
      );
      let device = await store.devices.get(id);
      assert.equal(device?.state, 'active');
      assert.equal(device?.ldevidSerial, ldevid);
      assert.equal(device?.ldevidIssuerId, OPERATIONAL);
      assert.deepEqual(device?.ldevidNotAfter, at(90 * 86_400));
      assert.deepEqual(device?.lastSuccessAt, at(2));
      assert.equal(device?.idevidSerial, idevid);
      assert.deepEqual(device?.createdAt, at(1));

      await store.devices.recordFailure(id, 'CERT_REVOKED', at(3));
      device = await store.devices.get(id);
      assert.equal(device?.state, 'active');
      assert.deepEqual(device?.lastFailureAt, at(3));
      assert.equal(device?.lastFailureReason, 'CERT_REVOKED');
      assert.deepEqual(device?.lastSuccessAt, at(2));

      // A re-issued IDevID (factory rework) keeps the state; no product line given keeps the old one.
      const reworked = randomSerial();
      await store.devices.recordIdevid(id, { issuerId: FACTORY, serial: reworked, productLine: null }, at(4));
      device = await store.devices.get(id);
      assert.equal(device?.state, 'active');
      assert.equal(device?.idevidSerial, reworked);
      assert.equal(device?.productLine, 'gw-100');
      assert.deepEqual(device?.updatedAt, at(4));

      await store.devices.setState(id, 'decommissioned', at(5));
      device = await store.devices.get(id);
      assert.equal(device?.state, 'decommissioned');
      assert.deepEqual(device?.updatedAt, at(5));

      // An LDevID that raced the decommissioning is recorded, but does not bring the device back.
      const late = randomSerial();
      await store.devices.recordLdevid(id, { issuerId: OPERATIONAL, serial: late, notAfter: at(99) }, at(6));
      device = await store.devices.get(id);
      assert.equal(device?.state, 'decommissioned');
      assert.equal(device?.ldevidSerial, late);
    });

    test('decommission: changes a known device once, registers an unknown one, and reports a repeat', async () => {
      const { store } = current();
      const known = uniqueDeviceId();
      await store.devices.recordLdevid(
        known,
        { issuerId: OPERATIONAL, serial: randomSerial(), notAfter: at(99) },
        at(1),
      );
      assert.equal(await store.devices.decommission(known, at(2)), true);
      assert.equal((await store.devices.get(known))?.state, 'decommissioned');
      assert.equal(await store.devices.decommission(known, at(3)), false, 'already decommissioned');
      assert.deepEqual((await store.devices.get(known))?.updatedAt, at(2), 'the repeat changed nothing');

      const unknown = uniqueDeviceId();
      assert.equal(await store.devices.decommission(unknown, at(4)), true);
      const registered = await store.devices.get(unknown);
      assert.equal(registered?.state, 'decommissioned');
      assert.deepEqual(registered?.createdAt, at(4));
      assert.equal(registered?.ldevidSerial, null);
      assert.equal(await store.devices.decommission(unknown, at(5)), false);
    });

    test('an LDevID for an unknown device creates it active', async () => {
      const { store } = current();
      const id = uniqueDeviceId();
      await store.devices.recordLdevid(
        id,
        { issuerId: OPERATIONAL, serial: randomSerial(), notAfter: at(99) },
        at(7),
      );
      const device = await store.devices.get(id);
      assert.equal(device?.state, 'active');
      assert.equal(device?.idevidSerial, null);
      assert.equal(device?.productLine, null);
      assert.deepEqual(device?.createdAt, at(7));
    });

    test('failures of unknown devices are ignored; setState on one is NOT_FOUND', async () => {
      const { store } = current();
      const id = uniqueDeviceId();
      await store.devices.recordFailure(id, 'UNAUTHORIZED', at(1));
      assert.equal(await store.devices.get(id), undefined);
      await assert.rejects(store.devices.setState(id, 'active', at(1)), (e) => isPkiError(e, 'NOT_FOUND'));
    });

    test('lists by state and product line', async () => {
      const { store } = current();
      const productLine = `line-${uniqueDeviceId()}`;
      const ids = [uniqueDeviceId('a'), uniqueDeviceId('b'), uniqueDeviceId('c')];
      for (const id of ids) {
        await store.devices.recordIdevid(
          id,
          { issuerId: FACTORY, serial: randomSerial(), productLine },
          at(1),
        );
      }
      await store.devices.recordLdevid(
        ids[1] as (typeof ids)[number],
        { issuerId: OPERATIONAL, serial: '01' as SerialHex, notAfter: at(9) },
        at(2),
      );
      const inLine = await store.devices.list({ productLine });
      assert.deepEqual(
        inLine.map((d) => d.id),
        [...ids].sort(),
      );
      const provisioned = await store.devices.list({ productLine, state: 'provisioned' });
      assert.deepEqual(
        provisioned.map((d) => d.id),
        [ids[0], ids[2]],
      );
      assert.equal((await store.devices.list({ productLine, limit: 1 })).length, 1);
      assert.deepEqual(
        (await store.devices.list({ productLine, offset: 2 })).map((d) => d.id),
        [ids[2]],
      );
    });
  });
}
