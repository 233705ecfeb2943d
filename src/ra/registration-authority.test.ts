import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDeployment, type TestDeployment } from '../../test/helpers/test-deployment.js';
import { toDeviceId } from '../core/ids.js';
import { isPkiError, type PkiErrorCode } from '../core/pki-error.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../pki/certificate.js';
import { buildCsr } from '../pki/csr.js';
import type { AltName } from '../pki/general-names.js';
import { parseDistinguishedName } from '../pki/name.js';
import type { CertificateRequest } from './registration-authority.js';
import type { Credential } from './provisioner.js';

const operator: Credential = { kind: 'operator', name: 'alice' };

function csrFor(subject: string, altNames: AltName[] = []): Uint8Array {
  return buildCsr({ subject: parseDistinguishedName(subject), altNames }, generateKeyPair('ec-p256'));
}

function request(overrides: Partial<CertificateRequest>): CertificateRequest {
  return { csr: csrFor('CN=x'), profile: 'ldevid', protocol: 'test', operation: 'issue', ...overrides };
}

describe('RegistrationAuthority', () => {
  let deployment: TestDeployment;
  before(async () => {
    deployment = await createTestDeployment();
  });
  after(() => deployment.dispose());

  test('an IDevID names its device by serialNumber and provisions it', async () => {
    const { ra, store } = deployment.runtime;
    const issued = await ra.requestCertificate(
      operator,
      request({ profile: 'idevid', csr: csrFor('serialNumber=SN-100,CN=sensor,O=Acme') }),
    );
    assert.equal(issued.issuerId, 'factory');
    const device = await store.devices.get(toDeviceId('SN-100')!);
    assert.equal(device?.state, 'provisioned');
    assert.equal(device?.idevidSerial, issued.serial);
    const [event] = await store.enrollments.list({ deviceId: toDeviceId('SN-100')! });
    assert.equal(event?.outcome, 'issued');
    assert.equal(event?.requester, 'operator:alice');
  });

  test('an LDevID gets the device identity URI added and activates the device', async () => {
    const { ra, store } = deployment.runtime;
    const issued = await ra.requestCertificate(
      operator,
      request({ deviceId: 'SN-100', csr: csrFor('CN=sensor') }),
    );
    const cert = parseCertificate(issued.der);
    assert.deepEqual(cert.extensions.subjectAltNames?.names, [
      { type: 'uri', value: 'urn:dev:org:32473-SN-100' },
    ]);
    const device = await store.devices.get(toDeviceId('SN-100')!);
    assert.equal(device?.state, 'active');
    assert.equal(device?.ldevidSerial, issued.serial);
  });

  test('refusals carry a clear reason, are logged, and issue nothing', async () => {
    const { ra, store } = deployment.runtime;
    const good = csrFor('CN=sensor', [{ type: 'uri', value: 'urn:dev:org:32473-SN-200' }]);
    const tampered = new Uint8Array(good);
    const at = Buffer.from(tampered).indexOf(Buffer.from('sensor'));
    tampered[at] = (tampered[at] ?? 0) ^ 0x20;
    const cases: Array<{
      name: string;
      credential?: Credential;
      request: Partial<CertificateRequest>;
      code: PkiErrorCode;
      reason: RegExp;
      rule?: string;
    }> = [
      {
        name: 'malformed CSR',
        request: { csr: 'this is not a CSR' },
        code: 'MALFORMED_INPUT',
        reason: /not valid base64/,
      },
      {
        name: 'truncated CSR',
        request: { csr: good.subarray(0, 40) },
        code: 'MALFORMED_INPUT',
        reason: /certificate signing request/,
      },
      {
        name: 'mis-signed CSR',
        request: { csr: tampered },
        code: 'BAD_SIGNATURE',
        reason: /proof of possession/,
      },
      {
        name: 'out of profile',
        request: { csr: good, validitySeconds: 120 * 86_400 },
        code: 'POLICY_VIOLATION',
        reason: /exceeds the maximum 90d/,
        rule: 'ldevid.validity.max',
      },
      {
        name: 'no identity',
        request: { csr: csrFor('CN=sensor') },
        code: 'POLICY_VIOLATION',
        reason: /device identity is unknown/,
        rule: 'ldevid.device-identity',
      },
      {
        name: 'another device',
        request: { csr: good, deviceId: 'SN-999' },
        code: 'FORBIDDEN',
        reason: /names device SN-200, not SN-999/,
      },
      {
        name: 'idevid without serial',
        request: { profile: 'idevid', csr: csrFor('CN=sensor') },
        code: 'POLICY_VIOLATION',
        reason: /must contain serialNumber/,
        rule: 'idevid.subject.required',
      },
      {
        name: 'unknown profile',
        request: { profile: 'root', csr: good },
        code: 'POLICY_VIOLATION',
        reason: /unknown certificate profile/,
        rule: 'profile.unknown',
      },
      {
        name: 'CA profile',
        request: { profile: 'intermediate-ca', csr: good },
        code: 'FORBIDDEN',
        reason: /may not request intermediate-ca/,
      },
      {
        name: 'bad operator',
        credential: { kind: 'operator', name: '' },
        request: { csr: good },
        code: 'UNAUTHORIZED',
        reason: /operator name/,
      },
    ];
    for (const c of cases) {
      const issuedBefore = await store.certificates.count({});
      await assert.rejects(
        ra.requestCertificate(c.credential ?? operator, request(c.request)),
        (e) => isPkiError(e, c.code) && c.reason.test(e.message),
        c.name,
      );
      assert.equal(await store.certificates.count({}), issuedBefore, `${c.name}: nothing recorded`);
      const [event] = await store.enrollments.list({ limit: 1 });
      assert.equal(event?.outcome, 'refused', c.name);
      assert.equal(event?.reasonCode, c.rule ?? c.code, c.name);
      assert.match(event?.reason ?? '', c.reason, c.name);
    }
  });
});
