import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { CertID } from '@peculiar/asn1-ocsp';
import { OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { makeTestHierarchy } from '../../test/helpers/pki-fixtures.js';
import { createTestDeployment, type TestDeployment } from '../../test/helpers/test-deployment.js';
import { ManualClock } from '../core/clock.js';
import { type IssuerId, type SerialHex, toIssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { IssuedCertificate } from '../ca/issue-order.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import { buildCsr } from '../pki/csr.js';
import { encodeDer, hexToBytes, toArrayBuffer } from '../pki/der.js';
import { spkiKeyBits } from '../pki/der-reader.js';
import { parseDistinguishedName } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import { certIdFor, type ParsedCertId } from '../pki/ocsp/cert-id.js';
import { buildOcspRequest } from '../pki/ocsp/ocsp-request.js';
import {
  type ParsedBasicOcspResponse,
  type ParsedOcspResponse,
  parseOcspResponse,
} from '../pki/ocsp/ocsp-response.js';
import type { Credential } from '../ra/provisioner.js';
import { type OcspAnswer, OcspResponder } from './ocsp-responder.js';
import { OcspResponderKeys } from './ocsp-responder-keys.js';

type OcspResponderDeps = ConstructorParameters<typeof OcspResponder>[0];

const operator: Credential = { kind: 'operator', name: 'alice' };
const operational = toIssuerId('operational')!;
const factory = toIssuerId('factory')!;
const START = '2026-06-01T12:00:00Z';
const clock = new ManualClock(START);

/** What a client receives for each error status (RFC 6960 §4.2.1: the status alone). */
const ERROR_BYTES = {
  malformedRequest: '30030a0101',
  tryLater: '30030a0103',
  unauthorized: '30030a0106',
} as const;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function successful(answer: OcspAnswer): ParsedBasicOcspResponse {
  const parsed: ParsedOcspResponse = parseOcspResponse(answer.der);
  assert.equal(parsed.status, 'successful');
  if (parsed.status !== 'successful') throw new Error('unreachable');
  return parsed.basic;
}

function assertError(answer: OcspAnswer, status: keyof typeof ERROR_BYTES, label: string = status): void {
  assert.equal(hex(answer.der), ERROR_BYTES[status], label);
  assert.equal(answer.cached, false, label);
  assert.equal(answer.producedAt, undefined, label);
}

/** A CertID like `base` with another hash algorithm OID (digest lengths kept, as a client would not). */
function certIdWithHash(base: ParsedCertId, algorithm: string, digestBytes: number): ParsedCertId {
  const raw = encodeDer(
    new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm, parameters: null }),
      issuerNameHash: new OctetString(new Uint8Array(digestBytes).fill(1)),
      issuerKeyHash: new OctetString(new Uint8Array(digestBytes).fill(2)),
      serialNumber: toArrayBuffer(hexToBytes(base.serial)),
    }),
  );
  return { ...base, raw };
}

