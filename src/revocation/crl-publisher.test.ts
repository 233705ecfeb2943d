import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { makeTestHierarchy, type TestCredential } from '../../test/helpers/pki-fixtures.js';
import { createTestDeployment, type TestDeployment } from '../../test/helpers/test-deployment.js';
import { ManualClock } from '../core/clock.js';
import { type IssuerId, type SerialHex, toDeviceId, toIssuerId } from '../core/ids.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import { CrlSigner } from '../ca/crl-signer.js';
import type { OnlineIssuer } from '../ca/online-issuer.js';
import type { Signer } from '../keys/signer.js';
import { defaultSignatureAlgorithm } from '../pki/algorithms/signature-algorithm.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { parseCrl, type ParsedCrl } from '../pki/crl.js';
import { buildCsr } from '../pki/csr.js';
import { parseDistinguishedName } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import type { RevokedCertificate } from '../store/certificate-reader.js';
import type { CrlRecord, CrlStore } from '../store/crl-store.js';
import type { Credential } from '../ra/provisioner.js';
import { CrlPublisher, type CrlPolicy } from './crl-publisher.js';

const ISSUER = 'operational' as IssuerId;
const POLICY: CrlPolicy = { validitySeconds: 86_400, republishBeforeSeconds: 43_200 };
const T0 = '2026-06-01T12:00:00.750Z';

/** CRLs kept in memory, with CRL numbers unique per issuer as the store's constraint keeps them. */
class MemoryCrlStore implements CrlStore {
  readonly records: CrlRecord[] = [];
  /** How many `add` calls lose the race: another node takes the number first. */
  rivals = 0;
  /** Thrown by the next `add`, when set. */
  failure: Error | undefined;
  adds = 0;

  latest(issuerId: IssuerId, kind: 'full' | 'delta'): Promise<CrlRecord | undefined> {
    const mine = this.records
      .filter((r) => r.issuerId === issuerId && (r.baseCrlNumber === null) === (kind === 'full'))
      .sort((a, b) => b.crlNumber - a.crlNumber);
    return Promise.resolve(mine[0]);
  }

  highestNumber(issuerId: IssuerId): Promise<number> {
    return Promise.resolve(
      Math.max(0, ...this.records.filter((r) => r.issuerId === issuerId).map((r) => r.crlNumber)),
    );
  }

  add(crl: CrlRecord): Promise<void> {
    this.adds++;
    if (this.failure) return Promise.reject(this.failure);
    if (this.rivals > 0) {
      this.rivals--;
      this.records.push({ ...crl, der: new Uint8Array(0) });
    }
    if (this.records.some((r) => r.issuerId === crl.issuerId && r.crlNumber === crl.crlNumber)) {
      return Promise.reject(new PkiError('CONFLICT', `CRL number ${crl.crlNumber} is taken`));
    }
    this.records.push(crl);
    return Promise.resolve();
  }
}

/** An online issuer as CrlSigner sees it: the certificate and a signer over the test key. */
function onlineIssuer(credential: TestCredential): OnlineIssuer {
  const algorithm = defaultSignatureAlgorithm(credential.key.algorithm);
  const signer: Signer = {
    uri: 'file:test.key.pem',
    keyAlgorithm: credential.key.algorithm,
    signatureAlgorithm: algorithm,
    spki: credential.key.spki,
    sign: (data) => algorithm.signAsync(credential.key, data),
  };
  return { certificate: credential.cert, signer } as OnlineIssuer;
}

interface Fixture {
  readonly publisher: CrlPublisher;
  readonly crls: MemoryCrlStore;
  readonly clock: ManualClock;
  readonly issuer: TestCredential;
  /** What `listRevoked` returns, and the options it was last called with. */
  readonly revoked: RevokedCertificate[];
  readonly listCalls: Array<{ issuerId: IssuerId; notAfterFrom: Date }>;
  readonly signed: IssuerId[];
}

