import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { type DeviceId, toDeviceId, toIssuerId } from '../../src/core/ids.js';
import { FleetStatus } from '../../src/fleet/fleet-status.js';
import { RenewalPolicy } from '../../src/pki/asn1/renewal-policy.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { decodeDer } from '../../src/pki/der.js';
import { OID } from '../../src/pki/oids.js';
import { EstClient } from '../../src/protocols/est/client/est-client.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { type ClientCredential, credentialFrom, csr } from '../helpers/est-server.js';
import { testConfig } from '../helpers/test-deployment.js';

const DEVICE_URI = 'urn:dev:org:32473-';

/**
 * A server configured as the fleet simulator runs it: LDevIDs of 90 seconds. What it issues and announces, and
 * what it records of each device at each attempt through EST: the certificate presented, the failures in a row,
 * and from those the fleet view.
 */
describe('EST with 90-second LDevIDs: issuance, csrattrs and what the server records of each device', () => {
  let dir: string;
  let server: RunningServer;
  let rootPem: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-short-'));
    const config = testConfig(dir, {
      log: { level: 'silent' },
      pki: {
        offlineRootDir: join(dir, 'offline-root'),
        backdateSeconds: 5,
        allowShortLifetimes: true,
        lifetimes: { ldevid: 90 },
      },
    });
    server = await serve(config, systemClock, {}, () => undefined);
    rootPem = await readFile(join(dir, 'offline-root', 'root.cert.pem'), 'utf8');
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const client = (as?: ClientCredential) =>
    new EstClient({
      baseUrl: `${server.url}/.well-known/est`,
      serverTrust: rootPem,
      ...(as ? { clientCertificate: { certificatePem: as.certificatePem, keyPem: as.keyPem } } : {}),
    });
  const operational = () => server.runtime.issuers.get(toIssuerId('operational')!)!.certificate;
  const device = (id: string) => server.runtime.store.devices.get(toDeviceId(id)!);

  async function birthCertificate(serialNumber: string): Promise<ClientCredential> {
    const request = csr(`serialNumber=${serialNumber},CN=sensor`);
    const issued = await server.runtime.ra.requestCertificate(
      { kind: 'operator', name: 'test' },
      { csr: request.der, profile: 'idevid', protocol: 'test', operation: 'issue' },
    );
    return credentialFrom(request.key, issued);
  }

  /** Enrolls (with the IDevID) or renews (with an LDevID); returns the new LDevID as a TLS credential. */
  async function enroll(as: ClientCredential, id: string, renewing: boolean): Promise<ClientCredential> {
    const request = renewing
      ? csr('CN=sensor', undefined, [{ type: 'uri', value: `${DEVICE_URI}${id}` }])
      : csr('CN=sensor');
    const answer = renewing
      ? await client(as).simplereenroll(request.der)
      : await client(as).simpleenroll(request.der);
    assert.equal(answer.status, 'issued');
    return credentialFrom(request.key, answer.status === 'issued' ? answer.certificate : new Uint8Array(), [
      operational().der,
    ]);
  }

  test('csrattrs announces the configured lifetime and its renewal point', async () => {
    const attributes = await client().csrattrs();
    const policy = attributes?.private?.find((p) => p.oid === OID.certfleetRenewalPolicy);
    assert.ok(policy, 'the renewal policy');
    const decoded = decodeDer(policy.valueDer, RenewalPolicy, 'renewal policy');
    assert.equal(decoded.lifetimeSeconds, 90);
    assert.equal(decoded.renewAfterSeconds, 60);
  });

  test('onboarding issues a 90-second LDevID and records the IDevID presented', async () => {
    const idevid = await birthCertificate('SN-S1');
    const before = Date.now();
    const ldevid = parseCertificate((await enroll(idevid, 'SN-S1', false)).certificate);
    const issuedAt = Math.floor(before / 1000) * 1000;
    assert.ok(
      Math.abs(ldevid.notAfter.getTime() - issuedAt - 90_000) <= 1000,
      'notAfter 90 s after issuance',
    );
    assert.equal(ldevid.notAfter.getTime() - ldevid.notBefore.getTime(), 95_000, 'backdated by 5 s');

    const record = await device('SN-S1');
    const presentedIdevid = parseCertificate(idevid.certificate);
    assert.equal(record?.lastPresented?.profile, 'idevid');
    assert.equal(record?.lastPresented?.serial, presentedIdevid.serial);
    assert.equal(record?.lastPresented?.issuerId, 'factory');
    assert.deepEqual(record?.lastPresented?.notAfter, presentedIdevid.notAfter);
    assert.ok((record?.lastPresented?.at.getTime() ?? 0) >= before);
    // The renewal point is 60 s after issuance (what csrattrs announced), not after the backdated notBefore.
    assert.deepEqual(record?.ldevidRenewAt, new Date(ldevid.notAfter.getTime() - 30_000));
    assert.equal(record?.consecutiveFailures, 0);
  });

  test('renewal records the LDevID presented; a renewal from a superseded one makes it "renewed, not deployed"', async () => {
    const idevid = await birthCertificate('SN-S2');
    const first = await enroll(idevid, 'SN-S2', false);
    const second = parseCertificate((await enroll(first, 'SN-S2', true)).certificate);
    const firstCert = parseCertificate(first.certificate);
    let record = await device('SN-S2');
    assert.equal(record?.lastPresented?.profile, 'ldevid');
    assert.equal(record?.lastPresented?.serial, firstCert.serial);
    assert.equal(record?.ldevidSerial, second.serial);

    const fleet = new FleetStatus(server.runtime.store.fleet, { marginSeconds: 120 });
    const named = async () =>
      (await fleet.allAtRisk(new Date())).find((d) => d.deviceId === ('SN-S2' as DeviceId));
    assert.equal(await named(), undefined, 'renewed normally: the new certificate is in use');

    // Back once with the first LDevID, after one newer one: maybe it lost the answer; what this retry brings
    // is taken to be in use.
    const third = parseCertificate((await enroll(first, 'SN-S2', true)).certificate);
    assert.equal(await named(), undefined, 'one renewal from a superseded certificate: a lost answer');
    assert.equal((await device('SN-S2'))?.ldevidSerial, third.serial);

    // A firmware that never installs what it gets: it comes back with the first LDevID again.
    const fourth = parseCertificate((await enroll(first, 'SN-S2', true)).certificate);
    const stuck = await named();
    assert.equal(stuck?.reason, 'renewed-not-deployed');
    assert.deepEqual(stuck?.inUse, { serial: firstCert.serial, notAfter: firstCert.notAfter });
    assert.equal(stuck?.newestSerial, fourth.serial);
    assert.equal(
      (await fleet.allAtRisk(new Date(), { marginSeconds: 30 })).some((d) => d.deviceId === 'SN-S2'),
      false,
      'with more than the margin left it is not named yet',
    );

    // A refused renewal (the same key again) counts as a failure and shows what was presented.
    const reused = csr('CN=sensor', first.key, [{ type: 'uri', value: `${DEVICE_URI}SN-S2` }]);
    await assert.rejects(client(first).simplereenroll(reused.der), /public key is the current one/);
    record = await device('SN-S2');
    assert.equal(record?.consecutiveFailures, 1);
    assert.equal(record?.lastPresented?.serial, firstCert.serial);
    assert.match(record?.lastFailureReason ?? '', /public key is the current one/);
  });

  test('three refusals in a row put a device at risk; a success clears them', async () => {
    const idevid = await birthCertificate('SN-S3');
    const current = await enroll(idevid, 'SN-S3', false);
    for (let i = 0; i < 3; i++) {
      const reused = csr('CN=sensor', current.key, [{ type: 'uri', value: `${DEVICE_URI}SN-S3` }]);
      await assert.rejects(client(current).simplereenroll(reused.der), /public key is the current one/);
    }
    const fleet = new FleetStatus(server.runtime.store.fleet, { marginSeconds: 10 });
    const failing = (await fleet.allAtRisk(new Date())).find((d) => d.deviceId === 'SN-S3');
    assert.equal(failing?.reason, 'repeated-failures');
    assert.equal(failing?.consecutiveFailures, 3);

    await enroll(current, 'SN-S3', true);
    assert.equal((await device('SN-S3'))?.consecutiveFailures, 0);
    assert.equal(
      (await fleet.allAtRisk(new Date())).some((d) => d.deviceId === 'SN-S3'),
      false,
    );
    const counts = await fleet.countByState(new Date());
    assert.equal(counts.total, 3);
    assert.equal(counts.healthy + counts.renewal_due + counts.at_risk, 3);
  });
});
