import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OctetString } from '@peculiar/asn1-schema';
import { Extension, Extensions } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { assertParserOnlyRaisesPkiErrors } from '../../../../test/helpers/fuzz.js';
import { isPkiError } from '../../../core/pki-error.js';
import { bytesToHex, encodeDer, encodeOid, hexToBytes } from '../../../pki/der.js';
import { keyUsageExtension, subjectAltNameExtension } from '../../../pki/extensions.js';
import { OID } from '../../../pki/oids.js';
import { type CsrAttributesRequest, decodeCsrAttrs, encodeCsrAttrs } from './csr-attrs.js';

const b64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const utf8String = (text: string) => new Uint8Array(new asn1js.Utf8String({ value: text }).toBER());
const macAddress = '1.3.6.1.1.1.1.22';

/**
 * RFC 7030 §4.5.2's example, and the examples of RFC 9908 (from its source, lamps-wg/lamps-rfc7030-csrattrs
 * examples/*.csrattr.b64; section numbers of draft -16), with what each decodes to. Several put bare OIDs inside extensionRequest, which RFC 9908 §3.2 now forbids (it wants
 * one Extensions value); those attributes are kept, untyped, in `unrecognized`.
 */
const GOLDEN: Array<{ name: string; der: Uint8Array; decoded: CsrAttributesRequest }> = [
  {
    name: 'RFC 7030 §4.5.2 (challengePassword, P-384, extensionRequest{macAddress}, ecdsa-with-SHA384)',
    der: b64('MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJBgcrBgEBAQEWBggqhkjOPQQDAw=='),
    decoded: {
      challengePasswordRequired: true,
      keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp384r1 },
      unrecognized: [{ oid: OID.extensionRequest, valuesDer: [encodeOid(macAddress)] }],
      signatureAlgorithmOid: OID.ecdsaWithSHA384,
    },
  },
  {
    name: 'RFC 9908 §5.2 (rfc7030-example01), corrected: macAddress in subjectDirectoryAttributes',
    der: b64(
      'ME4GCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMCMGCSqGSIb3DQEJDjEWMBQwEgYDVR0JBAswCQYHKwYBAQEBFgYIKoZIzj0EAwM=',
    ),
    decoded: {
      challengePasswordRequired: true,
      keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp384r1 },
      extensionRequest: [
        new Extension({
          extnID: '2.5.29.9',
          extnValue: new OctetString([0x30, 0x09, ...encodeOid(macAddress)]),
        }),
      ],
      signatureAlgorithmOid: OID.ecdsaWithSHA384,
    },
  },
  {
    name: 'RFC 9908 §5.1 (realistic-acp): a critical subjectAltName with an ACP otherName',
    der: b64(
      'MGgwZgYJKoZIhvcNAQkOMVkwVzBVBgNVHREBAf8ESzBJoEcGCCsGAQUFBwgKoDsWOXJmYzg5OTQrZmQ3MzlmYzIzYzM0NDAxMTIyMzM0NDU1MDAwMDAwMDArQGFjcC5leGFtcGxlLmNvbQ==',
    ),
    decoded: {
      extensionRequest: [
        new Extension({
          extnID: OID.subjectAltName,
          critical: true,
          extnValue: new OctetString(
            b64(
              'MEmgRwYIKwYBBQUHCAqgOxY5cmZjODk5NCtmZDczOWZjMjNjMzQ0MDExMjIzMzQ0NTUwMDAwMDAwMCtAYWNwLmV4YW1wbGUuY29t',
            ),
          ),
        }),
      ],
    },
  },
  {
    name: 'RFC 9908 §5.3 (potato-example): a subjectAltName otherName, P-384',
    der: b64(
      'MGcGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMDwGCSqGSIb3DQEJDjEvMC0wKwYDVR0RBCQwIqAgBggrBgEFBQcICqAUFhJwb3RhdG9AZXhhbXBsZS5jb20GCCqGSM49BAMD',
    ),
    decoded: {
      challengePasswordRequired: true,
      keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp384r1 },
      extensionRequest: [
        new Extension({
          extnID: OID.subjectAltName,
          extnValue: new OctetString(b64('MCKgIAYIKwYBBQUHCAqgFBYScG90YXRvQGV4YW1wbGUuY29t')),
        }),
      ],
      signatureAlgorithmOid: OID.ecdsaWithSHA384,
    },
  },
  {
    name: 'RFC 9908 §5.4 (harkins01): RSA 4096, sha256WithRSAEncryption',
    der: b64('MCkGCSqGSIb3DQEJBzARBgkqhkiG9w0BAQExBAICEAAGCSqGSIb3DQEBCw=='),
    decoded: {
      challengePasswordRequired: true,
      keyAlgorithm: { oid: OID.rsaEncryption, parameter: 4096 },
      signatureAlgorithmOid: OID.sha256WithRSAEncryption,
    },
  },
  {
    name: 'RFC 9908 §5.5 (harkins02): P-384, serialNumber (inside extensionRequest)',
    der: b64('MD0GCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBIGCSqGSIb3DQEJDjEFBgNVBAUGCCqGSM49BAMD'),
    decoded: {
      challengePasswordRequired: true,
      keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp384r1 },
      unrecognized: [{ oid: OID.extensionRequest, valuesDer: [encodeOid(OID.serialNumber)] }],
      signatureAlgorithmOid: OID.ecdsaWithSHA384,
    },
  },
  {
    name: 'RFC 9908 §5.6 (harkins03): P-521, three attribute OIDs inside extensionRequest',
    der: b64(
      'MFQGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAjMCkGCSqGSIb3DQEJDjEcBgNVBAUGCSqGSIb3DQEJFAYKCZImiZPyLGQBBQYIKoZIzj0EAwQ=',
    ),
    decoded: {
      challengePasswordRequired: true,
      keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp521r1 },
      unrecognized: [
        {
          oid: OID.extensionRequest,
          valuesDer: [
            encodeOid(OID.serialNumber),
            encodeOid('1.2.840.113549.1.9.20'),
            encodeOid('0.9.2342.19200300.100.1.5'),
          ],
        },
      ],
      signatureAlgorithmOid: OID.ecdsaWithSHA512,
    },
  },
  {
    name: 'an earlier draft fix of the RFC 7030 example: macAddress as a bare OID',
    der: b64('MDIGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiBgcrBgEBAQEWBggqhkjOPQQDAw=='),
    decoded: {
      challengePasswordRequired: true,
      keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp384r1 },
      requiredSubjectAttributeOids: [macAddress],
      signatureAlgorithmOid: OID.ecdsaWithSHA384,
    },
  },
  { name: 'empty CsrAttrs', der: hexToBytes('3000'), decoded: {} },
];