function fixture(policy: CrlPolicy = POLICY): Fixture {
  const { intermediate } = makeTestHierarchy();
  const signer = new CrlSigner(new Map([[ISSUER, onlineIssuer(intermediate)]]));
  const crls = new MemoryCrlStore();
  const clock = new ManualClock(T0);
  const revoked: RevokedCertificate[] = [];
  const listCalls: Fixture['listCalls'] = [];
  const signed: IssuerId[] = [];
  const publisher = new CrlPublisher({
    crls,
    certificates: {
      listRevoked: (issuerId, options) => {
        listCalls.push({ issuerId, notAfterFrom: options.notAfterFrom });
        return Promise.resolve(revoked);
      },
    },
    sign: (issuerId, content) => {
      signed.push(issuerId);
      return signer.sign(issuerId, content);
    },
    clock,
    policy,
  });
  return { publisher, crls, clock, issuer: intermediate, revoked, listCalls, signed };
}

/** Checks the CRL's signature with node:crypto against the issuer certificate's key. */
function assertSignedBy(crl: ParsedCrl, issuer: ParsedCertificate): void {
  assert.equal(crl.signatureAlgorithm.algorithm, OID.ecdsaWithSHA256);
  const key = createPublicKey({ key: Buffer.from(issuer.spkiDer), format: 'der', type: 'spki' });
  assert.equal(verify('sha256', crl.tbsDer, key, crl.signature), true, 'signature verifies');
  const tampered = new Uint8Array(crl.tbsDer);
  tampered[tampered.length - 1]! ^= 0x01;
  assert.equal(verify('sha256', tampered, key, crl.signature), false, 'a changed TBS does not verify');
  assert.deepEqual(crl.issuerDer, issuer.subjectDer, 'issuer is the issuer certificate subject');
  assert.deepEqual(crl.authorityKeyId, issuer.extensions.subjectKeyId, 'AKI = issuer SKI');
}

