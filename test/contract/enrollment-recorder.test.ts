import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { DeviceChange, EnrollmentOutcome } from '../../src/store/enrollment-recorder.js';
import { GroupCommitEnrollmentRecorder } from '../../src/store/group-commit-enrollment-recorder.js';
import type { DeviceRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import {
  at,
  enrollmentEvent,
  issuerRecord,
  preparedCertificate,
  randomSerial,
  uniqueDeviceId,
} from './store-records.js';

const FACTORY = 'factory' as IssuerId;
const OPERATIONAL = 'operational' as IssuerId;

/** An outcome for `deviceId` at `time`; its requester names it, so it can be found again. */
function outcome(
  deviceId: DeviceId,
  time: Date,
  extra: Pick<EnrollmentOutcome, 'device' | 'superseded'> = {},
  requester = `test:${deviceId}`,
): EnrollmentOutcome {
  return { event: enrollmentEvent({ at: time, deviceId, requester }), ...extra };
}

/** The same change through DeviceRegistry. */
async function applyThroughRegistry(store: Store, id: DeviceId, change: DeviceChange, time: Date) {
  switch (change.kind) {
    case 'idevid':
      return store.devices.recordIdevid(id, change, time);
    case 'ldevid':
      return store.devices.recordLdevid(id, change, time);
    case 'failure':
      return store.devices.recordFailure(id, change.reason, time);
  }
}

function withoutId(device: DeviceRecord | undefined) {
  if (device === undefined) return undefined;
  const { id: _id, ...rest } = device;
  return rest;
}

const STEPS: ReadonlyArray<readonly [DeviceChange, number]> = [
  [{ kind: 'failure', reason: 'UNAUTHORIZED' }, 1],
  [{ kind: 'idevid', issuerId: FACTORY, serial: '0a01' as SerialHex, productLine: 'gw-100' }, 2],
  [{ kind: 'ldevid', issuerId: OPERATIONAL, serial: '0b01' as SerialHex, notAfter: at(86_400) }, 3],
  [{ kind: 'failure', reason: 'CERT_REVOKED' }, 4],
  [{ kind: 'idevid', issuerId: FACTORY, serial: '0a02' as SerialHex, productLine: null }, 5],
  [{ kind: 'ldevid', issuerId: OPERATIONAL, serial: '0b02' as SerialHex, notAfter: at(2 * 86_400) }, 6],
];

for (const engine of storeEngines) {
  describe(`EnrollmentRecorder (${engine.name})`, () => {
    const current = useStore(engine);

    async function recordedCertificate() {
      const { store } = current();
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      const entry = preparedCertificate(issuer.id);
      await store.ledger.recordPrepared([entry], at(0));
      return entry;
    }

    async function eventsOf(deviceId: DeviceId) {
      return current().store.enrollments.list({ deviceId });
    }

    test('writes the event, the device change and the superseded certificate', async () => {
      const { store } = current();
      const old = await recordedCertificate();
      const deviceId = uniqueDeviceId();
      const serial = randomSerial();
      const renewal: EnrollmentOutcome = {
        event: enrollmentEvent({
          at: at(10),
          deviceId,
          operation: 'simplereenroll',
          issuerId: old.issuerId,
          certificateSerial: serial,
        }),
        device: {
          id: deviceId,
          change: { kind: 'ldevid', issuerId: old.issuerId, serial, notAfter: at(90 * 86_400) },
        },
        superseded: { issuerId: old.issuerId, serial: old.serial, by: serial },
      };
      await store.enrollmentRecorder.record([renewal]);

      const [event] = await eventsOf(deviceId);
      assert.ok(event !== undefined);
      const { id: _id, ...rest } = event;
      assert.deepEqual(rest, renewal.event);
      const device = await store.devices.get(deviceId);
      assert.equal(device?.state, 'active');
      assert.equal(device?.ldevidSerial, serial);
      assert.deepEqual(device?.lastSuccessAt, at(10));
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, serial);
      await store.enrollmentRecorder.record([]);
    });

    test('device changes have exactly DeviceRegistry’s effects, call by call and within one call', async () => {
      const { store } = current();
      const [viaRegistry, oneByOne, inOneCall] = [
        uniqueDeviceId('r'),
        uniqueDeviceId('o'),
        uniqueDeviceId('b'),
      ];
      for (const [change, seconds] of STEPS) {
        await applyThroughRegistry(store, viaRegistry, change, at(seconds));
        await store.enrollmentRecorder.record([
          outcome(oneByOne, at(seconds), { device: { id: oneByOne, change } }),
        ]);
        assert.deepEqual(
          withoutId(await store.devices.get(oneByOne)),
          withoutId(await store.devices.get(viaRegistry)),
        );
      }
      await store.enrollmentRecorder.record(
        STEPS.map(([change, seconds]) =>
          outcome(inOneCall, at(seconds), { device: { id: inOneCall, change } }),
        ),
      );
      assert.deepEqual(
        withoutId(await store.devices.get(inOneCall)),
        withoutId(await store.devices.get(viaRegistry)),
      );
      assert.equal((await eventsOf(inOneCall)).length, STEPS.length);
    });

    test('a call mixing devices and kinds has the effect of DeviceRegistry applied in order', async () => {
      const { store } = current();
      const devices = Array.from({ length: 12 }, (_, i) => uniqueDeviceId(`m${i % 10}`));
      const twins = new Map(devices.map((d) => [d, uniqueDeviceId('twin')]));
      // Device i gets steps i, i+1, … (so the kinds interleave), devices 0-3 a few times over.
      const plan = devices.flatMap((d, i) =>
        Array.from({ length: i < 4 ? 4 : 1 }, (_, k) => {
          const [change, seconds] = STEPS[(i + k) % STEPS.length] as (typeof STEPS)[number];
          return { deviceId: d, change, time: at(seconds + k) };
        }),
      );
      plan.sort((a, b) => a.time.getTime() - b.time.getTime());
      for (const { deviceId, change, time } of plan) {
        await applyThroughRegistry(store, twins.get(deviceId) as DeviceId, change, time);
      }
      await store.enrollmentRecorder.record(
        plan.map(({ deviceId, change, time }) =>
          outcome(deviceId, time, { device: { id: deviceId, change } }),
        ),
      );
      for (const d of devices) {
        assert.deepEqual(
          withoutId(await store.devices.get(d)),
          withoutId(await store.devices.get(twins.get(d) as DeviceId)),
          d,
        );
      }
    });

    test('a certificate superseded twice in one call: the same successor is a no-op, another CONFLICT', async () => {
      const { store } = current();
      const old = await recordedCertificate();
      const deviceId = uniqueDeviceId();
      const successor = randomSerial();
      const twice = [successor, randomSerial()].map((by) =>
        outcome(deviceId, at(1), { superseded: { issuerId: old.issuerId, serial: old.serial, by } }),
      );
      await assert.rejects(store.enrollmentRecorder.record(twice), (e) => isPkiError(e, 'CONFLICT'));
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, null);
      assert.deepEqual(await eventsOf(deviceId), []);

      const same = outcome(deviceId, at(2), {
        superseded: { issuerId: old.issuerId, serial: old.serial, by: successor },
      });
      await store.enrollmentRecorder.record([same, same]);
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, successor);
      assert.equal((await eventsOf(deviceId)).length, 2);
    });

    test('many certificates superseded in one call', async () => {
      const { store } = current();
      const olds = await Promise.all(Array.from({ length: 20 }, () => recordedCertificate()));
      const successors = olds.map(() => randomSerial());
      await store.enrollmentRecorder.record(
        olds.map((old, i) =>
          outcome(uniqueDeviceId(), at(i), {
            superseded: { issuerId: old.issuerId, serial: old.serial, by: successors[i] as SerialHex },
          }),
        ),
      );
      for (const [i, old] of olds.entries()) {
        assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, successors[i]);
      }
    });

    test('a call whose superseded certificate is unknown writes nothing of that call', async () => {
      const { store } = current();
      const old = await recordedCertificate();
      const deviceId = uniqueDeviceId();
      const good = outcome(deviceId, at(1), {
        device: {
          id: deviceId,
          change: { kind: 'ldevid', issuerId: OPERATIONAL, serial: randomSerial(), notAfter: at(9) },
        },
        superseded: { issuerId: old.issuerId, serial: old.serial, by: randomSerial() },
      });
      const unknown = outcome(deviceId, at(2), {
        superseded: { issuerId: old.issuerId, serial: randomSerial(), by: randomSerial() },
      });
      await assert.rejects(store.enrollmentRecorder.record([good, unknown]), (e) =>
        isPkiError(e, 'NOT_FOUND'),
      );
      assert.deepEqual(await eventsOf(deviceId), []);
      assert.equal(await store.devices.get(deviceId), undefined);
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, null);
    });

    test('superseding by another successor is CONFLICT and writes nothing of that call; the same one is a no-op', async () => {
      const { store } = current();
      const old = await recordedCertificate();
      const first = randomSerial();
      await store.lifecycle.markSuperseded(old.issuerId, old.serial, first, at(1));
      const deviceId = uniqueDeviceId();
      const conflicting = outcome(deviceId, at(2), {
        device: {
          id: deviceId,
          change: { kind: 'idevid', issuerId: FACTORY, serial: randomSerial(), productLine: null },
        },
        superseded: { issuerId: old.issuerId, serial: old.serial, by: randomSerial() },
      });
      await assert.rejects(store.enrollmentRecorder.record([conflicting]), (e) => isPkiError(e, 'CONFLICT'));
      assert.deepEqual(await eventsOf(deviceId), []);
      assert.equal(await store.devices.get(deviceId), undefined);

      const repeat = outcome(deviceId, at(3), {
        superseded: { issuerId: old.issuerId, serial: old.serial, by: first },
      });
      await store.enrollmentRecorder.record([repeat]);
      assert.equal((await eventsOf(deviceId)).length, 1);
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, first);
    });

    test('concurrent calls share one transaction, and each resolves once its outcomes are committed', async () => {
      const { store, raw } = current();
      const recorder = store.enrollmentRecorder;
      assert.ok(recorder instanceof GroupCommitEnrollmentRecorder, 'the store’s recorder is group-committed');
      const before = recorder.commits;
      const tag = `batch:${uniqueDeviceId()}`;
      const callers = 256;

      const committedOnResolve = await Promise.all(
        Array.from({ length: callers }, async (_, i) => {
          const deviceId = uniqueDeviceId();
          await recorder.record([
            outcome(
              deviceId,
              at(i),
              { device: { id: deviceId, change: { kind: 'failure', reason: 'x' } } },
              tag,
            ),
          ]);
          // Read at once, on a connection of its own: the outcome must already be committed.
          const row = await raw
            .selectFrom('enrollment_events')
            .select('device_id')
            .where('device_id', '=', deviceId)
            .executeTakeFirst();
          return row !== undefined;
        }),
      );
      assert.equal(committedOnResolve.filter(Boolean).length, callers);

      // Every call was made in one turn of the event loop, before the queue's first commit could start.
      const after = recorder.commits;
      assert.equal(after.transactions - before.transactions, 1);
      assert.equal(after.outcomes - before.outcomes, callers);
      if (engine.name === 'postgres') {
        // Timing-independent evidence from the database itself: every row's xmin names the transaction that wrote it.
        const { rows } = await sql<{ transactions: string }>`
          select count(distinct xmin::text) as transactions from enrollment_events where requester = ${tag}`.execute(
          raw,
        );
        assert.equal(Number(rows[0]?.transactions), 1);
      }
    });

    test('calls arriving in waves never take more transactions than there are waves', async () => {
      const { store } = current();
      const recorder = store.enrollmentRecorder;
      assert.ok(recorder instanceof GroupCommitEnrollmentRecorder);
      const before = recorder.commits.transactions;
      const waves = 4;
      const perWave = 64;
      const all: Promise<void>[] = [];
      for (let wave = 0; wave < waves; wave += 1) {
        for (let i = 0; i < perWave; i += 1) {
          const deviceId = uniqueDeviceId();
          all.push(recorder.record([outcome(deviceId, at(i))]));
        }
        // Let the queue start a commit before the next wave arrives.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(all);
      const transactions = recorder.commits.transactions - before;
      // A wave is submitted in one turn, so it is never split; a wave arriving during a commit joins the next.
      assert.ok(
        transactions >= 1 && transactions <= waves,
        `${transactions} transactions for ${waves} waves`,
      );
    });

    test('a caller whose call fails does not fail the callers it was batched with', async () => {
      const { store } = current();
      const old = await recordedCertificate();
      const good = Array.from({ length: 16 }, () => uniqueDeviceId());
      const badDevice = uniqueDeviceId();
      const calls = good.map((deviceId, i) =>
        store.enrollmentRecorder.record([
          outcome(deviceId, at(i), {
            device: {
              id: deviceId,
              change: { kind: 'idevid', issuerId: FACTORY, serial: randomSerial(), productLine: null },
            },
          }),
        ]),
      );
      const bad = store.enrollmentRecorder.record([
        outcome(badDevice, at(1), {
          superseded: { issuerId: old.issuerId, serial: randomSerial(), by: randomSerial() },
        }),
      ]);
      const invalidTime = store.enrollmentRecorder.record([outcome(badDevice, new Date(Number.NaN))]);
      await Promise.all(calls);
      await assert.rejects(bad, (e) => isPkiError(e, 'NOT_FOUND'));
      await assert.rejects(invalidTime, (e) => isPkiError(e, 'MALFORMED_INPUT'));
      for (const deviceId of good) assert.equal((await store.devices.get(deviceId))?.state, 'provisioned');
      assert.deepEqual(await eventsOf(badDevice), []);
    });
  });
}