test('golden: the RFC examples decode to the model and re-encode to the same bytes', () => {
  for (const { name, der, decoded } of GOLDEN) {
    const model = decodeCsrAttrs(der);
    assert.deepEqual(normalise(model), normalise(decoded), name);
    assert.equal(bytesToHex(encodeCsrAttrs(model)), bytesToHex(der), `${name}: round trip`);
    assert.equal(bytesToHex(encodeCsrAttrs(decoded)), bytesToHex(der), `${name}: from the model`);
  }
});

/** Extensions compared by their DER, Uint8Arrays as hex: deepEqual over asn1 classes is too brittle. */
function normalise(model: CsrAttributesRequest): unknown {
  return JSON.parse(
    JSON.stringify(
      {
        ...model,
        extensionRequest: model.extensionRequest?.map((e) => bytesToHex(encodeDer(e))),
        private: model.private?.map((p) => ({ oid: p.oid, value: bytesToHex(p.valueDer) })),
        unrecognized: model.unrecognized?.map((u) => ({ oid: u.oid, values: u.valuesDer?.map(bytesToHex) })),
      },
      (_key, value: unknown) => (value === undefined ? undefined : value),
    ),
  ) as unknown;
}

test('a device profile: every field, built with the extension helpers', () => {
  const request: CsrAttributesRequest = {
    challengePasswordRequired: true,
    keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp256r1 },
    extensionRequest: [
      subjectAltNameExtension([{ type: 'uri', value: 'urn:dev:ops:acme-sensor-SN-0001' }], false),
      keyUsageExtension(['digitalSignature']),
    ],
    requiredSubjectAttributeOids: [OID.serialNumber, OID.commonName],
    private: [{ oid: '1.3.6.1.4.1.99999.1', valueDer: utf8String('abc') }],
    signatureAlgorithmOid: OID.ecdsaWithSHA256,
  };
  const der = encodeCsrAttrs(request);
  assert.deepEqual(normalise(decodeCsrAttrs(der)), normalise(request));
  // The extensionRequest attribute is one SET holding one Extensions (RFC 9908 §3.2).
  assert.match(bytesToHex(der), /06092a864886f70d01090e31..30/);
});

