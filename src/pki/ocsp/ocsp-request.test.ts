import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CertID, OCSPRequest as PackageOCSPRequest, Signature } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Extension, GeneralName } from '@peculiar/asn1-x509';
import { assertParserOnlyRaisesPkiErrors } from '../../../test/helpers/fuzz.js';
import { makeTestHierarchy } from '../../../test/helpers/pki-fixtures.js';
import { PkiError } from '../../core/pki-error.js';
import { OCSPRequest, Request, TBSRequest } from '../asn1/ocsp-request.js';
import { encodeDer, toArrayBuffer } from '../der.js';
import { TAG, tlv } from '../der-writer.js';
import { OID } from '../oids.js';
import { certIdFor } from './cert-id.js';
import { nonceExtension } from './ocsp-nonce.js';
import { buildOcspRequest, parseOcspRequest, parseOcspRequestWithSchema } from './ocsp-request.js';
import { readCanonicalOcspRequest } from './ocsp-request-fast.js';

const { intermediate, leaf } = makeTestHierarchy();
const sha256Id = certIdFor(intermediate.cert, leaf.cert.serial, 'sha256');
const sha1Id = certIdFor(intermediate.cert, leaf.cert.serial, 'sha1');
const nonce16 = new Uint8Array(16).fill(7);

function expectPkiError(run: () => unknown, code: PkiError['code'], rule?: string, label = ''): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof PkiError, `${label}: ${String(error)}`);
    assert.equal(error.code, code, `${label}: ${error.message}`);
    if (rule !== undefined) assert.equal(error.details.rule, rule, label);
    return true;
  });
}

/** OCSPRequest { TBSRequest { SEQUENCE OF Request { certId } } } written by hand around arbitrary CertID bytes. */
function requestAround(certIdBytes: Uint8Array): Uint8Array {
  return tlv(TAG.sequence, tlv(TAG.sequence, tlv(TAG.sequence, tlv(TAG.sequence, certIdBytes))));
}

function requestWith(tbs: Partial<TBSRequest>, signature?: Signature): Uint8Array {
  const request = new OCSPRequest({ tbsRequest: new TBSRequest(tbs) });
  if (signature) request.optionalSignature = signature;
  return encodeDer(request);
}

function rawCertId(fields: { algorithm?: string; nameHash?: Uint8Array; serialContent?: Uint8Array }) {
  return encodeDer(
    new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: fields.algorithm ?? OID.sha256, parameters: null }),
      issuerNameHash: new OctetString(fields.nameHash ?? sha256Id.issuerNameHash),
      issuerKeyHash: new OctetString(sha256Id.issuerKeyHash),
      serialNumber: toArrayBuffer(fields.serialContent ?? Uint8Array.of(0x01, 0x02)),
    }),
  );
}

