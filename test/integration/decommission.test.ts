import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type IssuerId, type SerialHex, toDeviceId, toIssuerId } from '../../src/core/ids.js';
import type { RevocationReason } from '../../src/core/revocation-reason.js';
import { type ParsedCertificate, parseCertificate } from '../../src/pki/certificate.js';
import { EstHttpError } from '../../src/protocols/est/client/est-client.js';
import { hashTokenSecret } from '../../src/ra/token-provisioner.js';
import {
  credentialFrom,
  csr,
  type ClientCredential,
  type EstTestServer,
  startEstServer,
} from '../helpers/est-server.js';
import { ocspStatus } from '../helpers/ocsp-http.js';
import { dropSchema, postgresTestUrl, randomSchemaName } from '../helpers/postgres.js';

const OPERATOR = { kind: 'operator', name: 'test' } as const;
const OPERATIONAL = toIssuerId('operational')!;
const FACTORY = toIssuerId('factory')!;

/** Where the server keeps its store: a SQLite file in its folder, or a fresh PostgreSQL schema. */
interface Engine {
  readonly name: string;
  /** Extra server configuration, and what to remove after the server closed. */
  reserve(): { config: Record<string, unknown>; release: () => Promise<void> };
}

const engines: readonly Engine[] = [
  { name: 'sqlite', reserve: () => ({ config: {}, release: () => Promise.resolve() }) },
  {
    name: 'postgres',
    reserve() {
      const schema = randomSchemaName();
      return { config: { storeUrl: postgresTestUrl(schema) }, release: () => dropSchema(schema) };
    },
  },
];

function rejectsWith(status: number, reason: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof EstHttpError, String(error));
    assert.equal(error.status, status, error.reason);
    assert.match(error.reason, reason);
    return true;
  };
}

/**
 * Issue requirement: "a decommissioned device's certificates are revoked, its enrollment tokens are voided, and
 * its IDevID can no longer onboard" — checked through EST on a running server, with OCSP on its public listener.
 */