test('key types: a bare key OID, RSA sizes, and keys named by their signature algorithm', () => {
  const cases: CsrAttributesRequest[] = [
    { keyAlgorithm: { oid: OID.ecPublicKey } },
    { keyAlgorithm: { oid: OID.rsaEncryption, parameter: 2048 } },
    { keyAlgorithm: { oid: OID.rsaEncryption, parameter: 128 } }, // INTEGER 128 needs a leading zero byte
    { signatureAlgorithmOid: OID.ed25519 },
    { signatureAlgorithmOid: '2.16.840.1.101.3.4.3.18' }, // id-ml-dsa-65
  ];
  for (const request of cases) assert.deepEqual(decodeCsrAttrs(encodeCsrAttrs(request)), request);
});

test('what does not fit the model is kept, in order, and written back unchanged', () => {
  const duplicateExtension = subjectAltNameExtension([{ type: 'dns', value: 'a.example' }], false);
  const request: CsrAttributesRequest = {
    keyAlgorithm: { oid: OID.ecPublicKey, parameter: OID.secp256r1 },
    unrecognized: [
      // extensionRequest breaking RFC 9908 §3.2: the same extnID twice
      {
        oid: OID.extensionRequest,
        valuesDer: [encodeDer(new Extensions([duplicateExtension, duplicateExtension]))],
      },
      { oid: OID.ecPublicKey, valuesDer: [encodeOid(OID.secp384r1)] }, // a second key type
      { oid: OID.ecPublicKey, valuesDer: [hexToBytes('020101')] }, // a curve that is not an OID
      { oid: OID.rsaEncryption, valuesDer: [hexToBytes('02020800'), hexToBytes('02021000')] }, // two sizes
      { oid: OID.challengePassword, valuesDer: [utf8String('x')] }, // challengePassword with a value
      { oid: '1.3.6.1.4.1.99999.2', valuesDer: [hexToBytes('0500'), hexToBytes('0101ff')] }, // two values
    ],
    signatureAlgorithmOid: OID.ecdsaWithSHA384,
  };
  const der = encodeCsrAttrs(request);
  const decoded = decodeCsrAttrs(der);
  assert.deepEqual(normalise(decoded), normalise(request));
  assert.deepEqual(encodeCsrAttrs(decoded), der);
});

test('decoding is first-come: a second key type or signature algorithm is kept, not merged', () => {
  const der = encodeCsrAttrs({
    signatureAlgorithmOid: OID.ecdsaWithSHA256,
    unrecognized: [{ oid: OID.ecdsaWithSHA384 }],
  });
  // Encoded order: unrecognized (SHA-384) first, then the signature algorithm (SHA-256).
  const decoded = decodeCsrAttrs(der);
  assert.equal(decoded.signatureAlgorithmOid, OID.ecdsaWithSHA384);
  assert.deepEqual(decoded.unrecognized, [{ oid: OID.ecdsaWithSHA256 }]);
});

test('requests that break RFC 9908 or would not read back are refused as INTERNAL with the rule', () => {
  const san = subjectAltNameExtension([{ type: 'dns', value: 'a.example' }], false);
  const cases: Array<[string, CsrAttributesRequest, RegExp]> = [
    ['duplicate extnID', { extensionRequest: [san, san] }, /extension 2\.5\.29\.17 twice/],
    ['empty extensionRequest', { extensionRequest: [] }, /holds no extension/],
    [
      'unknown key algorithm',
      { keyAlgorithm: { oid: OID.ed25519 } },
      /name such keys by signatureAlgorithmOid/,
    ],
    ['RSA size as an OID', { keyAlgorithm: { oid: OID.rsaEncryption, parameter: '1.2.3' } }, /modulus size/],
    ['RSA size not positive', { keyAlgorithm: { oid: OID.rsaEncryption, parameter: 0 } }, /modulus size/],
    ['curve as a number', { keyAlgorithm: { oid: OID.ecPublicKey, parameter: 256 } }, /takes a curve OID/],
    [
      'bad curve OID',
      { keyAlgorithm: { oid: OID.ecPublicKey, parameter: 'P-256' } },
      /'P-256' is not a dotted OID/,
    ],
    [
      'not a signature algorithm',
      { signatureAlgorithmOid: OID.sha256WithRSAEncryption.replace(/11$/, '1') },
      /is not a signature algorithm/,
    ],
    [
      'subject OID read back as another field',
      { requiredSubjectAttributeOids: [OID.challengePassword] },
      /would be read back as challengePassword/,
    ],
    [
      'private with a typed OID',
      { private: [{ oid: OID.extensionRequest, valueDer: hexToBytes('0500') }] },
      /use its own field/,
    ],
    [
      'private value not DER',
      { private: [{ oid: '1.3.6.1.4.1.9', valueDer: hexToBytes('0501') }] },
      /not one DER value/,
    ],
    ['malformed OID', { requiredSubjectAttributeOids: ['2.5.4.05'] }, /'2\.5\.4\.05' is not a dotted OID/],
  ];
  for (const [name, request, reason] of cases) {
    assert.throws(
      () => encodeCsrAttrs(request),
      (e) => isPkiError(e, 'INTERNAL') && e.message.startsWith('CSR attributes: ') && reason.test(e.message),
      name,
    );
  }
});

