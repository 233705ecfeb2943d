import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DeviceId, IssuerId, SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { DeviceChange, EnrollmentOutcome } from '../../src/store/enrollment-recorder.js';
import type { AtRiskDevice, FleetQuery, FleetState } from '../../src/store/fleet-reader.js';
import type { PresentedCertificate } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, enrollmentEvent, randomSerial, uniqueDeviceId } from './store-records.js';

const FACTORY = 'factory' as IssuerId;
const OPERATIONAL = 'operational' as IssuerId;

/** Seconds of an LDevID's life, and when after issuance it is due for renewal (the simulator's lifetimes). */
const LIFETIME = 90;
const RENEW_AFTER = 60;
/** The moment the questions are about; every time below is relative to it. */
const NOW = 10_000;
const now = at(NOW);
const t = (offset: number) => at(NOW + offset);
const POLICY: FleetQuery = { now, marginSeconds: 20, failureThreshold: 3 };

interface Ldevid {
  readonly serial: SerialHex;
  readonly notAfter: Date;
  readonly issuedAt: number;
}

/**
 * Builds a fleet with one device per situation, through the enrollment recorder (what the RA writes) and the
 * device registry, as the server would have written it over time.
 */
class FleetBuilder {
  constructor(private readonly store: Store) {}

  async record(id: DeviceId, steps: ReadonlyArray<readonly [DeviceChange, number]>): Promise<void> {
    // One call: on PostgreSQL the changes of one device in one batch are written in generations.
    const outcomes: EnrollmentOutcome[] = steps.map(([change, offset]) => ({
      event: enrollmentEvent({
        at: t(offset),
        deviceId: id,
        outcome: change.kind === 'failure' ? 'refused' : 'issued',
      }),
      device: { id, change },
    }));
    await this.store.enrollmentRecorder.record(outcomes);
  }

  idevid(id: DeviceId, offset: number) {
    const serial = randomSerial();
    const change: DeviceChange = { kind: 'idevid', issuerId: FACTORY, serial, productLine: 'gw' };
    const presented: PresentedCertificate = {
      profile: 'idevid',
      issuerId: FACTORY,
      serial,
      notAfter: t(15 * 365 * 86_400),
    };
    return { step: [change, offset] as const, presented };
  }

  /** An LDevID issued at `offset`, presenting `presented` (the IDevID at onboarding, an LDevID at renewal). */
  ldevid(offset: number, presented?: PresentedCertificate): { step: [DeviceChange, number]; cert: Ldevid } {
    const cert = { serial: randomSerial(), notAfter: t(offset + LIFETIME), issuedAt: offset };
    const change: DeviceChange = {
      kind: 'ldevid',
      issuerId: OPERATIONAL,
      serial: cert.serial,
      notAfter: cert.notAfter,
      renewAt: t(offset + RENEW_AFTER),
      ...(presented === undefined ? {} : { presented }),
    };
    return { step: [change, offset], cert };
  }
}

const presentedLdevid = (cert: Ldevid): PresentedCertificate => ({
  profile: 'ldevid',
  issuerId: OPERATIONAL,
  serial: cert.serial,
  notAfter: cert.notAfter,
});

const failure = (
  reason: string,
  offset: number,
  presented?: PresentedCertificate,
): [DeviceChange, number] => [
  { kind: 'failure', reason, ...(presented === undefined ? {} : { presented }) },
  offset,
];

