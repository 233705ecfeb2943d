import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DeviceId, IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type {
  ExpiryTimelineCount,
  ExpiryTimelineQuery,
  FleetDeviceQuery,
  FleetQuery,
} from '../../src/store/fleet-reader.js';
import type { PresentedCertificate } from '../../src/store/records.js';
import { prefixEnd } from '../../src/store/sql-fleet-reader.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import {
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  randomSerial,
  signedCertificate,
  uniqueIssuerId,
} from './store-records.js';

const DAY = 86_400;
/** The first day of the timeline; `now` is an hour into it. */
const FROM = 10 * DAY;
const t = (offsetSeconds: number) => at(FROM + offsetSeconds);
const POLICY: FleetQuery = { now: t(3600), marginSeconds: 3 * DAY, failureThreshold: 3 };
const FACTORY = 'factory' as IssuerId;

/** The dashboard's questions of the FleetReader: the expiry timeline and the device list's new filters. */
for (const engine of storeEngines) {
  describe(`FleetReader expiry timeline and device filters (${engine.name})`, () => {
    const current = useStore(engine);
    const [ops1, ops2, old] = [uniqueIssuerId('ops1'), uniqueIssuerId('ops2'), uniqueIssuerId('old')];
    /** Device name → id; names are also id prefixes: `tl-<name>-<n>`. */
    const ids = new Map<string, DeviceId>();
    let counter = 0;

    before(async () => {
      const { store } = current();
      for (const id of [ops1, ops2, old]) await store.issuers.add(issuerRecord({ id }));
      const device = async (name: string) => {
        counter += 1;
        const id = `tl-${name}-${counter}` as DeviceId;
        ids.set(name, id);
        await store.devices.recordIdevid(
          id,
          { issuerId: FACTORY, serial: randomSerial(), productLine: 'gw' },
          t(-5 * DAY),
        );
        return id;
      };
      const ldevid = async (
        name: string,
        issuerId: IssuerId,
        notAfter: number,
        renewAt: number,
        presented?: PresentedCertificate,
      ) => {
        const id = ids.get(name) ?? (await device(name));
        const serial = randomSerial();
        await store.devices.recordLdevid(
          id,
          {
            issuerId,
            serial,
            notAfter: t(notAfter),
            renewAt: t(renewAt),
            ...(presented ? { presented } : {}),
          },
          t(-DAY),
        );
        return { id, serial };
      };

      // Day 0: at risk (renewal overdue, under the margin), healthy (renewal point ahead), expired an hour ago.
      await ldevid('overdue', ops1, 0.5 * DAY, -DAY);
      await ldevid('healthy0', ops1, 0.6 * DAY, 0.3 * DAY);
      await ldevid('expired0', ops1, 1800, -DAY);
      // Day 5: renewal due (past its renewal point, beyond the margin) and healthy, under the other issuer.
      await ldevid('due5', ops2, 5.2 * DAY, -3600);
      await ldevid('healthy5', ops2, 5.9 * DAY, 2 * DAY);
      // The window's edges: the last millisecond of day 9 is in a 10-day timeline, the start of day 10 is not,
      // nor what expired before the first day.
      await ldevid('last', ops1, 10 * DAY - 0.001, 5 * DAY);
      await ldevid('after', ops1, 10 * DAY, 5 * DAY);
      await ldevid('before', ops1, -1, -DAY);
      // Left out whatever their expiry: revoked, decommissioned, never onboarded.
      const revoked = await ldevid('revoked', ops1, 2 * DAY, DAY);
      await store.devices.setState(revoked.id, 'revoked', t(0));
      const gone = await ldevid('decommissioned', ops1, 2 * DAY, DAY);
      await store.devices.decommission(gone.id, t(0));
      await device('provisioned');

      // Renewed but not deployed: three LDevIDs from ops1 issued while it kept presenting its old one from
      // `old`, which it therefore still uses (day 2, under the margin: at risk).
      const stuck = await ldevid('stuck', old, 2.5 * DAY, DAY);
      const presented: PresentedCertificate = {
        profile: 'ldevid',
        issuerId: old,
        serial: stuck.serial,
        notAfter: t(2.5 * DAY),
      };
      for (let i = 0; i < 3; i += 1) await ldevid('stuck', ops1, 60 * DAY, 40 * DAY, presented);

      // The same, then a failed attempt with its birth certificate: neither the newest nor the presented
      // certificate is the one in use, whose issuer the certificates table then says (day 4)...
      const lookedUp = await ldevid('looked-up', old, 4.5 * DAY, 2 * DAY);
      const prepared = preparedCertificate(old, {
        serial: lookedUp.serial,
        deviceId: lookedUp.id,
        notAfter: t(4.5 * DAY),
      });
      await store.ledger.recordPrepared([prepared], t(-2 * DAY));
      await store.ledger.recordSigned([signedCertificate(prepared)], t(-2 * DAY), issuedAudit(t(-2 * DAY)));
      // ... or, for a certificate the store does not hold, nobody (day 4 too).
      const unknown = await ldevid('unknown', old, 4.6 * DAY, 2 * DAY);
      for (const [name, first] of [
        ['looked-up', lookedUp],
        ['unknown', unknown],
      ] as const) {
        const again: PresentedCertificate = {
          profile: 'ldevid',
          issuerId: old,
          serial: first.serial,
          notAfter: t(4.5 * DAY),
        };
        for (let i = 0; i < 3; i += 1) await ldevid(name, ops1, 60 * DAY, 40 * DAY, again);
        const idevid: PresentedCertificate = {
          profile: 'idevid',
          issuerId: FACTORY,
          serial: randomSerial(),
          notAfter: t(3650 * DAY),
        };
        await store.devices.recordFailure(first.id, 'TIMEOUT', t(0), idevid);
      }
    });

    const timeline = (query: Partial<ExpiryTimelineQuery> = {}) =>
      current().store.fleet.expiryTimeline({ ...POLICY, from: t(0), days: 10, by: 'state', ...query });
    const sorted = (counts: readonly ExpiryTimelineCount[]) =>
      [...counts].sort((a, b) => a.day - b.day || String(a.key).localeCompare(String(b.key)));

    test('the setup: the stuck devices use their old certificates', async () => {
      const { store } = current();
      for (const name of ['stuck', 'looked-up', 'unknown']) {
        const device = await store.fleet.device(ids.get(name)!, POLICY);
        assert.notEqual(device?.inUse?.serial, device?.newestSerial, name);
      }
    });

    test('by state: each day counts its devices in the state countByState gives them', async () => {
      assert.deepEqual(sorted(await timeline()), [
        { day: 0, key: 'at_risk', count: 1 },
        { day: 0, key: 'expired', count: 1 },
        { day: 0, key: 'healthy', count: 1 },
        { day: 2, key: 'at_risk', count: 1 },
        { day: 4, key: 'healthy', count: 2 },
        { day: 5, key: 'healthy', count: 1 },
        { day: 5, key: 'renewal_due', count: 1 },
        { day: 9, key: 'healthy', count: 1 },
      ]);
      // The states are the device list's: every device counted on a day is listed in that state.
      const { store } = current();
      for (const name of ['overdue', 'healthy0', 'expired0', 'due5', 'stuck']) {
        const device = await store.fleet.device(ids.get(name)!, POLICY);
        const day = Math.floor((device!.inUse!.notAfter.getTime() - t(0).getTime()) / (DAY * 1000));
        const counted = (await timeline()).find((c) => c.day === day && c.key === device!.state);
        assert.ok(counted, `${name}: ${device!.state} on day ${day}`);
      }
    });

    test('by issuer: the issuer of the certificate in use, not of the newest', async () => {
      assert.deepEqual(
        sorted(await timeline({ by: 'issuer' })),
        [
          { day: 0, key: ops1, count: 3 },
          { day: 2, key: old, count: 1 },
          { day: 4, key: old, count: 1 },
          { day: 4, key: null, count: 1 },
          { day: 5, key: ops2, count: 2 },
          { day: 9, key: ops1, count: 1 },
        ].sort((a, b) => a.day - b.day || String(a.key).localeCompare(String(b.key))),
      );
    });

    test('the window: one day, and a year', async () => {
      assert.deepEqual(sorted(await timeline({ days: 1, by: 'issuer' })), [{ day: 0, key: ops1, count: 3 }]);
      const year = await timeline({ days: 366, by: 'issuer' });
      assert.ok(year.some((c) => c.day === 10 && c.key === ops1 && c.count === 1));
      assert.ok(
        year.some((c) => c.day === 60 && c.key === ops1) === false,
        'not in use: the newest of stuck',
      );
    });

    test('bad days or times: MALFORMED_INPUT', async () => {
      for (const days of [0, 367, 1.5, Number.NaN]) {
        await assert.rejects(
          timeline({ days }),
          (error) => isPkiError(error) && error.code === 'MALFORMED_INPUT',
        );
      }
      await assert.rejects(
        timeline({ from: new Date(Number.NaN) }),
        (error) => isPkiError(error) && error.code === 'MALFORMED_INPUT',
      );
    });

    const list = (query: Partial<FleetDeviceQuery>) =>
      current().store.fleet.devices({ ...POLICY, limit: 10_000, ...query });
    const names = (devices: readonly { deviceId: DeviceId }[]) =>
      devices.map((d) => [...ids].find(([, id]) => id === d.deviceId)?.[0] ?? d.deviceId).sort();

    test('idPrefix: a range of the key, exact case, pages after it', async () => {
      assert.deepEqual(names(await list({ idPrefix: 'tl-stuck' })), ['stuck']);
      assert.deepEqual(names(await list({ idPrefix: 'tl-healthy' })), ['healthy0', 'healthy5']);
      assert.deepEqual(names(await list({ idPrefix: 'TL-' })), []);
      assert.deepEqual(names(await list({ idPrefix: 'tl-x' })), []);
      assert.equal((await list({ idPrefix: 'tl-' })).length, ids.size);
      const first = await list({ idPrefix: 'tl-healthy', limit: 1 });
      assert.equal(first.length, 1);
      const next = await list({ idPrefix: 'tl-healthy', afterId: first[0]!.deviceId });
      assert.deepEqual(names([...first, ...next]), ['healthy0', 'healthy5']);
    });

    test('inUseIssuerId: the issuer of the certificate in use', async () => {
      assert.deepEqual(names(await list({ inUseIssuerId: ops2 })), ['due5', 'healthy5']);
      assert.deepEqual(names(await list({ inUseIssuerId: old })), ['looked-up', 'stuck']);
      assert.deepEqual(names(await list({ inUseIssuerId: uniqueIssuerId() })), []);
    });

    test('inUseExpiringBy: expires after now and by then; revoked and decommissioned left out', async () => {
      assert.deepEqual(names(await list({ idPrefix: 'tl-', inUseExpiringBy: t(DAY) })), [
        'healthy0',
        'overdue',
      ]);
      assert.deepEqual(names(await list({ idPrefix: 'tl-', inUseExpiringBy: t(3.5 * DAY) })), [
        'healthy0',
        'overdue',
        'stuck',
      ]);
      // Together with a state and an issuer.
      assert.deepEqual(
        names(await list({ inUseExpiringBy: t(6 * DAY), states: ['healthy'], inUseIssuerId: ops2 })),
        ['healthy5'],
      );
      await assert.rejects(
        list({ inUseExpiringBy: new Date(Number.NaN) }),
        (error) => isPkiError(error) && error.code === 'MALFORMED_INPUT',
      );
    });
  });
}

describe('prefixEnd', () => {
  test('the least text after every text with the prefix', () => {
    assert.equal(prefixEnd('dev-1'), 'dev-2');
    assert.equal(prefixEnd('a'), 'b');
    assert.equal(prefixEnd('a\uffff'), 'b');
    assert.equal(prefixEnd('\uffff'), undefined);
    assert.equal(prefixEnd(''), undefined);
  });
});
