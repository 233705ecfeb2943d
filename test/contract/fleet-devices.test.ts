import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DeviceId, IssuerId } from '../../src/core/ids.js';
import {
  FLEET_STATES,
  type AtRiskDevice,
  type FleetDevice,
  type FleetQuery,
  type FleetState,
} from '../../src/store/fleet-reader.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, randomSerial, uniqueDeviceId } from './store-records.js';

const OPERATIONAL = 'operational' as IssuerId;
const FACTORY = 'factory' as IssuerId;
const NOW = 20_000;
const t = (offset: number) => at(NOW + offset);
const POLICY: FleetQuery = { now: t(0), marginSeconds: 20, failureThreshold: 3 };

/** The new FleetReader questions (devices, device, atRiskAfter) against countByState and atRisk. */
for (const engine of storeEngines) {
  describe(`FleetReader devices and atRiskAfter (${engine.name})`, () => {
    const current = useStore(engine);
    const expected = new Map<DeviceId, FleetState>();

    before(async () => {
      const { store } = current();
      const device = async (name: string, state: FleetState, productLine: string | null = 'gw') => {
        const id = uniqueDeviceId(name);
        await store.devices.recordIdevid(
          id,
          { issuerId: FACTORY, serial: randomSerial(), productLine },
          t(-100),
        );
        expected.set(id, state);
        return id;
      };
      const ldevid = (id: DeviceId, notAfter: number, renewAt: number) =>
        store.devices.recordLdevid(
          id,
          { issuerId: OPERATIONAL, serial: randomSerial(), notAfter: t(notAfter), renewAt: t(renewAt) },
          t(-50),
        );
      const fail = async (id: DeviceId, times: number) => {
        for (let i = 0; i < times; i += 1) await store.devices.recordFailure(id, 'RATE_LIMITED', t(-10 + i));
      };
      await ldevid(await device('healthy', 'healthy'), 80, 50);
      await ldevid(await device('healthy-sensor', 'healthy', 'sensor'), 90, 60);
      await ldevid(await device('due', 'renewal_due'), 25, -5);
      await ldevid(await device('overdue', 'at_risk'), 15, -15);
      await ldevid(await device('overdue-late', 'at_risk', 'sensor'), 18, -15);
      await ldevid(await device('expired', 'expired'), -5, -30);
      const failing = await device('failing', 'at_risk');
      await ldevid(failing, 80, 50);
      await fail(failing, 3);
      const twice = await device('two-failures', 'healthy');
      await ldevid(twice, 80, 50);
      await fail(twice, 2);
      await device('provisioned', 'provisioned');
      await fail(await device('onboarding-fails', 'at_risk'), 3);
      const revoked = await device('revoked', 'revoked');
      await ldevid(revoked, 80, 50);
      await store.devices.setState(revoked, 'revoked', t(-1));
      const gone = await device('decommissioned', 'decommissioned');
      await ldevid(gone, 15, -15);
      await store.devices.decommission(gone, t(-1));
    });

    const listAll = async (states?: readonly FleetState[]) =>
      current().store.fleet.devices({
        ...POLICY,
        ...(states === undefined ? {} : { states }),
        limit: 10_000,
      });
    const mine = (devices: readonly FleetDevice[]) => devices.filter((d) => expected.has(d.deviceId));

    test("each device's state is the one countByState counts it in", async () => {
      const { store } = current();
      for (const device of mine(await listAll())) {
        assert.equal(device.state, expected.get(device.deviceId), device.deviceId);
        assert.equal(device.atRiskReason !== null, device.state === 'at_risk', device.deviceId);
      }
      const counts = await store.fleet.countByState(POLICY);
      for (const state of FLEET_STATES) {
        const listed = await listAll([state]);
        assert.equal(listed.length, counts[state], state);
        assert.ok(
          listed.every((d) => d.state === state),
          state,
        );
      }
      assert.equal(
        (await listAll()).length,
        Object.values(counts).reduce((a, n) => a + n, 0),
      );
    });

    test('several states, none, and a product line', async () => {
      const several = mine(await listAll(['expired', 'provisioned']));
      assert.deepEqual(several.map((d) => d.state).sort(), ['expired', 'provisioned']);
      assert.deepEqual(await listAll([]), []);
      const sensors = mine(
        await current().store.fleet.devices({ ...POLICY, productLine: 'sensor', limit: 10_000 }),
      );
      assert.deepEqual(sensors.map((d) => d.state).sort(), ['at_risk', 'healthy']);
    });

    test('one device with its certificate, renewal point, failures; unknown ones are absent', async () => {
      const { store } = current();
      const [failing] = [...expected].find(([id]) => id.startsWith('failing-')) ?? [];
      assert.ok(failing);
      const device = await store.fleet.device(failing, POLICY);
      assert.equal(device?.state, 'at_risk');
      assert.equal(device?.atRiskReason, 'repeated-failures');
      assert.deepEqual(device?.inUse?.notAfter, t(80));
      assert.equal(device?.inUse?.serial, device?.newestSerial);
      assert.equal(device?.newestIssuerId, OPERATIONAL);
      assert.deepEqual(device?.renewAt, t(50));
      assert.equal(device?.consecutiveFailures, 3);
      assert.equal(device?.lastFailureReason, 'RATE_LIMITED');
      assert.deepEqual(device?.lastSuccessAt, t(-50));
      assert.equal(device?.idevidIssuerId, FACTORY);
      assert.equal(await store.fleet.device(uniqueDeviceId('nobody'), POLICY), undefined);
    });

    test('pages by id from a key: every device once, in order', async () => {
      const { store } = current();
      const all = (await listAll()).map((d) => d.deviceId);
      const paged: DeviceId[] = [];
      let afterId: DeviceId | undefined;
      for (;;) {
        const page = await store.fleet.devices({
          ...POLICY,
          limit: 4,
          ...(afterId === undefined ? {} : { afterId }),
        });
        paged.push(...page.map((d) => d.deviceId));
        if (page.length < 4) break;
        afterId = page[page.length - 1]!.deviceId;
      }
      assert.deepEqual(paged, all);
      assert.deepEqual([...all].sort(), all, 'by id');
    });

    test('atRiskAfter pages through what atRisk lists, most urgent first, with the same reasons', async () => {
      const { store } = current();
      const key = (d: AtRiskDevice) => `${d.deviceId}:${d.reason}`;
      const all = (await store.fleet.atRisk({ ...POLICY, limit: 10_000 })).map(key);
      const paged: string[] = [];
      let after: { inUseNotAfter: Date | null; deviceId: DeviceId } | undefined;
      for (;;) {
        const page = await store.fleet.atRiskAfter({
          ...POLICY,
          limit: 2,
          ...(after === undefined ? {} : { after }),
        });
        paged.push(...page.map(key));
        const last = page[page.length - 1];
        if (page.length < 2 || last === undefined) break;
        after = { inUseNotAfter: last.inUse?.notAfter ?? null, deviceId: last.deviceId };
      }
      assert.deepEqual(paged, all);
      assert.ok(all.length >= 4, 'the four devices at risk (and perhaps others of the suite)');
      assert.ok(all.some((k) => k.endsWith(':repeated-failures')));
      assert.ok(all.some((k) => k.endsWith(':renewal-overdue')));
    });
  });
}