describe('CrlPublisher', () => {
  test('publishes a v2 CRL signed by the issuer, with AKI, CRL number and whole-second times', async () => {
    const { publisher, crls, issuer } = fixture();
    const record = await publisher.publish(ISSUER);
    const crl = parseCrl(record.der);
    assertSignedBy(crl, issuer.cert);
    assert.equal(crl.crlNumber, 1);
    assert.equal(record.crlNumber, 1);
    assert.equal(record.issuerId, ISSUER);
    assert.equal(record.baseCrlNumber, null, 'a full CRL');
    assert.equal(crl.thisUpdate.toISOString(), '2026-06-01T12:00:00.000Z', 'milliseconds dropped');
    assert.equal(crl.nextUpdate?.toISOString(), '2026-06-02T12:00:00.000Z', 'thisUpdate + 86 400 s');
    assert.equal(record.thisUpdate.getTime(), crl.thisUpdate.getTime());
    assert.equal(record.nextUpdate.getTime(), crl.nextUpdate?.getTime());
    assert.deepEqual(crl.entries, []);
    assert.equal(AsnConvert.parse(record.der, CertificateList).tbsCertList.version, 1, 'v2');
    assert.deepEqual(crls.records, [record]);
  });

  test('CRL numbers go up by one with every publication', async () => {
    const { publisher, clock } = fixture();
    const numbers: number[] = [];
    for (let i = 0; i < 4; i++) {
      const record = await publisher.publish(ISSUER);
      numbers.push(record.crlNumber);
      assert.equal(parseCrl(record.der).crlNumber, record.crlNumber, 'the DER says the same');
      clock.advanceSeconds(1);
    }
    assert.deepEqual(numbers, [1, 2, 3, 4]);
  });

  test('nextUpdate is thisUpdate + validitySeconds', async () => {
    const { publisher } = fixture({ validitySeconds: 300, republishBeforeSeconds: 60 });
    const crl = parseCrl((await publisher.publish(ISSUER)).der);
    assert.equal(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime(), 300_000);
  });

  test('entries carry reason codes and invalidity dates; unexpired only is what it asks the store for', async () => {
    const { publisher, revoked, listCalls } = fixture();
    revoked.push(
      {
        serial: '0a' as SerialHex,
        revokedAt: new Date('2026-05-30T10:00:00.400Z'),
        reason: 'unspecified',
        invalidityDate: null,
      },
      {
        serial: '4abc' as SerialHex,
        revokedAt: new Date('2026-05-31T10:00:00Z'),
        reason: 'keyCompromise',
        invalidityDate: new Date('2026-05-20T08:30:00.999Z'),
      },
      {
        serial: '7f01' as SerialHex,
        revokedAt: new Date('2026-06-01T11:00:00Z'),
        reason: 'cessationOfOperation',
        invalidityDate: null,
      },
    );
    const record = await publisher.publish(ISSUER);
    assert.deepEqual(listCalls, [{ issuerId: ISSUER, notAfterFrom: record.thisUpdate }]);
    assert.deepEqual(parseCrl(record.der).entries, [
      { serial: '0a', revokedAt: new Date('2026-05-30T10:00:00Z'), reason: 'unspecified' },
      {
        serial: '4abc',
        revokedAt: new Date('2026-05-31T10:00:00Z'),
        reason: 'keyCompromise',
        invalidityDate: new Date('2026-05-20T08:30:00Z'),
      },
      { serial: '7f01', revokedAt: new Date('2026-06-01T11:00:00Z'), reason: 'cessationOfOperation' },
    ]);
    // RFC 5280 §5.3.1: no reasonCode for unspecified; the others carry theirs.
    const list = AsnConvert.parse(record.der, CertificateList);
    const extensionsOf = (i: number) =>
      (list.tbsCertList.revokedCertificates?.[i]?.crlEntryExtensions ?? []).map((e) => e.extnID);
    assert.deepEqual(extensionsOf(0), []);
    assert.deepEqual(extensionsOf(1), [OID.crlReason, OID.invalidityDate]);
    assert.deepEqual(extensionsOf(2), [OID.crlReason]);
  });

  test('current() returns the latest CRL until it is due, then republishes', async () => {
    const { publisher, clock, signed } = fixture();
    const first = await publisher.current(ISSUER);
    assert.equal(first.crlNumber, 1, 'none yet: published');
    clock.advanceSeconds(3600);
    assert.equal(await publisher.current(ISSUER), first, 'fresh: the same record');
    // nextUpdate is T0+24h (whole seconds); due when less than 12h remain.
    clock.set(first.nextUpdate.getTime() - 43_200_000);
    assert.equal(publisher.isDue(first), false, 'exactly 12h left is not due');
    assert.equal(await publisher.current(ISSUER), first);
    clock.advanceSeconds(1);
    assert.equal(publisher.isDue(first), true);
    const second = await publisher.current(ISSUER);
    assert.equal(second.crlNumber, 2);
    assert.equal(second.thisUpdate.getTime(), clock.now().getTime() - (clock.now().getTime() % 1000));
    assert.equal(await publisher.current(ISSUER), second, 'the new one is served from then on');
    assert.equal(signed.length, 2, 'two signatures in all');
  });

  test('current() republishes a CRL that is past its nextUpdate', async () => {
    const { publisher, clock } = fixture();
    const first = await publisher.publish(ISSUER);
    clock.set(first.nextUpdate.getTime() + 3_600_000);
    const next = await publisher.current(ISSUER);
    assert.equal(next.crlNumber, 2);
    assert.ok(next.nextUpdate > clock.now());
  });

  test('a CRL number taken by another node meanwhile: the next number is drawn and signed', async () => {
    const { publisher, crls, signed } = fixture();
    await publisher.publish(ISSUER);
    crls.rivals = 1;
    const record = await publisher.publish(ISSUER);
    assert.equal(record.crlNumber, 3, 'number 2 went to the other node');
    assert.equal(parseCrl(record.der).crlNumber, 3, 'and the signed CRL says 3, not 2');
    assert.equal(signed.length, 3, 'signed again after the conflict');
    assert.deepEqual((await crls.latest(ISSUER, 'full'))?.der, record.der);
  });

  test('gives up with UNAVAILABLE after repeated conflicts; other store errors pass through at once', async () => {
    const { publisher, crls, signed } = fixture();
    crls.rivals = 100;
    await assert.rejects(publisher.publish(ISSUER), (e) => isPkiError(e, 'UNAVAILABLE'));
    assert.equal(signed.length, 5);

    const other = fixture();
    other.crls.failure = new PkiError('NOT_FOUND', "issuer 'operational' is not registered");
    await assert.rejects(other.publisher.publish(ISSUER), (e) => isPkiError(e, 'NOT_FOUND'));
    assert.equal(other.crls.adds, 1, 'no retry');
  });

  test('an issuer without an online key is refused by the signer and nothing is recorded', async () => {
    const { publisher, crls } = fixture();
    await assert.rejects(publisher.publish('factory' as IssuerId), (e) => isPkiError(e, 'NOT_FOUND'));
    assert.equal(crls.records.length, 0);
  });
});