describe('parseOcspRequest', () => {
  test('round-trips SHA-256 and SHA-1 CertIDs with a nonce', () => {
    const der = buildOcspRequest([sha256Id, sha1Id], { nonce: nonce16 });
    const parsed = parseOcspRequest(der);
    assert.deepEqual(
      parsed.requests.map((r) => r.certId),
      [sha256Id, sha1Id],
    );
    assert.deepEqual(parsed.nonce, nonce16);
    assert.equal(parsed.signed, false);
    assert.equal(parsed.der, der);
    assert.equal(sha1Id.issuerNameHash.length, 20);
    assert.equal(sha256Id.issuerKeyHash.length, 32);
    assert.equal(sha256Id.serial, leaf.cert.serial);
  });

  test('targets given by issuer and serial get CertIDs of the requested hash (SHA-256 by default)', () => {
    const target = { issuer: intermediate.cert, serial: leaf.cert.serial };
    assert.deepEqual(parseOcspRequest(buildOcspRequest([target])).requests[0]?.certId, sha256Id);
    assert.deepEqual(
      parseOcspRequest(buildOcspRequest([target], { hash: 'sha1' })).requests[0]?.certId,
      sha1Id,
    );
  });

  test('without a nonce, `nonce` is absent', () => {
    const parsed = parseOcspRequest(buildOcspRequest([sha256Id]));
    assert.equal('nonce' in parsed, false);
  });

  test('raw is the CertID exactly as received, parameters absent or NULL', () => {
    const absentParams = encodeDer(
      new CertID({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha1 }),
        issuerNameHash: new OctetString(sha1Id.issuerNameHash),
        issuerKeyHash: new OctetString(sha1Id.issuerKeyHash),
        serialNumber: toArrayBuffer(Uint8Array.of(0x00, 0x80)),
      }),
    );
    const parsed = parseOcspRequest(requestAround(absentParams));
    assert.deepEqual(parsed.requests[0]?.certId.raw, absentParams);
    assert.equal(parsed.requests[0]?.certId.serial, '80');
    assert.deepEqual(parseOcspRequest(buildOcspRequest([sha1Id])).requests[0]?.certId.raw, sha1Id.raw);
  });

  test('nonces of 1 and 128 octets are read', () => {
    for (const length of [1, 32, 128]) {
      const nonce = new Uint8Array(length).fill(length);
      assert.deepEqual(parseOcspRequest(buildOcspRequest([sha256Id], { nonce })).nonce, nonce);
    }
  });

  test('a signed request is accepted, reported, and its signature not checked', () => {
    const signature = new Signature({
      signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA256 }),
      signature: toArrayBuffer(new Uint8Array(8)),
    });
    const der = requestWith(
      {
        requestorName: new GeneralName({ dNSName: 'client.example' }),
        requestList: [new Request({ reqCert: AsnConvert.parse(sha256Id.raw, CertID) })],
      },
      signature,
    );
    const parsed = parseOcspRequest(der);
    assert.equal(parsed.signed, true);
    assert.deepEqual(parsed.requests[0]?.certId, sha256Id);
  });

  test('singleRequestExtensions ([0] EXPLICIT) and other request extensions are read and ignored', () => {
    const unknown = new Extension({
      extnID: '1.3.6.1.5.5.7.48.1.8',
      critical: false,
      extnValue: new OctetString(Uint8Array.of(0x30, 0x00)),
    });
    const der = requestWith({
      requestList: [
        new Request({ reqCert: AsnConvert.parse(sha256Id.raw, CertID), singleRequestExtensions: [unknown] }),
      ],
      requestExtensions: [unknown, nonceExtension(nonce16)],
    });
    // The [0] tag RFC 6960 gives singleRequestExtensions, which @peculiar/asn1-ocsp 2.6.1 leaves out.
    assert.ok(
      Buffer.from(der).includes(Buffer.concat([sha256Id.raw, Buffer.from([0xa0, 0x13, 0x30, 0x11])])),
    );
    assert.throws(() => AsnConvert.parse(der, PackageOCSPRequest));
    const parsed = parseOcspRequest(der);
    assert.deepEqual(parsed.requests[0]?.certId, sha256Id);
    assert.deepEqual(parsed.nonce, nonce16);
  });

  test('malformed requests are MALFORMED_INPUT', () => {
    const valid = buildOcspRequest([sha256Id], { nonce: nonce16 });
    const cases: Record<string, Uint8Array> = {
      empty: new Uint8Array(0),
      garbage: Uint8Array.of(0x01, 0x02, 0x03),
      'not a request': intermediate.cert.der,
      truncated: valid.subarray(0, valid.length - 1),
      'trailing bytes': Uint8Array.of(...valid, 0x00),
      'wrong hash length': requestAround(rawCertId({ nameHash: new Uint8Array(20) })),
      'unexpected hash parameters': requestAround(
        encodeDer(
          new CertID({
            hashAlgorithm: new AlgorithmIdentifier({
              algorithm: OID.sha256,
              parameters: toArrayBuffer(Uint8Array.of(0x04, 0x00)),
            }),
            issuerNameHash: new OctetString(sha256Id.issuerNameHash),
            issuerKeyHash: new OctetString(sha256Id.issuerKeyHash),
            serialNumber: toArrayBuffer(Uint8Array.of(1)),
          }),
        ),
      ),
      'version 2': requestWith({
        version: 1,
        requestList: [new Request({ reqCert: AsnConvert.parse(sha256Id.raw, CertID) })],
      }),
      'nonce not wrapped in an OCTET STRING (pre-RFC 8954 form)': requestWith({
        requestList: [new Request({ reqCert: AsnConvert.parse(sha256Id.raw, CertID) })],
        requestExtensions: [
          new Extension({ extnID: OID.ocspNonce, critical: false, extnValue: new OctetString(nonce16) }),
        ],
      }),
    };
    for (const [label, der] of Object.entries(cases)) {
      expectPkiError(() => parseOcspRequest(der), 'MALFORMED_INPUT', undefined, label);
    }
  });

  test('a request naming no certificate is MALFORMED_INPUT (ocsp.no-requests)', () => {
    expectPkiError(() => parseOcspRequest(buildOcspRequest([])), 'MALFORMED_INPUT', 'ocsp.no-requests');
  });

  test('nonces outside 1..128 octets, or repeated, are MALFORMED_INPUT (ocsp.nonce, RFC 9654 §2.1)', () => {
    for (const length of [0, 129, 1000]) {
      const der = buildOcspRequest([sha256Id], { nonce: new Uint8Array(length) });
      expectPkiError(() => parseOcspRequest(der), 'MALFORMED_INPUT', 'ocsp.nonce');
    }
    const twice = requestWith({
      requestList: [new Request({ reqCert: AsnConvert.parse(sha256Id.raw, CertID) })],
      requestExtensions: [nonceExtension(nonce16), nonceExtension(nonce16)],
    });
    expectPkiError(() => parseOcspRequest(twice), 'MALFORMED_INPUT', 'ocsp.nonce');
  });

  test('a CertID hashed with anything but SHA-1/SHA-256 is UNSUPPORTED_ALGORITHM (ocsp.hash-algorithm)', () => {
    for (const algorithm of ['2.16.840.1.101.3.4.2.3' /* SHA-512 */, '1.2.840.113549.2.5' /* MD5 */]) {
      const der = buildOcspRequest([sha1Id, { ...sha256Id, raw: rawCertId({ algorithm }) }]);
      expectPkiError(() => parseOcspRequest(der), 'UNSUPPORTED_ALGORITHM', 'ocsp.hash-algorithm');
    }
  });

  test('serials that are negative, zero-length or longer than 20 octets are MALFORMED_INPUT (ocsp.serial)', () => {
    for (const serialContent of [Uint8Array.of(0x80, 0x01), Uint8Array.of(0x01, ...new Uint8Array(20))]) {
      const der = requestAround(rawCertId({ serialContent }));
      expectPkiError(() => parseOcspRequest(der), 'MALFORMED_INPUT', 'ocsp.serial');
    }
    const twentyOctets = requestAround(
      rawCertId({ serialContent: Uint8Array.of(0x00, ...new Uint8Array(20).fill(0xff)) }),
    );
    assert.equal(parseOcspRequest(twentyOctets).requests[0]?.certId.serial, 'ff'.repeat(20));
  });

  test('a CertID that is BER but not DER is MALFORMED_INPUT (ocsp.cert-id-der): it could not be echoed', () => {
    const der = rawCertId({});
    const longForm = Uint8Array.of(0x30, 0x81, ...der.subarray(1));
    expectPkiError(() => parseOcspRequest(requestAround(longForm)), 'MALFORMED_INPUT', 'ocsp.cert-id-der');
  });

  test('random and mutated input raises only PkiError', () => {
    assertParserOnlyRaisesPkiErrors(
      buildOcspRequest([sha256Id, sha1Id], { nonce: nonce16 }),
      parseOcspRequest,
    );
  });
});

