import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toDeviceId, toIssuerId } from '../../src/core/ids.js';

import { privateKeyFromPkcs8 } from '../../src/pki/algorithms/key-algorithm.js';
import { TrustStore } from '../../src/pki/chain.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { bytesEqual } from '../../src/pki/der.js';
import { EstHttpError } from '../../src/protocols/est/client/est-client.js';
import { rm } from 'node:fs/promises';
import { systemClock } from '../../src/core/clock.js';
import { importIssuer } from '../../src/ca/ceremonies/import-issuer.js';
import { EstClient } from '../../src/protocols/est/client/est-client.js';
import { keyStoreFor } from '../../src/server/runtime.js';
import { serve } from '../../src/server/serve.js';
import { openStore } from '../../src/store/open-store.js';
import { credentialFrom, csr, type EstTestServer, startEstServer } from '../helpers/est-server.js';
import { makeTestCertificate, makeTestHierarchy } from '../helpers/pki-fixtures.js';
import { testConfig } from '../helpers/test-deployment.js';

const DEVICE_URI = 'urn:dev:org:32473-';

function rejectsWith(status: number, reason?: RegExp) {
  return (error: unknown) =>
    error instanceof EstHttpError &&
    error.status === status &&
    (reason === undefined || reason.test(error.reason));
}