for (const engine of storeEngines) {
  describe(`FleetReader (${engine.name})`, () => {
    const current = useStore(engine);
    const ids = {
      healthy: uniqueDeviceId('healthy'),
      due: uniqueDeviceId('due'),
      overdue: uniqueDeviceId('overdue'),
      expired: uniqueDeviceId('expired'),
      renewed: uniqueDeviceId('renewed'),
      notDeployed: uniqueDeviceId('not-deployed'),
      notDeployedInTime: uniqueDeviceId('not-deployed-in-time'),
      lostAnswer: uniqueDeviceId('lost-answer'),
      failing: uniqueDeviceId('failing'),
      recovered: uniqueDeviceId('recovered'),
      twoFailures: uniqueDeviceId('two-failures'),
      expiredFailing: uniqueDeviceId('expired-failing'),
      decommissioned: uniqueDeviceId('decommissioned'),
      revoked: uniqueDeviceId('revoked'),
      provisioned: uniqueDeviceId('provisioned'),
      onboardingFails: uniqueDeviceId('onboarding-fails'),
    };
    const certs: Record<string, Ldevid> = {};

    before(async () => {
      const { store } = current();
      const fleet = new FleetBuilder(store);
      const onboarded = async (id: DeviceId, offset: number) => {
        const idevid = fleet.idevid(id, offset - 1);
        const first = fleet.ldevid(offset, idevid.presented);
        await fleet.record(id, [idevid.step, first.step]);
        return first.cert;
      };
      // Healthy: issued 10 s ago (renewal point in 50 s). Due: past the renewal point, 25 s left. Overdue: 15 s
      // left, under the margin. Expired: expired 5 s ago.
      certs['healthy'] = await onboarded(ids.healthy, -10);
      certs['due'] = await onboarded(ids.due, -65);
      certs['overdue'] = await onboarded(ids.overdue, -75);
      certs['expired'] = await onboarded(ids.expired, -95);

      // Renewed normally 10 s ago from the certificate it had, which is no longer in use.
      const old = await onboarded(ids.renewed, -70);
      const renewed = fleet.ldevid(-10, presentedLdevid(old));
      await fleet.record(ids.renewed, [renewed.step]);
      certs['renewedOld'] = old;
      certs['renewed'] = renewed.cert;

      // Firmware bug: renews, but keeps authenticating with its first LDevID, which has 10 s left, after two
      // newer ones were issued.
      const stuck = await onboarded(ids.notDeployed, -80);
      const second = fleet.ldevid(-20, presentedLdevid(stuck));
      const third = fleet.ldevid(-10, presentedLdevid(stuck));
      const fourth = fleet.ldevid(-5, presentedLdevid(stuck));
      await fleet.record(ids.notDeployed, [second.step, third.step, fourth.step]);
      certs['stuck'] = stuck;
      certs['fourth'] = fourth.cert;

      // Renewed early, twice, then came back with the old certificate (50 s left) and failed: not at risk yet.
      const early = await onboarded(ids.notDeployedInTime, -40);
      const replacement = fleet.ldevid(-30, presentedLdevid(early));
      const again = fleet.ldevid(-25, presentedLdevid(early));
      await fleet.record(ids.notDeployedInTime, [
        replacement.step,
        again.step,
        failure('renewal: the subject differs', -20, presentedLdevid(early)),
      ]);
      certs['early'] = early;

      // Lost the answer to its renewal, retried from its old certificate (20 s left) and installed what the
      // retry brought: not renewed-but-not-deployed, whatever margin is asked.
      const lost = await onboarded(ids.lostAnswer, -70);
      const unanswered = fleet.ldevid(-20, presentedLdevid(lost));
      const retried = fleet.ldevid(-19, presentedLdevid(lost));
      await fleet.record(ids.lostAnswer, [unanswered.step, retried.step]);
      certs['lostOld'] = lost;
      certs['retried'] = retried.cert;

      // Three failures in a row with a fresh certificate; three failures then a success; two failures.
      const failing = await onboarded(ids.failing, -10);
      await fleet.record(ids.failing, [
        failure('CERT_REVOKED', -8, presentedLdevid(failing)),
        failure('CERT_REVOKED', -6, presentedLdevid(failing)),
        failure('renewal: the public key is the current one', -4, presentedLdevid(failing)),
      ]);
      certs['failing'] = failing;
      const recovering = await onboarded(ids.recovered, -70);
      const recovered = fleet.ldevid(-5, presentedLdevid(recovering));
      await fleet.record(ids.recovered, [
        failure('RATE_LIMITED', -30, presentedLdevid(recovering)),
        failure('RATE_LIMITED', -20, presentedLdevid(recovering)),
        failure('RATE_LIMITED', -10, presentedLdevid(recovering)),
        recovered.step,
      ]);
      const two = await onboarded(ids.twoFailures, -10);
      await fleet.record(ids.twoFailures, [
        failure('BAD_REQUEST', -5, presentedLdevid(two)),
        failure('BAD_REQUEST', -4, presentedLdevid(two)),
      ]);
      await onboarded(ids.expiredFailing, -100);
      await fleet.record(ids.expiredFailing, [
        failure('UNAUTHORIZED', -3),
        failure('UNAUTHORIZED', -2),
        failure('UNAUTHORIZED', -1),
      ]);

      // Overdue, but decommissioned or revoked: counted by their state, never at risk.
      await onboarded(ids.decommissioned, -75);
      await store.devices.decommission(ids.decommissioned, t(-2));
      await onboarded(ids.revoked, -75);
      await store.devices.setState(ids.revoked, 'revoked', t(-2));

      // Never onboarded; and one whose onboarding keeps failing (through the registry this time).
      await fleet.record(ids.provisioned, [fleet.idevid(ids.provisioned, -50).step]);
      const refused = fleet.idevid(ids.onboardingFails, -50);
      await fleet.record(ids.onboardingFails, [refused.step]);
      for (const offset of [-30, -20, -10]) {
        await store.devices.recordFailure(ids.onboardingFails, 'FORBIDDEN', t(offset), refused.presented);
      }
    });

    const atRisk = (query: Partial<FleetQuery> & { limit?: number; offset?: number } = {}) =>
      current().store.fleet.atRisk({ ...POLICY, ...query });
    const reasons = (devices: readonly AtRiskDevice[]) => devices.map((d) => `${d.deviceId}:${d.reason}`);

    test('counts every device in exactly one state', async () => {
      const counts = await current().store.fleet.countByState(POLICY);
      assert.deepEqual(counts, {
        healthy: 6, // healthy, renewed, notDeployedInTime, lostAnswer, recovered, twoFailures
        renewal_due: 1, // due
        at_risk: 4, // overdue, notDeployed, failing, onboardingFails
        expired: 2, // expired, expiredFailing
        revoked: 1,
        decommissioned: 1,
        provisioned: 1,
      } satisfies Record<FleetState, number>);
    });

    test('lists the devices at risk, soonest expiry first, each with its reason', async () => {
      const listed = await atRisk();
      assert.deepEqual(reasons(listed), [
        `${ids.notDeployed}:renewed-not-deployed`, // 10 s left
        `${ids.overdue}:renewal-overdue`, // 15 s left
        `${ids.failing}:repeated-failures`, // 80 s left
        `${ids.onboardingFails}:repeated-failures`, // no certificate in use
      ]);
      const overdue = listed[1];
      assert.deepEqual(overdue?.inUse, { serial: certs['overdue']?.serial, notAfter: t(15) });
      assert.equal(overdue?.newestSerial, certs['overdue']?.serial);
      assert.deepEqual(overdue?.renewAt, t(-15));
      assert.equal(overdue?.consecutiveFailures, 0);
      assert.deepEqual(overdue?.lastSuccessAt, t(-75));
      assert.equal(overdue?.lastFailureAt, null);
      assert.deepEqual(overdue?.lastPresentedAt, t(-75), 'its IDevID, at onboarding');

      const failing = listed[2];
      assert.equal(failing?.consecutiveFailures, 3);
      assert.deepEqual(failing?.lastFailureAt, t(-4));
      assert.equal(failing?.lastFailureReason, 'renewal: the public key is the current one');
      assert.deepEqual(failing?.lastPresentedAt, t(-4));

      const onboarding = listed[3];
      assert.equal(onboarding?.inUse, null);
      assert.equal(onboarding?.newestSerial, null);
      assert.equal(onboarding?.lastFailureReason, 'FORBIDDEN');
    });

    test('renewed but not deployed: the certificate in use is the one presented, not the newest', async () => {
      const [stuck] = (await atRisk()).filter((d) => d.deviceId === ids.notDeployed);
      assert.deepEqual(stuck?.inUse, { serial: certs['stuck']?.serial, notAfter: t(10) });
      assert.equal(stuck?.newestSerial, certs['fourth']?.serial);
      assert.deepEqual(stuck?.lastSuccessAt, t(-5), 'its renewals succeed');
      const record = await current().store.devices.get(ids.notDeployed);
      assert.deepEqual(record?.lastPresented, { ...presentedLdevid(certs['stuck']!), at: t(-5) });
      assert.equal(record?.ldevidSerial, certs['fourth']?.serial);
    });

    test('a device that lost one answer and retried from its old certificate uses what the retry brought', async () => {
      const listed = (await atRisk({ marginSeconds: 30 })).map((d) => d.deviceId);
      assert.ok(!listed.includes(ids.lostAnswer), 'its old certificate has 20 s left, but it is not in use');
      const record = await current().store.devices.get(ids.lostAnswer);
      assert.deepEqual(record?.lastPresented, { ...presentedLdevid(certs['lostOld']!), at: t(-19) });
      assert.equal(record?.ldevidSerial, certs['retried']?.serial);
      const counts = await current().store.fleet.countByState({ ...POLICY, marginSeconds: 30 });
      assert.equal(counts.at_risk, 5, 'overdue, due, notDeployed, failing, onboardingFails');
    });

    test('a device that renewed normally, or is past its renewal point with time left, is not at risk', async () => {
      const listed = new Set((await atRisk()).map((d) => d.deviceId));
      for (const id of [ids.healthy, ids.renewed, ids.due, ids.notDeployedInTime, ids.twoFailures])
        assert.ok(!listed.has(id), id);
      const renewed = await current().store.devices.get(ids.renewed);
      assert.deepEqual(renewed?.lastPresented, { ...presentedLdevid(certs['renewedOld']!), at: t(-10) });
      assert.equal(renewed?.ldevidSerial, certs['renewed']?.serial);
      assert.deepEqual(renewed?.ldevidRenewAt, t(50));
    });

    test('repeated failures count in a row and a success resets them', async () => {
      const { store } = current();
      assert.equal((await store.devices.get(ids.failing))?.consecutiveFailures, 3);
      const recovered = await store.devices.get(ids.recovered);
      assert.equal(recovered?.consecutiveFailures, 0);
      assert.deepEqual(recovered?.lastFailureAt, t(-10), 'the last failure is still shown');
      assert.equal((await store.devices.get(ids.twoFailures))?.consecutiveFailures, 2);
      // A lower threshold names the device with two failures too.
      assert.ok(
        reasons(await atRisk({ failureThreshold: 2 })).includes(`${ids.twoFailures}:repeated-failures`),
      );
    });

    test('expired, decommissioned and revoked devices are not listed as at risk', async () => {
      const listed = new Set((await atRisk({ marginSeconds: 3600 })).map((d) => d.deviceId));
      for (const id of [ids.expired, ids.expiredFailing, ids.decommissioned, ids.revoked, ids.provisioned])
        assert.ok(!listed.has(id), id);
    });

    test('the margin is per question: a wider one names the device due, and later devices expire', async () => {
      assert.deepEqual(reasons(await atRisk({ marginSeconds: 30 })).slice(0, 3), [
        `${ids.notDeployed}:renewed-not-deployed`,
        `${ids.overdue}:renewal-overdue`,
        `${ids.due}:renewal-overdue`,
      ]);
      // 35 s later those three have expired, and the certificate notDeployedInTime still presents has 15 s left.
      const later = { now: t(35), marginSeconds: 20, failureThreshold: 3 };
      const counts = await current().store.fleet.countByState(later);
      assert.equal(counts.expired, 5);
      assert.ok(
        reasons(await atRisk(later)).includes(`${ids.notDeployedInTime}:renewed-not-deployed`),
        'its old certificate is nearly spent',
      );
    });

    test('pages through the list with limit and offset', async () => {
      const all = reasons(await atRisk());
      const pages = [
        ...reasons(await atRisk({ limit: 3, offset: 0 })),
        ...reasons(await atRisk({ limit: 3, offset: 3 })),
      ];
      assert.deepEqual(pages, all);
      assert.deepEqual(reasons(await atRisk({ limit: 1, offset: 1 })), [all[1]]);
      assert.deepEqual(await atRisk({ offset: 100 }), []);
    });

    test('several devices in one batch, as a group commit writes them, each keep their own history', async () => {
      const { store } = current();
      const fleet = new FleetBuilder(store);
      const a = uniqueDeviceId('batch-a');
      const b = uniqueDeviceId('batch-b');
      const a1 = fleet.ldevid(-50);
      const b1 = fleet.ldevid(-50);
      const a2 = fleet.ldevid(-40, presentedLdevid(a1.cert));
      const b2 = fleet.ldevid(-40, presentedLdevid(b1.cert));
      const a3 = fleet.ldevid(-30, presentedLdevid(a1.cert));
      const a4 = fleet.ldevid(-25, presentedLdevid(a1.cert));
      const steps: Array<[DeviceId, [DeviceChange, number]]> = [
        [a, a1.step],
        [b, b1.step],
        [a, a2.step],
        [b, b2.step],
        [a, a3.step],
        [a, a4.step],
        [b, failure('BAD_REQUEST', -20, presentedLdevid(b2.cert))],
      ];
      const outcomes = steps.map(([id, [change, offset]]): EnrollmentOutcome => ({
        event: enrollmentEvent({ at: t(offset), deviceId: id }),
        device: { id, change },
      }));
      await store.enrollmentRecorder.record(outcomes);

      const listed = (await atRisk({ marginSeconds: 3600, limit: 10_000 })).filter(
        (d) => d.deviceId === a || d.deviceId === b,
      );
      assert.deepEqual(
        listed.map((d) => [d.deviceId, d.reason, d.inUse?.serial, d.newestSerial]),
        [[a, 'renewed-not-deployed', a1.cert.serial, a4.cert.serial]],
      );
      const deviceB = await store.devices.get(b);
      assert.equal(deviceB?.consecutiveFailures, 1);
      assert.deepEqual(deviceB?.lastPresented, { ...presentedLdevid(b2.cert), at: t(-20) });
    });

    test('refuses a negative margin or a threshold below one', async () => {
      await assert.rejects(atRisk({ marginSeconds: -1 }), (e) => isPkiError(e, 'MALFORMED_INPUT'));
      await assert.rejects(current().store.fleet.countByState({ ...POLICY, failureThreshold: 0 }), (e) =>
        isPkiError(e, 'MALFORMED_INPUT'),
      );
    });
  });
}
