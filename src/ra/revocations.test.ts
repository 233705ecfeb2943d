import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createTestDeployment, type TestDeployment } from '../../test/helpers/test-deployment.js';
import { ManualClock } from '../core/clock.js';
import { type DeviceId, type IssuerId, type SerialHex, toDeviceId, toIssuerId } from '../core/ids.js';
import { isPkiError, type PkiErrorCode } from '../core/pki-error.js';
import type { IssuedCertificate } from '../ca/issue-order.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { buildCsr } from '../pki/csr.js';
import { parseDistinguishedName } from '../pki/name.js';
import type { AuditRecord } from '../store/records.js';
import type { Credential } from './provisioner.js';

const operator: Credential = { kind: 'operator', name: 'alice' };
const operational = toIssuerId('operational')!;
const factory = toIssuerId('factory')!;
const clock = new ManualClock('2026-06-01T12:00:00Z');

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const device = (id: string) => toDeviceId(id)!;

describe('Revocations', () => {
  let deployment: TestDeployment;
  /** Issuer ids each revocation listener call named, in order. */
  const notified: IssuerId[][] = [];

  before(async () => {
    clock.set('2026-06-01T12:00:00Z');
    deployment = await createTestDeployment({ clock });
    deployment.runtime.revoker.onRevoked((ids) => notified.push([...ids]));
  });
  after(() => deployment.dispose());

  function ldevid(deviceId: string): Promise<IssuedCertificate> {
    const csr = buildCsr({ subject: parseDistinguishedName('CN=sensor') }, generateKeyPair('ec-p256'));
    return deployment.runtime.ra.requestCertificate(operator, {
      csr,
      profile: 'ldevid',
      deviceId,
      protocol: 'test',
      operation: 'issue',
    });
  }

  function idevid(deviceId: string): Promise<IssuedCertificate> {
    const csr = buildCsr(
      { subject: parseDistinguishedName(`serialNumber=${deviceId},CN=sensor,O=Acme`) },
      generateKeyPair('ec-p256'),
    );
    return deployment.runtime.ra.requestCertificate(operator, {
      csr,
      profile: 'idevid',
      protocol: 'test',
      operation: 'issue',
    });
  }

  /** A certificate recorded but never signed (the CA failed between prepare and sign). */
  async function prepared(issuerId: IssuerId, deviceId: DeviceId | null, serial = hex(16) as SerialHex) {
    const now = clock.now();
    const clashes = await deployment.runtime.store.ledger.recordPrepared(
      [
        {
          issuerId,
          serial,
          profile: 'ldevid',
          subject: 'CN=never-signed',
          sans: [],
          deviceId,
          notBefore: now,
          notAfter: new Date(now.getTime() + 86_400_000),
          keyAlgorithm: 'ec-p256',
          spkiSha256: hex(32),
          requestedVia: 'test',
        },
      ],
      now,
    );
    assert.deepEqual(clashes, []);
    return serial;
  }

  const record = (issuerId: IssuerId, serial: SerialHex) =>
    deployment.runtime.store.certificates.get(issuerId, serial);

  async function audit(event: string, subject: string): Promise<AuditRecord[]> {
    const all = await deployment.runtime.store.audit.list({ event, limit: 10_000 });
    return all.filter((e) => e.subject === subject);
  }

  async function refused(run: Promise<unknown>, code: PkiErrorCode, message: RegExp): Promise<void> {
    await assert.rejects(run, (e) => isPkiError(e, code) && message.test(e.message));
  }

  test('revokes one certificate by serial: recorded, audited as cert.revoked, listeners told', async () => {
    const cert = await ldevid('SN-R-1');
    clock.set('2026-06-01T12:30:00.250Z');
    notified.length = 0;
    const summary = await deployment.runtime.revocations.revoke(
      operator,
      { kind: 'certificate', serial: cert.serial },
      'keyCompromise',
      new Date('2026-05-30T00:00:00Z'),
    );
    assert.deepEqual(summary, {
      revoked: 1,
      alreadyRevoked: 0,
      certificates: [{ issuerId: operational, serial: cert.serial, result: 'revoked' }],
    });
    const stored = await record(operational, cert.serial);
    assert.equal(stored?.status, 'revoked');
    assert.equal(stored?.revokedAt?.toISOString(), '2026-06-01T12:30:00.250Z');
    assert.equal(stored?.revocationReason, 'keyCompromise');
    assert.equal(stored?.invalidityDate?.toISOString(), '2026-05-30T00:00:00.000Z');
    assert.deepEqual(notified, [[operational]]);

    const events = await audit('cert.revoked', `cert:operational/${cert.serial}`);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.actor, 'operator:alice');
    assert.equal(events[0]?.at.toISOString(), '2026-06-01T12:30:00.250Z');
    assert.deepEqual(events[0]?.data, {
      reason: 'keyCompromise',
      invalidityDate: '2026-05-30T00:00:00.000Z',
    });
    assert.deepEqual(await deployment.runtime.store.audit.verifyChain().then((c) => c.ok), true);
  });

  test("revoking a device's newest LDevID takes the device offline (revoked); an older one does not", async () => {
    const devices = deployment.runtime.store.devices;
    const older = await ldevid('SN-R-NEWEST');
    const newest = await ldevid('SN-R-NEWEST');
    await deployment.runtime.revocations.revoke(
      operator,
      { kind: 'certificate', serial: older.serial },
      'superseded',
    );
    assert.equal((await devices.get(device('SN-R-NEWEST')))?.state, 'active', 'it uses the newest');
    await deployment.runtime.revocations.revoke(
      operator,
      { kind: 'certificate', serial: newest.serial },
      'keyCompromise',
    );
    assert.equal((await devices.get(device('SN-R-NEWEST')))?.state, 'revoked');
    // Onboarding again brings it back.
    await ldevid('SN-R-NEWEST');
    assert.equal((await devices.get(device('SN-R-NEWEST')))?.state, 'active');
  });

  test('revoking again changes nothing: alreadyRevoked, the first revocation stands, nothing audited', async () => {
    const cert = await ldevid('SN-R-2');
    const { revocations } = deployment.runtime;
    await revocations.revoke(operator, { kind: 'certificate', serial: cert.serial }, 'superseded');
    const first = await record(operational, cert.serial);
    clock.advanceSeconds(600);
    notified.length = 0;
    const again = await revocations.revoke(
      operator,
      { kind: 'certificate', serial: cert.serial, issuerId: operational },
      'keyCompromise',
      new Date('2026-05-01T00:00:00Z'),
    );
    assert.deepEqual(again, {
      revoked: 0,
      alreadyRevoked: 1,
      certificates: [{ issuerId: operational, serial: cert.serial, result: 'already-revoked' }],
    });
    const after = await record(operational, cert.serial);
    assert.equal(after?.revocationReason, 'superseded');
    assert.equal(after?.revokedAt?.getTime(), first?.revokedAt?.getTime());
    assert.equal(after?.invalidityDate, null);
    assert.deepEqual(notified, [], 'no listener call: nothing changed');
    assert.equal((await audit('cert.revoked', `cert:operational/${cert.serial}`)).length, 1);
  });

  test('refusals: not an operator, a future invalidity date, an unknown serial; nothing is revoked', async () => {
    const cert = await ldevid('SN-R-3');
    const { revocations } = deployment.runtime;
    const target = { kind: 'certificate', serial: cert.serial } as const;
    const others: Credential[] = [
      { kind: 'service', name: 'ocsp' },
      { kind: 'enrollment-token', secret: 'x' },
      { kind: 'idevid', chain: [cert.der] },
      { kind: 'ldevid', chain: [cert.der] },
      { kind: 'station-certificate', chain: [cert.der] },
    ];
    for (const credential of others) {
      await refused(revocations.revoke(credential, target, 'keyCompromise'), 'FORBIDDEN', /only operators/);
      await refused(revocations.decommission(credential, device('SN-R-3')), 'FORBIDDEN', /only operators/);
    }
    await refused(
      revocations.revoke(operator, target, 'keyCompromise', new Date(clock.now().getTime() + 1)),
      'MALFORMED_INPUT',
      /invalidity date lies in the future/,
    );
    await refused(
      revocations.revoke(operator, { kind: 'certificate', serial: 'abcdef01' as SerialHex }, 'superseded'),
      'NOT_FOUND',
      /no certificate with serial abcdef01/,
    );
    await refused(
      revocations.revoke(operator, { ...target, issuerId: factory }, 'superseded'),
      'NOT_FOUND',
      /no certificate with serial/,
    );
    assert.equal((await record(operational, cert.serial))?.status, 'issued');
    assert.deepEqual(await audit('cert.revoked', `cert:operational/${cert.serial}`), []);

    // An invalidity date of exactly now is not in the future.
    const summary = await revocations.revoke(operator, target, 'keyCompromise', clock.now());
    assert.equal(summary.revoked, 1);
  });

  test('certificateHold and removeFromCRL are refused: certfleet does not suspend certificates', async () => {
    const cert = await ldevid('SN-R-HOLD');
    const { revocations } = deployment.runtime;
    for (const reason of ['certificateHold', 'removeFromCRL'] as const) {
      await refused(
        revocations.revoke(operator, { kind: 'certificate', serial: cert.serial }, reason),
        'POLICY_VIOLATION',
        /does not suspend certificates/,
      );
      await refused(
        revocations.decommission(operator, device('SN-R-HOLD'), reason),
        'POLICY_VIOLATION',
        /does not suspend certificates/,
      );
    }
    assert.equal((await record(operational, cert.serial))?.status, 'issued');
    assert.equal((await deployment.runtime.store.devices.get(device('SN-R-HOLD')))?.state, 'active');
  });

  test('a serial that exists under two issuers must be named with its issuer', async () => {
    const cert = await ldevid('SN-R-4');
    await prepared(factory, null, cert.serial);
    const { revocations } = deployment.runtime;
    await refused(
      revocations.revoke(operator, { kind: 'certificate', serial: cert.serial }, 'superseded'),
      'CONFLICT',
      /exists under several issuers; name the issuer/,
    );
    const summary = await revocations.revoke(
      operator,
      { kind: 'certificate', serial: cert.serial, issuerId: factory },
      'superseded',
    );
    assert.deepEqual(summary.certificates, [{ issuerId: factory, serial: cert.serial, result: 'revoked' }]);
    assert.equal((await record(factory, cert.serial))?.status, 'revoked', 'a prepared one too');
    assert.equal((await record(operational, cert.serial))?.status, 'issued', 'the other is untouched');
  });

  test("revokes every certificate of a device, across issuers, prepared ones too; other devices' stay", async () => {
    const birth = await idevid('SN-R-5');
    const older = await ldevid('SN-R-5');
    const current = await ldevid('SN-R-5');
    const unsigned = await prepared(operational, device('SN-R-5'));
    const neighbour = await ldevid('SN-R-6');
    const { revocations } = deployment.runtime;
    await revocations.revoke(operator, { kind: 'certificate', serial: older.serial }, 'superseded');
    notified.length = 0;

    const summary = await revocations.revoke(
      operator,
      { kind: 'device', deviceId: device('SN-R-5') },
      'keyCompromise',
    );
    assert.equal(summary.revoked, 3);
    assert.equal(summary.alreadyRevoked, 0, 'the revoked one is not listed again');
    assert.deepEqual(
      summary.certificates.map((c) => `${c.issuerId}/${c.serial}:${c.result}`).sort(),
      [
        `factory/${birth.serial}:revoked`,
        `operational/${current.serial}:revoked`,
        `operational/${unsigned}:revoked`,
      ].sort(),
    );
    assert.deepEqual([...new Set(notified.flat())].sort(), [factory, operational].sort());
    assert.equal((await record(factory, birth.serial))?.revocationReason, 'keyCompromise');
    assert.equal((await record(operational, older.serial))?.revocationReason, 'superseded', 'first stands');
    assert.equal((await record(operational, neighbour.serial))?.status, 'issued');

    const again = await revocations.revoke(
      operator,
      { kind: 'device', deviceId: device('SN-R-5') },
      'keyCompromise',
    );
    assert.deepEqual(again, { revoked: 0, alreadyRevoked: 0, certificates: [] });
    assert.equal((await deployment.runtime.store.devices.get(device('SN-R-5')))?.state, 'revoked');
  });

  test('decommissioning revokes with cessationOfOperation, voids tokens, sets the state, audits once', async () => {
    const id = device('SN-R-7');
    const birth = await idevid(id);
    const operating = await ldevid(id);
    const { revocations, store } = deployment.runtime;
    const expiresAt = new Date(clock.now().getTime() + 86_400_000);
    const token = (n: number) => ({
      id: `tok-${id}-${n}`,
      secretSha256: hex(32),
      deviceId: id,
      profile: 'ldevid',
      label: null,
      createdBy: 'operator:alice',
      expiresAt,
    });
    await store.tokens.create(token(1), clock.now());
    await store.tokens.create(token(2), clock.now());
    const used = token(3);
    await store.tokens.create(used, clock.now());
    assert.ok(await store.tokens.consume(used.secretSha256, clock.now()), 'one token was used');
    clock.advanceSeconds(60);

    const summary = await revocations.decommission(operator, id);
    assert.equal(summary.revoked, 2);
    assert.equal(summary.alreadyRevoked, 0);
    assert.equal(summary.tokensVoided, 2, 'the two usable tokens; the used one stays used');
    assert.equal(summary.stateChanged, true);
    for (const [issuerId, serial] of [
      [factory, birth.serial],
      [operational, operating.serial],
    ] as const) {
      const stored = await record(issuerId, serial);
      assert.equal(stored?.status, 'revoked');
      assert.equal(stored?.revocationReason, 'cessationOfOperation');
      const events = await audit('cert.revoked', `cert:${issuerId}/${serial}`);
      assert.deepEqual(
        events.map((e) => e.data),
        [{ reason: 'cessationOfOperation', invalidityDate: null }],
      );
    }
    const stored = await store.devices.get(id);
    assert.equal(stored?.state, 'decommissioned');
    assert.deepEqual(await store.tokens.list({ deviceId: id, usableAt: clock.now() }), []);
    const tokens = await store.tokens.list({ deviceId: id });
    assert.deepEqual(tokens.map((t) => [t.id, t.voidedAt?.getTime() ?? null]).sort(), [
      [`tok-${id}-1`, clock.now().getTime()],
      [`tok-${id}-2`, clock.now().getTime()],
      [`tok-${id}-3`, null],
    ]);
    const decommissioned = await audit('device.decommissioned', `device:${id}`);
    assert.equal(decommissioned.length, 1);
    assert.equal(decommissioned[0]?.actor, 'operator:alice');
    assert.deepEqual(decommissioned[0]?.data, {
      reason: 'cessationOfOperation',
      certificatesRevoked: 2,
      tokensVoided: 2,
    });

    // Again: nothing left to do, nothing audited twice.
    clock.advanceSeconds(60);
    const again = await revocations.decommission(operator, id);
    assert.deepEqual(again, {
      revoked: 0,
      alreadyRevoked: 0,
      certificates: [],
      tokensVoided: 0,
      stateChanged: false,
    });
    assert.equal((await audit('device.decommissioned', `device:${id}`)).length, 1);
    assert.equal((await store.devices.get(id))?.updatedAt.getTime(), stored?.updatedAt.getTime());
  });

  test('decommissioning with another reason; an unknown device is NOT_FOUND', async () => {
    const id = device('SN-R-8');
    const cert = await ldevid(id);
    const { revocations } = deployment.runtime;
    const summary = await revocations.decommission(operator, id, 'keyCompromise');
    assert.equal(summary.revoked, 1);
    assert.equal((await record(operational, cert.serial))?.revocationReason, 'keyCompromise');
    assert.equal((await audit('device.decommissioned', `device:${id}`))[0]?.data['reason'], 'keyCompromise');
    await refused(
      revocations.decommission(operator, device('SN-NOBODY')),
      'NOT_FOUND',
      /no device SN-NOBODY/,
    );
    assert.deepEqual(await audit('device.decommissioned', 'device:SN-NOBODY'), []);
  });

  test('a device known only by its certificates is decommissioned: certificates revoked, registered, audited', async () => {
    const id = device('SN-R-GHOST');
    const serial = await prepared(operational, id);
    assert.equal(await deployment.runtime.store.devices.get(id), undefined);
    const summary = await deployment.runtime.revocations.decommission(operator, id);
    assert.equal(summary.revoked, 1);
    assert.equal(
      summary.stateChanged,
      true,
      'registered as decommissioned, so later requests find the state',
    );
    assert.equal((await deployment.runtime.store.devices.get(id))?.state, 'decommissioned');
    assert.equal((await record(operational, serial))?.status, 'revoked');
    assert.equal((await audit('device.decommissioned', `device:${id}`)).length, 1);
    const again = await deployment.runtime.revocations.decommission(operator, id);
    assert.equal(again.stateChanged, false);
    assert.equal((await audit('device.decommissioned', `device:${id}`)).length, 1, 'audited once');
  });

  test('revoking by an unknown device or issuer, or by the offline root, is refused', async () => {
    const { revocations } = deployment.runtime;
    await assert.rejects(
      revocations.revoke(operator, { kind: 'device', deviceId: device('SN-NEVER') }, 'superseded'),
      (e) => isPkiError(e, 'NOT_FOUND') && /no device SN-NEVER/.test(e.message),
    );
    await assert.rejects(
      revocations.revoke(operator, { kind: 'issuer', issuerId: toIssuerId('nosuch')! }, 'cACompromise'),
      (e) => isPkiError(e, 'NOT_FOUND'),
    );
    await assert.rejects(
      revocations.revoke(operator, { kind: 'issuer', issuerId: toIssuerId('root')! }, 'cACompromise'),
      (e) => isPkiError(e, 'POLICY_VIOLATION') && e.details['rule'] === 'revocation.offline-root',
    );
  });

  // Last: it revokes everything the factory issuer signed.
  test('revokes every certificate of an issuer, and only of that issuer', async () => {
    const birth = await idevid('SN-R-9');
    const operating = await ldevid('SN-R-9');
    const { revocations, store } = deployment.runtime;
    const revokedBefore = await store.certificates.count({ issuerId: factory, status: 'revoked' });
    const live =
      (await store.certificates.count({ issuerId: factory, status: 'issued' })) +
      (await store.certificates.count({ issuerId: factory, status: 'prepared' }));
    assert.ok(live >= 1);
    const summary = await revocations.revoke(operator, { kind: 'issuer', issuerId: factory }, 'cACompromise');
    assert.equal(summary.revoked, live);
    assert.ok(summary.certificates.every((c) => c.issuerId === factory && c.result === 'revoked'));
    assert.equal((await record(factory, birth.serial))?.revocationReason, 'cACompromise');
    assert.equal((await record(operational, operating.serial))?.status, 'issued');
    assert.equal(await store.certificates.count({ issuerId: factory, status: 'issued' }), 0);
    assert.equal(
      await store.certificates.count({ issuerId: factory, status: 'revoked' }),
      revokedBefore + live,
    );
    const again = await revocations.revoke(operator, { kind: 'issuer', issuerId: factory }, 'cACompromise');
    assert.deepEqual(again, { revoked: 0, alreadyRevoked: 0, certificates: [] });
  });
  test('a certificate holder revokes the certificate it signs with, and nothing else', async () => {
    const own = await ldevid('HOLDER-1');
    const other = await ldevid('HOLDER-2');
    const holder: Credential = { kind: 'certificate-holder', chain: [own.der, ...own.chain] };
    await assert.rejects(
      deployment.runtime.revocations.revoke(
        holder,
        { kind: 'certificate', serial: other.serial },
        'keyCompromise',
      ),
      (error) => isPkiError(error, 'FORBIDDEN'),
    );
    assert.equal(
      (await deployment.runtime.store.certificates.get(operational, other.serial))?.status,
      'issued',
    );
    await assert.rejects(
      deployment.runtime.revocations.revoke(
        holder,
        { kind: 'device', deviceId: device('HOLDER-2') },
        'keyCompromise',
      ),
      (error) => isPkiError(error, 'FORBIDDEN'),
    );

    const summary = await deployment.runtime.revocations.revoke(
      holder,
      { kind: 'certificate', serial: own.serial, issuerId: operational },
      'keyCompromise',
    );
    assert.equal(summary.revoked, 1);
    assert.equal(
      (await deployment.runtime.store.certificates.get(operational, own.serial))?.status,
      'revoked',
    );
    // Once revoked, the holder's credential is worth nothing: the repeat is CERT_REVOKED, not "0 revoked".
    await assert.rejects(
      deployment.runtime.revocations.revoke(
        holder,
        { kind: 'certificate', serial: own.serial },
        'keyCompromise',
      ),
      (error) => isPkiError(error, 'CERT_REVOKED'),
    );
  });

  test('the CMP front end revokes a certificate its client did not accept', async () => {
    const unconfirmed = await ldevid('CMP-UNCONFIRMED');
    const summary = await deployment.runtime.revocations.revoke(
      { kind: 'service', name: 'cmp' },
      { kind: 'certificate', serial: unconfirmed.serial, issuerId: operational },
      'cessationOfOperation',
    );
    assert.equal(summary.revoked, 1);
  });

  test('a holder credential that is not ours, or not a certificate, revokes nothing', async () => {
    const target = await ldevid('HOLDER-3');
    const forged: Credential = {
      kind: 'certificate-holder',
      chain: [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])],
    };
    await assert.rejects(
      deployment.runtime.revocations.revoke(
        forged,
        { kind: 'certificate', serial: target.serial },
        'keyCompromise',
      ),
      (error) => isPkiError(error, 'UNAUTHORIZED'),
    );
    await assert.rejects(
      deployment.runtime.revocations.decommission(
        { kind: 'certificate-holder', chain: [target.der] },
        device('HOLDER-3'),
      ),
      (error) => isPkiError(error, 'FORBIDDEN'),
    );
    assert.equal(
      (await deployment.runtime.store.certificates.get(operational, target.serial))?.status,
      'issued',
    );
  });
});