describe('EST flows: factory → onboarding → renewal, tokens, serverkeygen', () => {
  let est: EstTestServer;
  before(async () => {
    est = await startEstServer();
  });
  after(() => est.close());

  const events = (deviceId: string) =>
    est.server.runtime.store.enrollments.list({ deviceId: toDeviceId(deviceId)! });

  test('cacerts returns the label issuer up to the root; csrattrs asks for P-256 and, at the factory, a serialNumber', async () => {
    const operational = await est.client().cacerts();
    assert.deepEqual(
      operational.map((c) => parseCertificate(c).subjectText),
      [
        'CN=certfleet development Operational CA,O=certfleet development',
        'CN=certfleet Development Root CA,O=certfleet development',
      ],
    );
    const factory = await est.client({ label: 'factory' }).cacerts();
    assert.match(parseCertificate(factory[0]!).subjectText, /Factory CA/);
    const attrs = await est.client({ label: 'factory' }).csrattrs();
    assert.equal(attrs?.keyAlgorithm?.parameter, '1.2.840.10045.3.1.7');
    assert.deepEqual(attrs?.requiredSubjectAttributeOids, ['2.5.4.5']);
    const defaultAttrs = await est.client().csrattrs();
    assert.equal(defaultAttrs?.signatureAlgorithmOid, '1.2.840.10045.4.3.2');
    assert.equal(defaultAttrs?.private?.length, 1, 'the renewal policy');
  });

  test('factory: a station gets an IDevID; anyone else is refused', async () => {
    const station = await est.issue('factory-station', 'CN=Line 3 station,O=Acme');
    const device = csr('serialNumber=SN-1001,CN=sensor,O=Acme');
    const issued = await est.client({ label: 'factory', as: station }).simpleenroll(device.der);
    assert.equal(issued.status, 'issued');
    const idevid = parseCertificate(issued.status === 'issued' ? issued.certificate : new Uint8Array());
    assert.equal(idevid.subjectText, 'serialNumber=SN-1001,CN=sensor,O=Acme');
    assert.match(idevid.issuerText, /Factory CA/);
    assert.equal((await est.server.runtime.store.devices.get(toDeviceId('SN-1001')!))?.state, 'provisioned');

    await assert.rejects(
      est.client({ label: 'factory' }).simpleenroll(csr('serialNumber=SN-1002').der),
      rejectsWith(401, /factory station certificate/),
    );
    // A device's IDevID is not a station credential.
    const idevidCredential = credentialFrom(
      device.key,
      issued.status === 'issued' ? issued.certificate : new Uint8Array(),
      [est.server.runtime.issuers.get(toIssuerId('factory')!)!.certificate.der],
    );
    await assert.rejects(
      est.client({ label: 'factory', as: idevidCredential }).simpleenroll(csr('serialNumber=SN-1003').der),
      rejectsWith(403, /idevid certificate cannot be used here/),
    );
  });

  test('onboarding with the IDevID, then renewal with the LDevID; the old one is superseded', async () => {
    const idevid = await est.issue('idevid', 'serialNumber=SN-2001,CN=gateway');
    const first = csr('CN=gateway');
    const onboarded = await est.client({ as: idevid }).simpleenroll(first.der);
    assert.equal(onboarded.status, 'issued');
    const ldevidDer = onboarded.status === 'issued' ? onboarded.certificate : new Uint8Array();
    const ldevid = parseCertificate(ldevidDer);
    assert.deepEqual(ldevid.extensions.subjectAltNames?.names, [
      { type: 'uri', value: `${DEVICE_URI}SN-2001` },
    ]);
    const root = parseCertificate(est.rootPem);
    const operational = est.server.runtime.issuers.get(toIssuerId('operational')!)!.certificate;
    new TrustStore([root]).validate(ldevid, [operational], new Date());
    const device = await est.server.runtime.store.devices.get(toDeviceId('SN-2001')!);
    assert.equal(device?.state, 'active');
    assert.equal(device?.ldevidSerial, ldevid.serial);

    const current = credentialFrom(first.key, ldevidDer, [operational.der]);
    const second = csr('CN=gateway', undefined, [{ type: 'uri', value: `${DEVICE_URI}SN-2001` }]);
    const renewed = await est.client({ as: current }).simplereenroll(second.der);
    assert.equal(renewed.status, 'issued');
    const renewedCert = parseCertificate(
      renewed.status === 'issued' ? renewed.certificate : new Uint8Array(),
    );
    assert.ok(bytesEqual(renewedCert.spkiDer, second.key.spki));
    const old = await est.server.runtime.store.certificates.get(toIssuerId('operational')!, ldevid.serial);
    assert.equal(old?.supersededBy, renewedCert.serial);

    // The device lost that answer and renews again from the old certificate: still served.
    const retry = await est.client({ as: current }).simplereenroll(csr('CN=gateway').der);
    assert.equal(retry.status, 'issued');
    assert.equal(
      (await est.server.runtime.store.certificates.get(toIssuerId('operational')!, ldevid.serial))
        ?.supersededBy,
      renewedCert.serial,
    );

    const outcomes = (await events('SN-2001')).map((e) => `${e.operation}:${e.outcome}`);
    assert.deepEqual(outcomes.sort(), [
      'issue:issued',
      'simpleenroll:issued',
      'simplereenroll:issued',
      'simplereenroll:issued',
    ]);
  });

  test('renewal refusals: reused key, other names, an IDevID presented, no certificate', async () => {
    const idevid = await est.issue('idevid', 'serialNumber=SN-3001');
    const first = csr('CN=meter');
    const onboarded = await est.client({ as: idevid }).simpleenroll(first.der);
    const operational = est.server.runtime.issuers.get(toIssuerId('operational')!)!.certificate;
    const current = credentialFrom(
      first.key,
      onboarded.status === 'issued' ? onboarded.certificate : new Uint8Array(),
      [operational.der],
    );
    const client = est.client({ as: current });
    await assert.rejects(
      client.simplereenroll(csr('CN=meter', first.key).der),
      rejectsWith(403, /generate a new key/),
    );
    await assert.rejects(
      client.simplereenroll(csr('CN=other meter').der),
      rejectsWith(403, /subject differs/),
    );
    await assert.rejects(
      client.simplereenroll(
        csr('CN=meter', undefined, [
          { type: 'uri', value: `${DEVICE_URI}SN-3001` },
          { type: 'dns', value: 'meter.example' },
        ]).der,
      ),
      rejectsWith(403, /alternative names differ/),
    );
    await assert.rejects(
      est.client({ as: idevid }).simplereenroll(csr('CN=meter').der),
      rejectsWith(403, /idevid certificate cannot be used here/),
    );
    await assert.rejects(
      est.client().simplereenroll(csr('CN=meter').der),
      rejectsWith(401, /requires a TLS client certificate/),
    );
    const refusals = (await events('SN-3001'))
      .filter((e) => e.outcome === 'refused')
      .map((e) => e.reasonCode);
    assert.deepEqual(refusals.sort(), ['renewal.key-reuse', 'renewal.san', 'renewal.subject'].sort());
  });

  test('onboarding refusals: another device in the CSR, an IDevID from an unknown CA', async () => {
    const idevid = await est.issue('idevid', 'serialNumber=SN-4001');
    await assert.rejects(
      est
        .client({ as: idevid })
        .simpleenroll(csr('CN=x', undefined, [{ type: 'uri', value: `${DEVICE_URI}SN-9999` }]).der),
      rejectsWith(403, /names device SN-9999, not SN-4001/),
    );
    const stranger = credentialFrom(...selfSignedIdevid());
    await assert.rejects(
      est.client({ as: stranger }).simpleenroll(csr('CN=x').der),
      rejectsWith(403, /no trusted issuer/),
    );
    assert.equal(
      await est.server.runtime.store.certificates.count({
        deviceId: toDeviceId('SN-4001')!,
        profile: 'ldevid',
      }),
      0,
    );
  });

  test('brownfield: a one-time token enrolls once', async () => {
    const { store } = est.server.runtime;
    const secret = 'correct-horse-battery-staple-0001';
    const { hashTokenSecret } = await import('../../src/ra/token-provisioner.js');
    await store.tokens.create(
      {
        id: 'tok_test1',
        secretSha256: hashTokenSecret(secret),
        deviceId: toDeviceId('BF-7')!,
        profile: 'ldevid',
        label: null,
        createdBy: 'test',
        expiresAt: new Date(Date.now() + 3600_000),
      },
      new Date(),
    );
    const client = est.client({ token: { user: 'BF-7', secret } });
    const enrolled = await client.simpleenroll(csr('CN=legacy pump').der);
    assert.equal(enrolled.status, 'issued');
    const cert = parseCertificate(enrolled.status === 'issued' ? enrolled.certificate : new Uint8Array());
    assert.deepEqual(cert.extensions.subjectAltNames?.names, [{ type: 'uri', value: `${DEVICE_URI}BF-7` }]);
    await assert.rejects(
      client.simpleenroll(csr('CN=legacy pump').der),
      rejectsWith(401, /unknown, used, voided or expired/),
    );
    await assert.rejects(
      est.client({ token: { user: 'x', secret: 'guess' } }).simpleenroll(csr('CN=x').der),
      rejectsWith(401),
    );
  });

  test('a malformed CSR does not burn a token', async () => {
    const { store } = est.server.runtime;
    const secret = 'token-that-survives-a-bad-request';
    const { hashTokenSecret } = await import('../../src/ra/token-provisioner.js');
    await store.tokens.create(
      {
        id: 'tok_test2',
        secretSha256: hashTokenSecret(secret),
        deviceId: toDeviceId('BF-8')!,
        profile: 'ldevid',
        label: null,
        createdBy: 'test',
        expiresAt: new Date(Date.now() + 3600_000),
      },
      new Date(),
    );
    const client = est.client({ token: { user: 'BF-8', secret } });
    const tampered = csr('CN=pump').der;
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
    await assert.rejects(client.simpleenroll(tampered), rejectsWith(400));
    assert.equal((await client.simpleenroll(csr('CN=pump').der)).status, 'issued');
  });

  test('serverkeygen returns a key and a certificate for it', async () => {
    const idevid = await est.issue('idevid', 'serialNumber=SN-5001');
    const { certificate, privateKeyPkcs8 } = await est
      .client({ as: idevid })
      .serverkeygen(csr('CN=tiny sensor').der);
    const key = privateKeyFromPkcs8(privateKeyPkcs8);
    const cert = parseCertificate(certificate);
    assert.ok(bytesEqual(cert.spkiDer, key.spki), 'the certificate is for the returned key');
    assert.equal(key.algorithm, 'ec-p256');
  });

  test('fullcmc answers 501; unknown labels and operations 404', async () => {
    const res = await fetchEst(est, '/fullcmc', 'POST');
    assert.equal(res.status, 501);
    assert.equal((await fetchEst(est, '/nosuchlabel/cacerts', 'GET')).status, 404);
    assert.equal((await fetchEst(est, '/bogus', 'GET')).status, 404);
    assert.equal((await fetchEst(est, '/cacerts', 'POST')).status, 405);
  });
});

