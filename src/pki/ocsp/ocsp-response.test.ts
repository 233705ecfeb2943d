import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  KeyHash,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, CRLReason } from '@peculiar/asn1-x509';
import { assertParserOnlyRaisesPkiErrors } from '../../../test/helpers/fuzz.js';
import { makeTestCertificate, makeTestHierarchy } from '../../../test/helpers/pki-fixtures.js';
import type { SerialHex } from '../../core/ids.js';
import { REVOCATION_REASON_CODES } from '../../core/revocation-reason.js';
import { PkiError } from '../../core/pki-error.js';
import { publicKeyFromSpki } from '../algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm, type SignatureAlgorithm } from '../algorithms/signature-algorithm.js';
import { encodeDer, hexToBytes, toArrayBuffer } from '../der.js';
import { keyIdentifierOf } from '../extensions.js';
import { OID } from '../oids.js';
import { buildOcspRequest, parseOcspRequest } from './ocsp-request.js';
import {
  assembleOcspResponse,
  type BasicResponseFields,
  encodeBasicResponseTbs,
  encodeOcspError,
  type OcspErrorStatus,
  ocspResponderKeyHash,
  type ParsedBasicOcspResponse,
  parseOcspResponse,
  verifyOcspResponseSignature,
} from './ocsp-response.js';
import { nonceExtension } from './ocsp-nonce.js';
import { ocspNoCheckExtension } from './ocsp-signing.js';

const { intermediate, leaf } = makeTestHierarchy();
const responder = makeTestCertificate({
  subject: 'Test OCSP Responder',
  issuer: intermediate,
  extendedKeyUsage: [OID.ocspSigning],
  extraExtensions: [ocspNoCheckExtension()],
});
const algorithm = defaultSignatureAlgorithm(responder.key.algorithm);
const nonce = hexToBytes('00112233445566778899aabbccddeeff');
const producedAt = new Date('2026-03-04T05:06:07.890Z');
const thisUpdate = new Date('2026-03-04T05:00:00.000Z');
const nextUpdate = new Date('2026-03-05T05:00:00.000Z');

function expectPkiError(run: () => unknown, code: PkiError['code'], label: string): void {
  assert.throws(
    run,
    (error: unknown) => error instanceof PkiError && error.code === code,
    `${label}: expected PkiError ${code}`,
  );
}

function sign(fields: BasicResponseFields, certs: readonly Uint8Array[] = [responder.cert.der]) {
  const tbs = encodeBasicResponseTbs(fields);
  const signature = algorithm.sign(responder.key, tbs);
  return { tbs, signature, der: assembleOcspResponse(tbs, algorithm, signature, certs) };
}

function successful(der: Uint8Array): ParsedBasicOcspResponse {
  const parsed = parseOcspResponse(der);
  assert.equal(parsed.status, 'successful');
  return parsed.basic;
}

/** The reference encoding of the same response, wholly through the schemas. */
function assembleWithSchemas(
  tbs: Uint8Array,
  alg: SignatureAlgorithm,
  signature: Uint8Array,
  certs: readonly Uint8Array[],
): Uint8Array {
  const basic = new BasicOCSPResponse({
    tbsResponseData: AsnConvert.parse(tbs, ResponseData),
    signatureAlgorithm: AsnConvert.parse(alg.identifierDer, AlgorithmIdentifier),
    signature: toArrayBuffer(signature),
  });
  if (certs.length > 0) basic.certs = certs.map((c) => AsnConvert.parse(c, Certificate));
  return encodeDer(
    new OCSPResponse({
      responseStatus: OCSPResponseStatus.successful,
      responseBytes: new ResponseBytes({
        responseType: OID.ocspBasic,
        response: new OctetString(encodeDer(basic)),
      }),
    }),
  );
}

/** The reference encoding of ResponseData, wholly through the @peculiar/asn1-ocsp schemas. */
function responseDataWithSchemas(fields: BasicResponseFields): Uint8Array {
  const seconds = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);
  const data = new ResponseData({
    responderID: new ResponderID({ byKey: new KeyHash(ocspResponderKeyHash(fields.responderSpki)) }),
    producedAt: seconds(fields.producedAt),
    responses: fields.responses.map((single) => {
      const status = single.certStatus;
      let certStatus: CertStatus;
      if (status.status === 'revoked') {
        const info = new RevokedInfo({ revocationTime: seconds(status.revokedAt) });
        if (status.reason !== 'unspecified')
          info.revocationReason = new CRLReason(REVOCATION_REASON_CODES[status.reason]);
        certStatus = new CertStatus({ revoked: info });
      } else {
        certStatus = new CertStatus(status.status === 'good' ? { good: null } : { unknown: null });
      }
      const response = new SingleResponse({
        certID: AsnConvert.parse(single.certId.raw, CertID),
        certStatus,
        thisUpdate: seconds(single.thisUpdate),
      });
      if (single.nextUpdate !== undefined) response.nextUpdate = seconds(single.nextUpdate);
      return response;
    }),
  });
  if (fields.nonce !== undefined) data.responseExtensions = [nonceExtension(fields.nonce)];
  return encodeDer(data);
}

