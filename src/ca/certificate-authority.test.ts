import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDeployment, type TestDeployment } from '../../test/helpers/test-deployment.js';
import { ManualClock } from '../core/clock.js';
import { type IssuerId, toDeviceId, toIssuerId } from '../core/ids.js';
import { isPkiError } from '../core/pki-error.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { TrustStore } from '../pki/chain.js';
import { parseCertificate } from '../pki/certificate.js';
import { buildName, encodeName } from '../pki/name.js';
import type { Signer } from '../keys/signer.js';
import type { CertificateLedger } from '../store/certificate-ledger.js';
import { CertificateAuthority } from './certificate-authority.js';
import type { IssueOrder } from './issue-order.js';

const operational = toIssuerId('operational')!;
const clock = new ManualClock('2026-06-01T12:00:00Z');

function order(overrides: Partial<IssueOrder> = {}): IssueOrder {
  const subject = buildName([{ type: 'CN', value: 'sensor-1' }]);
  return {
    issuerId: operational,
    profile: 'ldevid',
    subject,
    subjectDer: encodeName(subject),
    altNames: [{ type: 'uri', value: 'urn:dev:org:32473-sensor-1' }],
    spkiDer: generateKeyPair('ec-p256').spki,
    keyAlgorithm: 'ec-p256',
    deviceId: toDeviceId('sensor-1')!,
    requestedVia: 'test',
    requester: 'test',
    ...overrides,
  };
}

describe('CertificateAuthority', () => {
  let deployment: TestDeployment;
  before(async () => {
    clock.set('2026-06-01T12:00:00Z');
    deployment = await createTestDeployment({ clock });
  });
  after(() => deployment.dispose());

  const countCertificates = () => deployment.runtime.store.certificates.count({});

  test('issues a certificate that chains to the root, recorded before it is returned', async () => {
    const { ca, store } = deployment.runtime;
    clock.set('2026-06-01T13:00:00Z');
    const issued = await ca.issue(order());
    const cert = parseCertificate(issued.der);
    const root = parseCertificate(issued.chain[issued.chain.length - 1]!);
    new TrustStore([root]).validate(
      cert,
      issued.chain.slice(0, -1).map((d) => parseCertificate(d)),
      clock.now(),
    );

    assert.equal(cert.notBefore.toISOString(), '2026-06-01T12:55:00.000Z', 'backdated by 5 minutes');
    assert.equal(cert.notAfter.toISOString(), '2026-07-01T13:00:00.000Z', 'the ldevid default of 30 days');
    assert.deepEqual(cert.extensions.subjectAltNames?.names, [
      { type: 'uri', value: 'urn:dev:org:32473-sensor-1' },
    ]);
    assert.deepEqual(cert.extensions.extKeyUsage?.purposes, ['1.3.6.1.5.5.7.3.2']);

    const record = await store.certificates.get(operational, issued.serial);
    assert.equal(record?.status, 'issued');
    assert.deepEqual(record?.der, issued.der);
    assert.equal(record?.fingerprintSha256, cert.fingerprintSha256);
    const audit = await store.audit.list({ event: 'cert.issued' });
    assert.ok(audit.some((e) => e.subject === `cert:operational/${issued.serial}`));
  });

  test('refuses out-of-profile and ceremony-only orders, recording nothing', async () => {
    const { ca } = deployment.runtime;
    const before = await countCertificates();
    const cases: Array<[Partial<IssueOrder>, string]> = [
      [{ validitySeconds: 91 * 86_400 }, 'ldevid.validity.max'],
      [{ altNames: [] }, 'ldevid.san.required'],
      [{ keyAlgorithm: 'rsa-4096' }, 'ldevid.key-algorithm'],
      [{ profile: 'intermediate-ca' }, 'intermediate-ca.ceremony-only'],
      [{ profile: 'root-ca' }, 'root-ca.ceremony-only'],
    ];
    for (const [overrides, rule] of cases) {
      await assert.rejects(
        ca.issue(order(overrides)),
        (e) => isPkiError(e, 'POLICY_VIOLATION') && e.details['rule'] === rule,
        rule,
      );
    }
    await assert.rejects(ca.issue(order({ issuerId: 'nope' as IssuerId })), (e) =>
      isPkiError(e, 'NOT_FOUND'),
    );
    assert.equal(await countCertificates(), before);
  });

  test("never outlives the issuer: notAfter is clamped, and refused when less than the profile's minimum remains", async () => {
    const { ca, issuers } = deployment.runtime;
    const issuerEnd = issuers.get(operational)!.certificate.notAfter;
    clock.set(issuerEnd.getTime() - 10 * 86_400_000);
    try {
      const issued = await ca.issue(order());
      assert.equal(issued.notAfter.getTime(), issuerEnd.getTime());
      clock.set(issuerEnd.getTime() - 1800_000);
      await assert.rejects(
        ca.issue(order()),
        (e) => isPkiError(e, 'POLICY_VIOLATION') && e.details['rule'] === 'ldevid.issuer-expiry',
      );
      clock.set(issuerEnd.getTime() + 1000);
      await assert.rejects(
        ca.issue(order()),
        (e) => isPkiError(e, 'POLICY_VIOLATION') && e.details['rule'] === 'ldevid.issuer-expired',
      );
    } finally {
      clock.set('2026-06-01T12:00:00Z');
    }
  });

  test('a signing failure leaves the certificate prepared and returns nothing', async () => {
    const { issuers, store } = deployment.runtime;
    const real = issuers.get(operational)!;
    const failing: Signer = {
      ...real.signer,
      uri: real.signer.uri,
      sign: () => Promise.reject(new Error('HSM unplugged')),
    };
    const ca = new CertificateAuthority(
      new Map([[operational, { ...real, signer: failing }]]),
      store.ledger,
      clock,
    );
    await assert.rejects(ca.issue(order()), /HSM unplugged/);
    const prepared = await store.certificates.list({ status: 'prepared' });
    assert.equal(prepared.length, 1);
    assert.equal(prepared[0]?.der, null);
  });

  test('draws a new serial when the store reports a collision', async () => {
    const { issuers, store } = deployment.runtime;
    let collisions = 1;
    const colliding: CertificateLedger = {
      recordPrepared: async (entries, at) => {
        if (collisions-- > 0) return entries.map((e) => e.serial);
        return store.ledger.recordPrepared(entries, at);
      },
      recordSigned: (entries, at, audit) => store.ledger.recordSigned(entries, at, audit),
    };
    const ca = new CertificateAuthority(issuers, colliding, clock);
    const issued = await ca.issue(order());
    assert.equal((await store.certificates.get(operational, issued.serial))?.status, 'issued');
  });
});