describe('CrlPublisher over the runtime', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  const operator: Credential = { kind: 'operator', name: 'alice' };
  const operational = toIssuerId('operational')!;
  let deployment: TestDeployment;
  before(async () => {
    deployment = await createTestDeployment({ clock });
  });
  after(() => deployment.dispose());

  async function issue(deviceId: string, validitySeconds?: number) {
    const csr = buildCsr({ subject: parseDistinguishedName('CN=sensor') }, generateKeyPair('ec-p256'));
    return deployment.runtime.ra.requestCertificate(operator, {
      csr,
      profile: 'ldevid',
      deviceId,
      protocol: 'test',
      operation: 'issue',
      ...(validitySeconds === undefined ? {} : { validitySeconds }),
    });
  }

  test("lists the issuer's unexpired revoked certificates, signed with the issuer's key", async () => {
    const { crlPublisher, revocations, issuers, store } = deployment.runtime;
    const compromised = await issue('SN-CRL-1');
    const shortLived = await issue('SN-CRL-2', 3600);
    const untouched = await issue('SN-CRL-3');
    const byDevice = await issue('SN-CRL-4');
    await revocations.revoke(
      operator,
      { kind: 'certificate', serial: compromised.serial },
      'keyCompromise',
      new Date('2026-05-31T08:00:00Z'),
    );
    clock.advanceSeconds(60);
    await revocations.revoke(operator, { kind: 'certificate', serial: shortLived.serial }, 'superseded');
    clock.advanceSeconds(60);
    await revocations.revoke(
      operator,
      { kind: 'device', deviceId: toDeviceId('SN-CRL-4')! },
      'cessationOfOperation',
    );

    const before = await store.crls.highestNumber(operational);
    const crl = parseCrl((await crlPublisher.publish(operational)).der);
    assertSignedBy(crl, issuers.get(operational)!.certificate);
    assert.equal(crl.crlNumber, before + 1);
    const bySerial = new Map(crl.entries.map((e) => [e.serial, e]));
    assert.deepEqual(bySerial.get(compromised.serial), {
      serial: compromised.serial,
      revokedAt: new Date('2026-06-01T12:00:00Z'),
      reason: 'keyCompromise',
      invalidityDate: new Date('2026-05-31T08:00:00Z'),
    });
    assert.equal(bySerial.get(shortLived.serial)?.reason, 'superseded');
    assert.equal(bySerial.get(byDevice.serial)?.reason, 'cessationOfOperation');
    assert.equal(bySerial.has(untouched.serial), false, 'not revoked, not listed');
    assert.equal(crl.entries.length, 3);

    // Two hours on, the short-lived certificate has expired and leaves the CRL (RFC 5280 §3.3).
    clock.advanceSeconds(2 * 3600);
    const later = parseCrl((await crlPublisher.publish(operational)).der);
    assert.equal(later.crlNumber, before + 2);
    assert.deepEqual(later.entries.map((e) => e.serial).sort(), [compromised.serial, byDevice.serial].sort());
    assert.equal((await store.crls.latest(operational, 'full'))?.crlNumber, before + 2);
  });
});