describe('OcspResponder', () => {
  let deployment: TestDeployment;
  let issuer: ParsedCertificate;
  let factoryIssuer: ParsedCertificate;

  before(async () => {
    clock.set(START);
    deployment = await createTestDeployment({ clock });
    issuer = deployment.runtime.issuers.get(operational)!.certificate;
    factoryIssuer = deployment.runtime.issuers.get(factory)!.certificate;
  });
  after(() => deployment.dispose());

  let devices = 0;
  async function issue(): Promise<IssuedCertificate> {
    const csr = buildCsr({ subject: parseDistinguishedName('CN=sensor') }, generateKeyPair('ec-p256'));
    return deployment.runtime.ra.requestCertificate(operator, {
      csr,
      profile: 'ldevid',
      deviceId: `SN-OCSP-${++devices}`,
      protocol: 'test',
      operation: 'issue',
    });
  }

  const respond = (der: Uint8Array, scope?: IssuerId) => deployment.runtime.ocspResponder.respond(der, scope);
  const nonce = () => new Uint8Array(randomBytes(16));

  test('good: signed by a delegated responder certificate of the same issuer', async () => {
    const cert = await issue();
    const certId = certIdFor(issuer, cert.serial, 'sha256');
    const answer = await respond(buildOcspRequest([certId]));
    const basic = successful(answer);

    assert.equal(basic.responses.length, 1);
    const [single] = basic.responses;
    assert.deepEqual(single?.certStatus, { status: 'good' });
    assert.deepEqual(single?.certId.raw, certId.raw, 'the CertID is echoed byte for byte');
    assert.equal(basic.producedAt.toISOString(), '2026-06-01T12:00:00.000Z');
    assert.equal(single?.thisUpdate.getTime(), basic.producedAt.getTime());
    assert.equal(single?.nextUpdate?.toISOString(), '2026-06-01T13:00:00.000Z', 'ocspValiditySeconds 3600');
    assert.equal(answer.producedAt?.getTime(), basic.producedAt.getTime());
    assert.equal(answer.nextUpdate?.getTime(), single?.nextUpdate?.getTime());
    assert.equal(answer.cached, false);
    assert.equal(basic.nonce, undefined);

    // The responder certificate: issued by the same issuer, OCSPSigning, id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2).
    assert.equal(basic.certs.length, 1);
    const responder = parseCertificate(basic.certs[0]!);
    assert.deepEqual(responder.issuerDer, issuer.subjectDer);
    assert.deepEqual(responder.extensions.authorityKeyId, issuer.extensions.subjectKeyId);
    assert.deepEqual(responder.extensions.extKeyUsage?.purposes, [OID.ocspSigning]);
    assert.ok(responder.extensions.present.some((e) => e.oid === OID.ocspNoCheck && !e.critical));
    const issuerKey = createPublicKey({ key: Buffer.from(issuer.spkiDer), format: 'der', type: 'spki' });
    assert.equal(verify('sha256', responder.tbsDer, issuerKey, responder.signature), true);
    const record = await deployment.runtime.store.certificates.get(operational, responder.serial);
    assert.equal(record?.profile, 'ocsp-responder', 'recorded like any other certificate');

    // responderID byKey, and the signature over tbsResponseData with the responder's key.
    assert.deepEqual(basic.responderId, {
      byKey: new Uint8Array(createHash('sha1').update(spkiKeyBits(responder.spkiDer)).digest()),
    });
    assert.equal(basic.signatureAlgorithm.algorithm, OID.ecdsaWithSHA256);
    const responderKey = createPublicKey({
      key: Buffer.from(responder.spkiDer),
      format: 'der',
      type: 'spki',
    });
    assert.equal(verify('sha256', basic.tbsDer, responderKey, basic.signature), true);
    assert.equal(verify('sha256', basic.tbsDer, issuerKey, basic.signature), false, 'not the issuer key');
  });

  test('revoked: with the revocation time (whole seconds) and reason', async () => {
    const { revocations } = deployment.runtime;
    const compromised = await issue();
    const unspecified = await issue();
    clock.set('2026-06-01T12:10:00.600Z');
    await revocations.revoke(operator, { kind: 'certificate', serial: compromised.serial }, 'keyCompromise');
    await revocations.revoke(operator, { kind: 'certificate', serial: unspecified.serial }, 'unspecified');
    clock.advanceSeconds(30);
    const basic = successful(
      await respond(
        buildOcspRequest(
          [
            { issuer, serial: compromised.serial },
            { issuer, serial: unspecified.serial },
          ],
          { nonce: nonce() },
        ),
      ),
    );
    assert.deepEqual(
      basic.responses.map((r) => r.certStatus),
      [
        { status: 'revoked', revokedAt: new Date('2026-06-01T12:10:00Z'), reason: 'keyCompromise' },
        { status: 'revoked', revokedAt: new Date('2026-06-01T12:10:00Z'), reason: 'unspecified' },
      ],
    );
    assert.equal(basic.producedAt.toISOString(), '2026-06-01T12:10:30.000Z');
  });

  test("unknown: a serial never issued, and a 'prepared' record that was never signed", async () => {
    const { store } = deployment.runtime;
    const prepared = hex(randomBytes(16)).replace(/^./, '1') as SerialHex;
    const missing = hex(randomBytes(16)).replace(/^./, '2') as SerialHex;
    await store.ledger.recordPrepared(
      [
        {
          issuerId: operational,
          serial: prepared,
          profile: 'ldevid',
          subject: 'CN=never-signed',
          sans: [],
          deviceId: null,
          notBefore: clock.now(),
          notAfter: new Date(clock.now().getTime() + 86_400_000),
          keyAlgorithm: 'ec-p256',
          spkiSha256: hex(randomBytes(32)),
          requestedVia: 'test',
        },
      ],
      clock.now(),
    );
    assert.equal((await store.certificates.get(operational, prepared))?.status, 'prepared');
    const good = await issue();
    const basic = successful(
      await respond(
        buildOcspRequest([
          { issuer, serial: missing },
          { issuer, serial: prepared },
          { issuer, serial: good.serial },
        ]),
      ),
    );
    assert.deepEqual(
      basic.responses.map((r) => [r.certId.serial, r.certStatus.status]),
      [
        [missing, 'unknown'],
        [prepared, 'unknown'],
        [good.serial, 'good'],
      ],
    );
  });

  test('a serial of another of our issuers, asked under this one, is unknown', async () => {
    const cert = await issue();
    const basic = successful(
      await respond(buildOcspRequest([{ issuer: factoryIssuer, serial: cert.serial }])),
    );
    assert.equal(basic.responses[0]?.certStatus.status, 'unknown');
  });

  test('the nonce is echoed (RFC 9654), and answers to nonce requests are never cached', async () => {
    const cert = await issue();
    const n = nonce();
    const request = buildOcspRequest([{ issuer, serial: cert.serial }], { nonce: n });
    const first = await respond(request);
    const second = await respond(request);
    assert.deepEqual(successful(first).nonce, n);
    assert.deepEqual(successful(second).nonce, n);
    assert.equal(first.cached, false);
    assert.equal(second.cached, false, 'signed again');
    assert.notDeepEqual(successful(first).signature, successful(second).signature, 'a new ECDSA signature');
  });

  test('SHA-1 and SHA-256 CertIDs are both answered, each echoed as sent', async () => {
    const cert = await issue();
    const sha1 = certIdFor(issuer, cert.serial, 'sha1');
    const sha256 = certIdFor(issuer, cert.serial, 'sha256');
    for (const ids of [[sha1], [sha256], [sha1, sha256]]) {
      const basic = successful(await respond(buildOcspRequest(ids, { nonce: nonce() })));
      assert.deepEqual(
        basic.responses.map((r) => [r.certId.hashAlgorithm, r.certId.raw, r.certStatus.status]),
        ids.map((id) => [id.hashAlgorithm, id.raw, 'good']),
      );
    }
  });

  test('CertIDs of a foreign issuer, or outside the scope named by the URL, are unauthorized', async () => {
    const cert = await issue();
    const foreign = makeTestHierarchy().intermediate.cert;
    const ours = certIdFor(issuer, cert.serial, 'sha256');
    const theirs = certIdFor(foreign, cert.serial, 'sha256');
    const factoryId = certIdFor(factoryIssuer, cert.serial, 'sha256');
    assertError(await respond(buildOcspRequest([theirs])), 'unauthorized', 'foreign issuer');
    assertError(await respond(buildOcspRequest([ours, theirs])), 'unauthorized', 'one of two foreign');
    assertError(await respond(buildOcspRequest([ours, factoryId])), 'unauthorized', 'two of our issuers');
    assertError(await respond(buildOcspRequest([ours]), factory), 'unauthorized', 'scope mismatch');
    assertError(await respond(buildOcspRequest([ours]), 'nope' as IssuerId), 'unauthorized', 'unknown scope');
    // The same CertID under its own scope, or with none, is answered.
    assert.equal(successful(await respond(buildOcspRequest([ours]), operational)).responses.length, 1);
    assert.equal(successful(await respond(buildOcspRequest([factoryId]), factory)).responses.length, 1);
  });

  test('garbage, truncated or empty DER is malformedRequest', async () => {
    const good = buildOcspRequest([{ issuer, serial: '0a' as SerialHex }], { nonce: nonce() });
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['garbage', new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')],
      ['truncated', good.subarray(0, good.length - 5)],
      ['trailing bytes', Uint8Array.from([...good, 0x00])],
      ['no CertID', encodeDer(new OctetString(new Uint8Array(4)))],
      ['empty request list', Uint8Array.of(0x30, 0x04, 0x30, 0x02, 0x30, 0x00)],
      [
        'nonce of 129 octets',
        buildOcspRequest([{ issuer, serial: '0a' as SerialHex }], { nonce: new Uint8Array(129) }),
      ],
    ];
    for (const [label, der] of cases) assertError(await respond(der), 'malformedRequest', label);
  });

  test('more than maxCertificatesPerRequest (16) CertIDs is malformedRequest; 16 are answered', async () => {
    const serials = Array.from({ length: 17 }, (_, i) => (0x10 + i).toString(16) as SerialHex);
    const targets = serials.map((serial) => ({ issuer, serial }));
    assertError(await respond(buildOcspRequest(targets)), 'malformedRequest');
    const basic = successful(await respond(buildOcspRequest(targets.slice(0, 16), { nonce: nonce() })));
    assert.equal(basic.responses.length, 16);
    assert.ok(basic.responses.every((r) => r.certStatus.status === 'unknown'));
  });

  test('a CertID hashed with an unsupported algorithm (MD5, SHA-512) is malformedRequest', async () => {
    const base = certIdFor(issuer, '0a' as SerialHex, 'sha256');
    const md5 = certIdWithHash(base, '1.2.840.113549.2.5', 16);
    const sha512 = certIdWithHash(base, '2.16.840.1.101.3.4.2.3', 64);
    assertError(await respond(buildOcspRequest([md5])), 'malformedRequest', 'MD5');
    assertError(await respond(buildOcspRequest([sha512])), 'malformedRequest', 'SHA-512');
    assertError(await respond(buildOcspRequest([base, sha512])), 'malformedRequest', 'one of two');
  });

  test('identical requests without a nonce are answered from the cache until cacheSeconds pass', async () => {
    const cert = await issue();
    const request = buildOcspRequest([{ issuer, serial: cert.serial }]);
    const first = await respond(request);
    assert.equal(first.cached, false);
    clock.advanceSeconds(299);
    const second = await respond(request);
    assert.equal(second.cached, true);
    assert.deepEqual(second.der, first.der, 'the same signed bytes');
    assert.equal(second.producedAt?.getTime(), first.producedAt?.getTime());
    assert.equal((await respond(request, operational)).cached, true, 'the URL scope does not matter');
    assertError(await respond(request, factory), 'unauthorized', 'unless it names another issuer');

    const sha1 = await respond(buildOcspRequest([{ issuer, serial: cert.serial }], { hash: 'sha1' }));
    assert.equal(sha1.cached, false, 'another CertID is another entry');

    clock.advanceSeconds(1);
    const third = await respond(request);
    assert.equal(third.cached, false, 'expired after ocspCacheSeconds (300)');
    assert.equal(third.producedAt?.getTime(), first.producedAt!.getTime() + 300_000);
    assert.equal((await respond(request)).cached, true, 'and cached again');
  });

  test('"unknown" answers are never cached: the serial may be issued a moment later', async () => {
    const serial = hex(randomBytes(16)) as SerialHex;
    const request = buildOcspRequest([{ issuer, serial }]);
    const first = await respond(request);
    assert.deepEqual(successful(first).responses[0]?.certStatus, { status: 'unknown' });
    assert.equal((await respond(request)).cached, false, 'signed again');

    const cert = await issue();
    const mixed = buildOcspRequest([
      { issuer, serial: cert.serial },
      { issuer, serial },
    ]);
    await respond(mixed);
    assert.equal((await respond(mixed)).cached, false, 'one unknown CertID keeps the whole answer out');
  });

  test('a revocation clears cached answers of that issuer only: the next answer is fresh and revoked', async () => {
    const cert = await issue();
    const idevid = await deployment.runtime.ra.requestCertificate(operator, {
      csr: buildCsr(
        { subject: parseDistinguishedName('serialNumber=SN-OCSP-F,CN=sensor') },
        generateKeyPair('ec-p256'),
      ),
      profile: 'idevid',
      protocol: 'test',
      operation: 'issue',
    });
    const request = buildOcspRequest([{ issuer, serial: cert.serial }]);
    const factoryRequest = buildOcspRequest([{ issuer: factoryIssuer, serial: idevid.serial }]);
    await respond(request);
    await respond(factoryRequest);
    assert.equal((await respond(request)).cached, true);

    await deployment.runtime.revocations.revoke(
      operator,
      { kind: 'certificate', serial: cert.serial },
      'cessationOfOperation',
    );
    const after = await respond(request);
    assert.equal(after.cached, false);
    assert.equal(successful(after).responses[0]?.certStatus.status, 'revoked');
    assert.equal((await respond(request)).cached, true, 'the revoked answer is cached in turn');
    assert.equal((await respond(factoryRequest)).cached, true, "the factory's answers stay");

    // Revoking again changes nothing, and clears nothing.
    const again = await deployment.runtime.revocations.revoke(
      operator,
      { kind: 'certificate', serial: cert.serial },
      'keyCompromise',
    );
    assert.equal(again.alreadyRevoked, 1);
    assert.equal((await respond(request)).cached, true);
  });

  /** A responder of its own over the deployment, with the given certificate reader and key source. */
  function standaloneResponder(
    options: {
      certificates?: OcspResponderDeps['certificates'];
      issue?: (issuerId: IssuerId, csr: Uint8Array) => Promise<IssuedCertificate>;
    } = {},
  ): OcspResponder {
    const { runtime } = deployment;
    const issueResponder = (issuerId: IssuerId, csr: Uint8Array) =>
      runtime.ra.requestCertificate(
        { kind: 'service', name: 'ocsp' },
        { csr, profile: 'ocsp-responder', issuerId, protocol: 'internal', operation: 'ocsp-responder' },
      );
    return new OcspResponder({
      issuers: () => runtime.issuers,
      certificates: options.certificates ?? runtime.store.certificates,
      keys: new OcspResponderKeys({ issue: options.issue ?? issueResponder, clock }),
      clock,
      policy: { validitySeconds: 3600, cacheSeconds: 300, maxCertificatesPerRequest: 4 },
    });
  }

  test('a revocation while an answer is being signed keeps that answer out of the cache', async () => {
    const cert = await issue();
    const record = await deployment.runtime.store.certificates.status(operational, cert.serial);
    let release: () => void = () => undefined;
    let paused = false;
    const responder = standaloneResponder({
      certificates: {
        status: async () => {
          if (paused) await new Promise<void>((resolve) => (release = resolve));
          return record;
        },
      },
    });
    const request = buildOcspRequest([{ issuer, serial: cert.serial }]);
    await responder.respond(buildOcspRequest([{ issuer, serial: cert.serial }], { nonce: nonce() }));
    paused = true;
    const inFlight = responder.respond(request);
    await new Promise((resolve) => setImmediate(resolve));
    // The status was read as good; the certificate is revoked before the answer is signed.
    responder.revoked([operational]);
    paused = false;
    release();
    assert.equal(successful(await inFlight).responses[0]?.certStatus.status, 'good');
    assert.equal((await responder.respond(request)).cached, false, 'the stale answer was not kept');
  });

  test('a signing key that is momentarily unavailable is tryLater; the next request gets an answer', async () => {
    let failures = 1;
    const responder = standaloneResponder({
      issue: (issuerId, csr) =>
        failures-- > 0
          ? Promise.reject(new PkiError('UNAVAILABLE', 'the issuer key is unreachable'))
          : deployment.runtime.ra.requestCertificate(
              { kind: 'service', name: 'ocsp' },
              { csr, profile: 'ocsp-responder', issuerId, protocol: 'internal', operation: 'ocsp-responder' },
            ),
    });
    const request = buildOcspRequest([{ issuer, serial: (await issue()).serial }]);
    assertError(await responder.respond(request), 'tryLater');
    const basic = successful(await responder.respond(request));
    assert.equal(basic.responses[0]?.certStatus.status, 'good');
  });

  test('the responder certificate is renewed after two thirds of its life; the old one answers meanwhile', async () => {
    const request = () => buildOcspRequest([{ issuer, serial: '0a' as SerialHex }], { nonce: nonce() });
    const responderOf = async () => parseCertificate(successful(await respond(request())).certs[0]!);
    const current = await responderOf();
    const life = current.notAfter.getTime() - current.notBefore.getTime();
    clock.set(current.notBefore.getTime() + (life * 2) / 3 + 1000);
    assert.equal((await responderOf()).serial, current.serial, 'renewal runs in the background');
    let renewed = current;
    for (let i = 0; i < 50 && renewed.serial === current.serial; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      renewed = await responderOf();
    }
    assert.notEqual(renewed.serial, current.serial, 'a new responder certificate');
    assert.ok(renewed.notAfter > current.notAfter);
  });
});