for (const engine of engines) {
  describe(`decommissioning a device (${engine.name})`, () => {
    let est: EstTestServer;
    let release: () => Promise<void> = () => Promise.resolve();
    let operational: ParsedCertificate;
    let factory: ParsedCertificate;
    before(async () => {
      const reserved = engine.reserve();
      release = reserved.release;
      est = await startEstServer({
        ...reserved.config,
        est: { rateLimit: { perMinute: 6000, burst: 1000 } },
      });
      operational = est.server.runtime.issuers.get(OPERATIONAL)!.certificate;
      factory = est.server.runtime.issuers.get(FACTORY)!.certificate;
    });
    after(async () => {
      await est?.close();
      await release();
    });

    /** A device with an IDevID that has onboarded over EST: both credentials, ready for TLS. */
    async function onboardedDevice(deviceId: string) {
      const idevid = await est.issue('idevid', `serialNumber=${deviceId},CN=valve`);
      const request = csr('CN=valve');
      const onboarded = await est.client({ as: idevid }).simpleenroll(request.der);
      assert.equal(onboarded.status, 'issued');
      const ldevid = credentialFrom(
        request.key,
        onboarded.status === 'issued' ? onboarded.certificate : new Uint8Array(),
        [operational.der],
      );
      return { idevid, ldevid, idevidSerial: serialOf(idevid), ldevidSerial: serialOf(ldevid) };
    }

    async function createToken(deviceId: string): Promise<string> {
      const secret = randomBytes(24).toString('base64url');
      await est.server.runtime.store.tokens.create(
        {
          id: `tok_${randomBytes(6).toString('hex')}`,
          secretSha256: hashTokenSecret(secret),
          deviceId: toDeviceId(deviceId)!,
          profile: 'ldevid',
          label: null,
          createdBy: 'operator:test',
          expiresAt: new Date(Date.now() + 3600_000),
        },
        new Date(),
      );
      return secret;
    }

    const status = (issuer: ParsedCertificate, serial: SerialHex) =>
      ocspStatus(est.server.publicUrl, issuer, serial);

    async function revokedAs(issuerId: IssuerId, serial: SerialHex, reason: RevocationReason) {
      const record = await est.server.runtime.store.certificates.get(issuerId, serial);
      assert.equal(record?.status, 'revoked', serial);
      assert.equal(record.revocationReason, reason, serial);
      const revokedAt = new Date(Math.floor(record.revokedAt!.getTime() / 1000) * 1000);
      return { status: 'revoked', revokedAt, reason } as const;
    }

    test('its certificates are revoked, its tokens voided, and neither certificate enrolls again; twice changes nothing', async () => {
      const { runtime } = est.server;
      const id = toDeviceId('DC-1')!;
      const device = await onboardedDevice(id);
      const secret = await createToken(id);
      assert.deepEqual(await status(factory, device.idevidSerial), { status: 'good' });
      assert.deepEqual(await status(operational, device.ldevidSerial), { status: 'good' });

      const summary = await runtime.revocations.decommission(OPERATOR, id);
      assert.equal(summary.stateChanged, true);
      assert.equal(summary.revoked, 2);
      assert.equal(summary.alreadyRevoked, 0);
      assert.equal(summary.tokensVoided, 1);
      assert.deepEqual(
        summary.certificates.map((c) => `${c.issuerId}/${c.serial}: ${c.result}`).sort(),
        [
          `${FACTORY}/${device.idevidSerial}: revoked`,
          `${OPERATIONAL}/${device.ldevidSerial}: revoked`,
        ].sort(),
      );
      assert.equal((await runtime.store.devices.get(id))?.state, 'decommissioned');

      const certificatesBefore = await runtime.store.certificates.count({ deviceId: id });
      await assert.rejects(
        est.client({ as: device.idevid }).simpleenroll(csr('CN=valve').der),
        rejectsWith(403, /IDevID of DC-1 is revoked/),
      );
      await assert.rejects(
        est.client({ as: device.ldevid }).simplereenroll(csr('CN=valve').der),
        rejectsWith(403, new RegExp(`client certificate ${device.ldevidSerial} is revoked`)),
      );
      await assert.rejects(
        est.client({ token: { user: id, secret } }).simpleenroll(csr('CN=valve').der),
        rejectsWith(401, /unknown, used, voided or expired/),
      );
      assert.equal(
        await runtime.store.certificates.count({ deviceId: id }),
        certificatesBefore,
        'nothing issued',
      );

      const idevidRevoked = await revokedAs(FACTORY, device.idevidSerial, 'cessationOfOperation');
      const ldevidRevoked = await revokedAs(OPERATIONAL, device.ldevidSerial, 'cessationOfOperation');
      assert.deepEqual(await status(factory, device.idevidSerial), idevidRevoked);
      assert.deepEqual(await status(operational, device.ldevidSerial), ldevidRevoked);

      // Again, even with another reason: nothing changes, the first revocations stand.
      const again = await runtime.revocations.decommission(OPERATOR, id, 'keyCompromise');
      assert.equal(again.stateChanged, false);
      assert.equal(again.revoked, 0);
      assert.equal(again.tokensVoided, 0);
      // Only certificates still standing are looked at, so those revoked before are not counted again.
      assert.equal(again.alreadyRevoked, 0);
      assert.deepEqual(await revokedAs(FACTORY, device.idevidSerial, 'cessationOfOperation'), idevidRevoked);
      assert.deepEqual(
        await revokedAs(OPERATIONAL, device.ldevidSerial, 'cessationOfOperation'),
        ldevidRevoked,
      );
      assert.deepEqual(await status(operational, device.ldevidSerial), ldevidRevoked);
      const audited = await runtime.store.audit.list({ event: 'device.decommissioned', limit: 1000 });
      assert.equal(audited.filter((e) => e.subject === `device:${id}`).length, 1, 'audited once');
    });

    test('a decommissioned device gets nothing again: no new IDevID, no token enrollment, whoever asks', async () => {
      const { runtime } = est.server;
      const id = toDeviceId('DC-2')!;
      await onboardedDevice(id);
      await runtime.revocations.decommission(OPERATOR, id);
      const issuedBefore = await runtime.store.certificates.count({ deviceId: id });
      // The factory cannot make the board a new birth certificate under the same id (a refurbished board gets
      // a new one), and a token made for it after the fact (here straight in the store) does not enroll.
      await assert.rejects(
        est.issue('idevid', `serialNumber=${id},CN=valve`),
        /device DC-2 is decommissioned/,
      );
      const lateToken = await createToken(id);
      await assert.rejects(
        est.client({ token: { user: id, secret: lateToken } }).simpleenroll(csr('CN=valve').der),
        rejectsWith(403, /device DC-2 is decommissioned/),
      );
      assert.equal(await runtime.store.certificates.count({ deviceId: id }), issuedBefore, 'nothing issued');
      assert.equal((await runtime.store.devices.get(id))?.state, 'decommissioned', 'still decommissioned');
      const repeat = await runtime.revocations.decommission(OPERATOR, id);
      assert.equal(repeat.stateChanged, false);
      // Only operators decommission, and only devices this deployment knows.
      await assert.rejects(
        runtime.revocations.decommission(OPERATOR, toDeviceId('NEVER-SEEN')!),
        /no device NEVER-SEEN/,
      );
      await assert.rejects(
        runtime.revocations.decommission({ kind: 'service', name: 'ocsp' }, id),
        /only operators may revoke/,
      );
    });

    test('revoking an LDevID alone (keyCompromise) refuses its renewal; the device onboards again with its IDevID', async () => {
      const { runtime } = est.server;
      const id = toDeviceId('KC-1')!;
      const device = await onboardedDevice(id);
      const summary = await runtime.revocations.revoke(
        OPERATOR,
        { kind: 'certificate', serial: device.ldevidSerial, issuerId: OPERATIONAL },
        'keyCompromise',
      );
      assert.deepEqual([summary.revoked, summary.alreadyRevoked], [1, 0]);
      await assert.rejects(
        est.client({ as: device.ldevid }).simplereenroll(csr('CN=valve').der),
        rejectsWith(403, new RegExp(`client certificate ${device.ldevidSerial} is revoked`)),
      );
      const revoked = await revokedAs(OPERATIONAL, device.ldevidSerial, 'keyCompromise');
      assert.deepEqual(await status(operational, device.ldevidSerial), revoked);

      // Revoking it again is a no-op that says so; the first reason stands.
      const again = await runtime.revocations.revoke(
        OPERATOR,
        { kind: 'certificate', serial: device.ldevidSerial },
        'superseded',
      );
      assert.deepEqual([again.revoked, again.alreadyRevoked], [0, 1]);
      assert.deepEqual(await status(operational, device.ldevidSerial), revoked);

      // Not a decommissioning: the IDevID still stands, and the device gets a new LDevID that renews.
      assert.notEqual((await runtime.store.devices.get(id))?.state, 'decommissioned');
      assert.deepEqual(await status(factory, device.idevidSerial), { status: 'good' });
      const request = csr('CN=valve');
      const recovered = await est.client({ as: device.idevid }).simpleenroll(request.der);
      assert.equal(recovered.status, 'issued');
      const fresh = credentialFrom(
        request.key,
        recovered.status === 'issued' ? recovered.certificate : new Uint8Array(),
        [operational.der],
      );
      assert.equal((await est.client({ as: fresh }).simplereenroll(csr('CN=valve').der)).status, 'issued');
    });
  });
}

function serialOf(credential: ClientCredential): SerialHex {
  return parseCertificate(credential.certificate).serial;
}