test('malformed bytes are MALFORMED_INPUT naming CSR attributes', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty', new Uint8Array(0), /empty input/],
    ['not a SEQUENCE', hexToBytes('3100'), /does not match the expected structure/],
    ['an item of another type', hexToBytes('30020500'), /does not match the expected structure/],
    ['an attribute without values', hexToBytes('300d300b06092a864886f70d010907'), /does not match|item 1/],
    ['trailing bytes', hexToBytes('300000'), /unexpected bytes after/],
    ['truncated', hexToBytes('300506032a03'), /not valid DER/],
    ['an empty OID', hexToBytes('30020600'), /item 1 has a malformed OBJECT IDENTIFIER/],
    [
      'an OID arc with a leading 0x80',
      hexToBytes('300406028001'),
      /item 1 has a malformed OBJECT IDENTIFIER/,
    ],
    [
      'an attribute type so padded',
      hexToBytes('300a30080602800131020500'),
      /item 1 has a malformed OBJECT IDENTIFIER/,
    ],
  ];
  for (const [name, der, reason] of cases) {
    assert.throws(
      () => decodeCsrAttrs(der),
      (e) =>
        isPkiError(e, 'MALFORMED_INPUT') && e.message.startsWith('CSR attributes') && reason.test(e.message),
      name,
    );
  }
});

test('fuzz: any bytes into decodeCsrAttrs only ever throw PkiError', () => {
  for (const { der } of GOLDEN.slice(0, 4)) assertParserOnlyRaisesPkiErrors(der, decodeCsrAttrs, 1500);
});

test('property: decode(encode(request)) gives the request back', () => {
  const arc = fc.integer({ min: 0, max: 100_000 });
  const privateOid = fc.tuple(arc, arc).map(([a, b]) => `1.3.6.1.4.1.${a}.${b}`);
  const subjectOid = fc.constantFrom(
    OID.serialNumber,
    OID.commonName,
    OID.organizationName,
    '1.3.6.1.1.1.1.22',
  );
  const extension = fc
    .tuple(
      fc.constantFrom('2.5.29.17', '2.5.29.15', '2.5.29.37', '1.3.6.1.4.1.99999.7'),
      fc.boolean(),
      fc.uint8Array({ maxLength: 20 }),
    )
    .map(
      ([extnID, critical, bytes]) => new Extension({ extnID, critical, extnValue: new OctetString(bytes) }),
    );
  const request = fc.record(
    {
      challengePasswordRequired: fc.constant(true),
      keyAlgorithm: fc.oneof(
        fc.constant({ oid: OID.ecPublicKey }),
        fc
          .constantFrom(OID.secp256r1, OID.secp384r1, OID.secp521r1)
          .map((parameter) => ({ oid: OID.ecPublicKey, parameter })),
        fc.integer({ min: 1, max: 2 ** 40 }).map((parameter) => ({ oid: OID.rsaEncryption, parameter })),
      ),
      extensionRequest: fc.uniqueArray(extension, { minLength: 1, maxLength: 4, selector: (e) => e.extnID }),
      requiredSubjectAttributeOids: fc.array(subjectOid, { minLength: 1, maxLength: 3 }),
      private: fc.array(
        fc.record({ oid: privateOid, valueDer: fc.string({ maxLength: 30 }).map(utf8String) }),
        { minLength: 1, maxLength: 3 },
      ),
      signatureAlgorithmOid: fc.constantFrom(OID.ecdsaWithSHA256, OID.sha512WithRSAEncryption, OID.ed25519),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(request, (value) => {
      const der = encodeCsrAttrs(value);
      const decoded = decodeCsrAttrs(der);
      assert.deepEqual(normalise(decoded), normalise(value));
      assert.deepEqual(encodeCsrAttrs(decoded), der);
    }),
    { numRuns: 300 },
  );
});