function selfSignedIdevid() {
  const rogue = makeTestCertificate({ subject: 'rogue', ca: true });
  const leaf = makeTestCertificate({ subject: 'SN-4001', issuer: rogue });
  return [leaf.key, leaf.cert.der] as const;
}

async function fetchEst(est: EstTestServer, path: string, method: string): Promise<{ status: number }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      `${est.estUrl}${path}`,
      { method, ca: est.rootPem, headers: { 'Content-Type': 'application/pkcs10' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? 'MIIB' : undefined);
  });
}

describe('EST onboarding with a third-party manufacturer anchor', () => {
  test('a device whose IDevID chains to an imported partner root onboards; the anchor must exist', async () => {
    const partner = makeTestHierarchy();
    const birth = makeTestCertificate({
      subject: 'partner device',
      dn: 'serialNumber=PARTNER-77,CN=partner device',
      issuer: partner.intermediate,
    });
    const device = credentialFrom(birth.key, birth.cert.der, [partner.intermediate.cert.der]);

    const est = await startEstServer();
    await est.server.close();
    const config = testConfig(est.dir, {
      log: { level: 'silent' },
      est: { manufacturerAnchors: ['factory', 'partner'] },
    });
    const store = await openStore(config.store.url);
    try {
      await importIssuer(
        { id: toIssuerId('partner')!, role: 'root', certificate: partner.root.cert.der, keyUri: null },
        { issuers: store.issuers, keys: keyStoreFor({}), audit: store.audit, clock: systemClock },
      );
    } finally {
      await store.close();
    }
    try {
      const restarted = await serve(config, systemClock, {}, () => undefined);
      try {
        const client = new EstClient({
          baseUrl: `${restarted.url}/.well-known/est`,
          serverTrust: est.rootPem,
          clientCertificate: { certificatePem: device.certificatePem, keyPem: device.keyPem },
        });
        const enrolled = await client.simpleenroll(csr('CN=partner device').der);
        assert.equal(enrolled.status, 'issued');
        const cert = parseCertificate(enrolled.status === 'issued' ? enrolled.certificate : new Uint8Array());
        assert.deepEqual(cert.extensions.subjectAltNames?.names, [
          { type: 'uri', value: `${DEVICE_URI}PARTNER-77` },
        ]);
      } finally {
        await restarted.close();
      }
      // An anchor id that names no issuer stops the server from starting.
      const typo = testConfig(est.dir, {
        log: { level: 'silent' },
        est: { manufacturerAnchors: ['factroy'] },
      });
      await assert.rejects(
        serve(typo, systemClock, {}, () => undefined),
        /manufacturerAnchors: no issuer 'factroy'/,
      );
    } finally {
      await rm(est.dir, { recursive: true, force: true });
    }
  });
});