describe('encodeOcspError', () => {
  test('writes the status alone, byte for byte, and parses back', () => {
    const expected: Record<OcspErrorStatus, string> = {
      malformedRequest: '30030a0101',
      internalError: '30030a0102',
      tryLater: '30030a0103',
      sigRequired: '30030a0105',
      unauthorized: '30030a0106',
    };
    for (const [status, hex] of Object.entries(expected) as Array<[OcspErrorStatus, string]>) {
      const der = encodeOcspError(status);
      assert.deepEqual(der, hexToBytes(hex), status);
      assert.deepEqual(parseOcspResponse(der), { status, der });
    }
  });
});

describe('basic responses', () => {
  const request = parseOcspRequest(
    buildOcspRequest(
      [
        { issuer: intermediate.cert, serial: leaf.cert.serial },
        { issuer: intermediate.cert, serial: 'ff01' as SerialHex },
        { issuer: intermediate.cert, serial: '0a' as SerialHex },
        { issuer: intermediate.cert, serial: '4abc' as SerialHex },
      ],
      { nonce },
    ),
  );
  const [good, revoked, unspecified, unknown] = request.requests.map((r) => r.certId);
  const revokedAt = new Date('2026-03-01T10:00:00.500Z');
  const fields: BasicResponseFields = {
    responderSpki: responder.key.spki,
    producedAt,
    nonce: request.nonce,
    responses: [
      { certId: good!, certStatus: { status: 'good' }, thisUpdate, nextUpdate },
      { certId: revoked!, certStatus: { status: 'revoked', revokedAt, reason: 'keyCompromise' }, thisUpdate },
      {
        certId: unspecified!,
        certStatus: { status: 'revoked', revokedAt, reason: 'unspecified' },
        thisUpdate,
        nextUpdate,
      },
      { certId: unknown!, certStatus: { status: 'unknown' }, thisUpdate, nextUpdate },
    ],
  };

  test('round-trip: statuses, times in whole seconds, echoed CertIDs and nonce, certs, signature', () => {
    const { tbs, der } = sign(fields);
    const basic = successful(der);
    assert.deepEqual(basic.tbsDer, tbs);
    assert.deepEqual(basic.responderId, { byKey: ocspResponderKeyHash(responder.key.spki) });
    assert.equal(basic.producedAt.toISOString(), '2026-03-04T05:06:07.000Z');
    assert.deepEqual(basic.nonce, nonce);
    assert.deepEqual(basic.certs, [responder.cert.der]);
    assert.deepEqual(
      basic.responses.map((r) => r.certId.raw),
      request.requests.map((r) => r.certId.raw),
    );
    assert.deepEqual(
      basic.responses.map((r) => r.certStatus),
      [
        { status: 'good' },
        { status: 'revoked', revokedAt: new Date('2026-03-01T10:00:00Z'), reason: 'keyCompromise' },
        { status: 'revoked', revokedAt: new Date('2026-03-01T10:00:00Z'), reason: 'unspecified' },
        { status: 'unknown' },
      ],
    );
    assert.deepEqual(
      basic.responses.map((r) => [r.thisUpdate.toISOString(), r.nextUpdate?.toISOString()]),
      [
        ['2026-03-04T05:00:00.000Z', '2026-03-05T05:00:00.000Z'],
        ['2026-03-04T05:00:00.000Z', undefined],
        ['2026-03-04T05:00:00.000Z', '2026-03-05T05:00:00.000Z'],
        ['2026-03-04T05:00:00.000Z', '2026-03-05T05:00:00.000Z'],
      ],
    );
    assert.equal(verifyOcspResponseSignature(basic, publicKeyFromSpki(responder.key.spki)), true);
    assert.equal(verifyOcspResponseSignature(basic, publicKeyFromSpki(intermediate.key.spki)), false);
  });

  test('DER details: v1 omitted, byKey is the SHA-1 of the key bits, GeneralizedTime without fractions', () => {
    const { tbs } = sign(fields);
    const keyHash = ocspResponderKeyHash(responder.key.spki);
    // The responder key hash is the RFC 5280 method-1 key identifier of the same key.
    assert.deepEqual(keyHash, keyIdentifierOf(responder.key.spki));
    const hex = Buffer.from(tbs).toString('hex');
    const time = (text: string) => `180f${Buffer.from(text, 'latin1').toString('hex')}`;
    // SEQUENCE, then responderID [2] { OCTET STRING (20) } at once: no [0] version (DEFAULT v1).
    assert.equal(hex.slice(0, 4), '3082');
    assert.equal(hex.slice(8, 16), 'a2160414');
    assert.equal(hex.slice(16, 56), Buffer.from(keyHash).toString('hex'));
    // producedAt 05:06:07.890 is written 20260304050607Z, without the fraction.
    assert.equal(hex.slice(56, 90), time('20260304050607Z'));
    // Revocation with a reason: [1] { GeneralizedTime, [0] { ENUMERATED 1 } }; unspecified: no [0].
    assert.ok(hex.includes(`a116${time('20260301100000Z')}a0030a0101${time('20260304050000Z')}`));
    assert.ok(hex.includes(`a111${time('20260301100000Z')}${time('20260304050000Z')}`));
    // responseExtensions [1]: the nonce's extnValue is the DER of the Nonce OCTET STRING (RFC 9654 §2.1).
    const nonceHex = Buffer.from(nonce).toString('hex');
    assert.ok(hex.endsWith(`a1233021301f06092b060105050730010204120410${nonceHex}`));
  });

  test('encodeBasicResponseTbs matches the schema encoding byte for byte', () => {
    const reasons = Object.keys(REVOCATION_REASON_CODES) as Array<keyof typeof REVOCATION_REASON_CODES>;
    const variants: BasicResponseFields[] = [
      fields,
      { ...fields, nonce: undefined },
      { ...fields, nonce: new Uint8Array(128).fill(0xee) },
      { ...fields, producedAt: new Date('2051-01-02T03:04:05.999Z') },
      {
        ...fields,
        responses: reasons.map((reason, i) => ({
          certId: fields.responses[i % fields.responses.length]!.certId,
          certStatus: { status: 'revoked', revokedAt: new Date(Date.UTC(1999 + i * 7, i, i + 1)), reason },
          thisUpdate: new Date(Date.UTC(2049, 11, 31, 23, 59, 59, 999)),
          ...(i % 2 === 0 ? { nextUpdate: new Date(Date.UTC(2050 + i, 0, 1)) } : {}),
        })),
      },
      // Enough responses that every length reaches the long forms.
      { ...fields, responses: Array.from({ length: 40 }, (_, i) => fields.responses[i % 4]!) },
    ];
    for (const [i, variant] of variants.entries()) {
      assert.deepEqual(encodeBasicResponseTbs(variant), responseDataWithSchemas(variant), `variant ${i}`);
    }
  });

  test('assembleOcspResponse matches the schema encoding byte for byte, with and without certs', () => {
    for (const certs of [[responder.cert.der], [], [responder.cert.der, intermediate.cert.der]]) {
      const { tbs, signature, der } = sign(fields, certs);
      assert.deepEqual(der, assembleWithSchemas(tbs, algorithm, signature, certs));
      assert.deepEqual(successful(der).certs, certs);
    }
  });

  test('a response without nonce or nextUpdate leaves them out', () => {
    const { der } = sign({
      responderSpki: responder.key.spki,
      producedAt,
      responses: [{ certId: good!, certStatus: { status: 'good' }, thisUpdate }],
    });
    const basic = successful(der);
    assert.equal('nonce' in basic, false);
    assert.equal('nextUpdate' in (basic.responses[0] ?? {}), false);
  });

  test('the CA may sign for itself: no certs', () => {
    const tbs = encodeBasicResponseTbs({ ...fields, responderSpki: intermediate.key.spki });
    const caAlgorithm = defaultSignatureAlgorithm(intermediate.key.algorithm);
    const der = assembleOcspResponse(tbs, caAlgorithm, caAlgorithm.sign(intermediate.key, tbs), []);
    const basic = successful(der);
    assert.deepEqual(basic.certs, []);
    assert.equal(verifyOcspResponseSignature(basic, publicKeyFromSpki(intermediate.key.spki)), true);
  });

  test('programming errors in the fields are INTERNAL', () => {
    expectPkiError(() => encodeBasicResponseTbs({ ...fields, responses: [] }), 'INTERNAL', 'no responses');
    expectPkiError(
      () => encodeBasicResponseTbs({ ...fields, nonce: new Uint8Array(129) }),
      'INTERNAL',
      'oversized nonce',
    );
    const longForm = Uint8Array.of(0x30, 0x81, ...good!.raw.subarray(1));
    expectPkiError(
      () =>
        encodeBasicResponseTbs({
          ...fields,
          responses: [{ certId: { raw: longForm }, certStatus: { status: 'good' }, thisUpdate }],
        }),
      'INTERNAL',
      'non-DER CertID',
    );
  });

  test('malformed responses are MALFORMED_INPUT, and fuzzing raises only PkiError', () => {
    const { der } = sign(fields);
    const wrongType = encodeDer(
      new OCSPResponse({
        responseStatus: OCSPResponseStatus.successful,
        responseBytes: new ResponseBytes({
          responseType: '1.2.3.4',
          response: new OctetString(new Uint8Array(2)),
        }),
      }),
    );
    const cases: Record<string, Uint8Array> = {
      empty: new Uint8Array(0),
      garbage: Uint8Array.of(0xde, 0xad),
      truncated: der.subarray(0, der.length - 3),
      'trailing bytes': Uint8Array.of(...der, 0x00),
      'unknown status 4': hexToBytes('30030a0104'),
      'successful without responseBytes': hexToBytes('30030a0100'),
      'not a basic response': wrongType,
    };
    for (const [label, bytes] of Object.entries(cases)) {
      expectPkiError(() => parseOcspResponse(bytes), 'MALFORMED_INPUT', label);
    }
    assertParserOnlyRaisesPkiErrors(der, parseOcspResponse, 2000);
  });
});