describe('the canonical-shape fast path', () => {
  const otherIssuer = certIdFor(leaf.cert, intermediate.cert.serial, 'sha256');

  test('reads what OpenSSL and RFC 9919 clients send, exactly as the schema parser does', () => {
    const shapes = [
      buildOcspRequest([sha256Id]),
      buildOcspRequest([sha1Id], { nonce: nonce16 }),
      buildOcspRequest([sha256Id, sha1Id, otherIssuer], { nonce: new Uint8Array(1).fill(9) }),
      buildOcspRequest([sha256Id], { nonce: new Uint8Array(128).fill(1) }),
      // NULL parameters absent, a 20-octet serial with its sign octet, a one-octet serial.
      requestAround(
        encodeDer(
          new CertID({
            hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
            issuerNameHash: new OctetString(sha256Id.issuerNameHash),
            issuerKeyHash: new OctetString(sha256Id.issuerKeyHash),
            serialNumber: toArrayBuffer(Uint8Array.of(0x01, 0x02)),
          }),
        ),
      ),
      requestAround(rawCertId({ serialContent: Uint8Array.of(0x00, ...new Uint8Array(20).fill(0xff)) })),
      requestAround(rawCertId({ serialContent: Uint8Array.of(0x7f) })),
    ];
    for (const [i, der] of shapes.entries()) {
      const fast = readCanonicalOcspRequest(der);
      assert.ok(fast, `shape ${i} takes the fast path`);
      assert.deepEqual(fast, parseOcspRequestWithSchema(der), `shape ${i}`);
    }
  });

  test('leaves every other shape, and every error, to the schema parser', () => {
    const signature = new Signature({
      signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA256 }),
      signature: toArrayBuffer(new Uint8Array(8)),
    });
    const reqCert = AsnConvert.parse(sha256Id.raw, CertID);
    const other = new Extension({ extnID: '1.3.6.1.5.5.7.48.1.8', extnValue: new OctetString(2) });
    const declined = {
      signed: requestWith({ requestList: [new Request({ reqCert })] }, signature),
      requestorName: requestWith({
        requestorName: new GeneralName({ dNSName: 'client.example' }),
        requestList: [new Request({ reqCert })],
      }),
      otherExtension: requestWith({ requestList: [new Request({ reqCert })], requestExtensions: [other] }),
      criticalNonce: requestWith({
        requestList: [new Request({ reqCert })],
        requestExtensions: [Object.assign(nonceExtension(nonce16), { critical: true })],
      }),
      singleExtensions: requestWith({
        requestList: [new Request({ reqCert, singleRequestExtensions: [other] })],
      }),
      unsupportedHash: requestAround(rawCertId({ algorithm: '2.16.840.1.101.3.4.2.2' })),
      negativeSerial: requestAround(rawCertId({ serialContent: Uint8Array.of(0x80) })),
      nonMinimalSerial: requestAround(rawCertId({ serialContent: Uint8Array.of(0x00, 0x01) })),
      longFormLength: requestAround(Uint8Array.of(0x30, 0x81, ...rawCertId({}).subarray(1))),
      emptyNonce: buildOcspRequest([sha256Id], { nonce: new Uint8Array(0) }),
      oversizedNonce: buildOcspRequest([sha256Id], { nonce: new Uint8Array(129) }),
      noRequests: tlv(TAG.sequence, tlv(TAG.sequence, tlv(TAG.sequence))),
      trailingBytes: Uint8Array.of(...buildOcspRequest([sha256Id]), 0),
    };
    for (const [name, der] of Object.entries(declined)) {
      assert.equal(readCanonicalOcspRequest(der), undefined, name);
    }
    assert.equal(parseOcspRequest(declined.signed).signed, true);
    assert.deepEqual(parseOcspRequest(declined.singleExtensions).requests[0]?.certId, sha256Id);
    expectPkiError(
      () => parseOcspRequest(declined.unsupportedHash),
      'UNSUPPORTED_ALGORITHM',
      'ocsp.hash-algorithm',
    );
    expectPkiError(() => parseOcspRequest(declined.oversizedNonce), 'MALFORMED_INPUT', 'ocsp.nonce');
  });

  test('on mutated and random input, whatever it reads the schema parser reads the same', () => {
    const valid = buildOcspRequest([sha256Id, sha1Id], { nonce: nonce16 });
    const mutated = fc
      .tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }))
      .map(([i, x]) => valid.map((byte, j) => (j === i ? byte ^ x : byte)));
    let fastReads = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 300 })), (der) => {
        const fast = readCanonicalOcspRequest(der);
        if (fast === undefined) return;
        fastReads++;
        assert.deepEqual(fast, parseOcspRequestWithSchema(der));
      }),
      { numRuns: 5000 },
    );
    // Mutations inside hashes, serial and nonce keep the shape: the comparison above did happen.
    assert.ok(fastReads > 500, `only ${fastReads} inputs took the fast path`);
  });
});
