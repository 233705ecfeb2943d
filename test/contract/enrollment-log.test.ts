import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, enrollmentEvent, uniqueDeviceId } from './store-records.js';

for (const engine of storeEngines) {
  describe(`EnrollmentLog (${engine.name})`, () => {
    const current = useStore(engine);

    test('appends every attempt and reads it back exactly', async () => {
      const { store } = current();
      const deviceId = uniqueDeviceId();
      const event = enrollmentEvent({
        at: new Date('2030-05-06T07:08:09.010Z'),
        deviceId,
        protocol: 'cmp',
        operation: 'ir',
        issuerId: 'operational' as IssuerId,
        certificateSerial: '01ab' as SerialHex,
        requester: `idevid:${deviceId}`,
      });
      await store.enrollments.append(event);
      const [read] = await store.enrollments.list({ deviceId });
      assert.ok(read !== undefined);
      const { id, ...rest } = read;
      assert.equal(typeof id, 'number');
      assert.deepEqual(rest, event);
    });

    test('lists newest first; same-millisecond events latest appended first', async () => {
      const { store } = current();
      const deviceId = uniqueDeviceId();
      const times = [at(3), at(1), at(2), at(2)];
      for (const [i, time] of times.entries()) {
        await store.enrollments.append(enrollmentEvent({ at: time, deviceId, reason: `attempt ${i}` }));
      }
      const list = await store.enrollments.list({ deviceId });
      assert.deepEqual(
        list.map((e) => e.reason),
        ['attempt 0', 'attempt 3', 'attempt 2', 'attempt 1'],
      );
    });

    test('filters by device, outcome and time, with a limit', async () => {
      const { store } = current();
      const deviceId = uniqueDeviceId();
      await store.enrollments.append(enrollmentEvent({ at: at(1), deviceId, outcome: 'issued' }));
      await store.enrollments.append(
        enrollmentEvent({
          at: at(2),
          deviceId,
          outcome: 'refused',
          reasonCode: 'POLICY_VIOLATION',
          reason: 'key reuse',
        }),
      );
      await store.enrollments.append(
        enrollmentEvent({ at: at(3), deviceId, outcome: 'refused', reasonCode: 'CERT_REVOKED' }),
      );
      await store.enrollments.append(
        enrollmentEvent({ at: at(4), deviceId: uniqueDeviceId(), outcome: 'refused' }),
      );

      const refused = await store.enrollments.list({ deviceId, outcome: 'refused' });
      assert.deepEqual(
        refused.map((e) => e.reasonCode),
        ['CERT_REVOKED', 'POLICY_VIOLATION'],
      );
      const since = await store.enrollments.list({ deviceId, since: at(2) });
      assert.deepEqual(
        since.map((e) => e.at),
        [at(3), at(2)],
      );
      assert.equal((await store.enrollments.list({ deviceId, limit: 1 })).length, 1);
    });
  });
}
