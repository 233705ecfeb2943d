import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentInfo, EncapsulatedContent, EncapsulatedContentInfo } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Extension } from '@peculiar/asn1-x509';
import { assertParserOnlyRaisesPkiErrors } from '../../../../test/helpers/fuzz.js';
import { makeTestCrl, makeTestHierarchy, SAMPLE_REVOCATIONS } from '../../../../test/helpers/pki-fixtures.js';
import { isPkiError } from '../../../core/pki-error.js';
import { DerValueSet } from '../../../pki/asn1/der-value-set.js';
import { RawSignedData } from '../../../pki/asn1/raw-signed-data.js';
import { bytesToHex, encodeDer, hexToBytes, toArrayBuffer } from '../../../pki/der.js';
import { OID } from '../../../pki/oids.js';
import { decodeCertsOnly, encodeCertsOnly, encodeCertsOnlyWithSchema } from './certs-only.js';

const { root, intermediate, leaf } = makeTestHierarchy();
const chain = [leaf.cert.der, intermediate.cert.der, root.cert.der];

test('golden: the exact certs-only structure around one (tiny) SEQUENCE', () => {
  const der = encodeCertsOnly([hexToBytes('3003020105')]);
  assert.equal(
    bytesToHex(der),
    '302a' +
      '06092a864886f70d010702' +
      'a01d' +
      '301b' +
      '020101' +
      '3100' + // version 1, digestAlgorithms {}
      '300b06092a864886f70d010701' + // encapContentInfo { id-data }, no content
      'a0053003020105' + // certificates [0] IMPLICIT, the input verbatim
      '3100', // signerInfos {}
  );
});

test('certificates round-trip in the order given, byte for byte', () => {
  for (const certificates of [chain, [leaf.cert.der], [root.cert.der, leaf.cert.der], []]) {
    assert.deepEqual(decodeCertsOnly(encodeCertsOnly(certificates)), certificates);
  }
});

test('bytes a parse-and-serialize round trip would change are still embedded verbatim', () => {
  // An Extension with an explicit critical FALSE (BER, not DER): asn1-x509 would drop the DEFAULT value.
  const extension = hexToBytes('300a' + '0603551d0f' + '010100' + '0400');
  assert.notDeepEqual(encodeDer(AsnConvert.parse(extension, Extension)), extension);
  const explicitFalse = hexToBytes('300f' + bytesToHex(extension) + '020105');
  const der = encodeCertsOnly([explicitFalse]);
  assert.deepEqual(decodeCertsOnly(der), [explicitFalse]);
});

function contentInfo(signed: RawSignedData, contentType: string = OID.signedData): Uint8Array {
  return encodeDer(new ContentInfo({ contentType, content: AsnConvert.serialize(signed) }));
}

function degenerate(extra: Partial<RawSignedData> = {}): RawSignedData {
  return new RawSignedData({
    version: 1,
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: new DerValueSet(chain.map(toArrayBuffer)),
    ...extra,
  });
}

test('CRLs beside the certificates are ignored, as RFC 8551 §3.8 allows them', () => {
  const crl = makeTestCrl(intermediate, SAMPLE_REVOCATIONS);
  assert.deepEqual(
    decodeCertsOnly(contentInfo(degenerate({ crls: new DerValueSet([toArrayBuffer(crl)]) }))),
    chain,
  );
});

test('anything but a degenerate SignedData is MALFORMED_INPUT with its reason', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty', new Uint8Array(0), /empty input/],
    ['not DER', hexToBytes('3003020105ff'), /unexpected bytes after the DER value/],
    ['a bare certificate', leaf.cert.der, /does not match the expected structure/],
    [
      'another content type',
      contentInfo(degenerate(), OID.data),
      /content type 1\.2\.840\.113549\.1\.7\.1 is not signedData/,
    ],
    [
      'signers',
      contentInfo(degenerate({ signerInfos: new DerValueSet([toArrayBuffer(hexToBytes('3000'))]) })),
      /has signers/,
    ],
    [
      'encapsulated content',
      contentInfo(
        degenerate({
          encapContentInfo: new EncapsulatedContentInfo({
            eContentType: OID.data,
            eContent: new EncapsulatedContent({ single: new OctetString(new Uint8Array([1])) }),
          }),
        }),
      ),
      /encapsulates content/,
    ],
    [
      'encapsulated type other than id-data',
      contentInfo(
        degenerate({
          encapContentInfo: new EncapsulatedContentInfo({ eContentType: '1.2.840.113549.1.9.16.1.6' }),
        }),
      ),
      /encapsulates content/,
    ],
    [
      'an attribute certificate',
      contentInfo(degenerate({ certificates: new DerValueSet([toArrayBuffer(hexToBytes('a2023000'))]) })),
      /certificate 1 is not an X\.509 certificate/,
    ],
    [
      'SignedData that is not one',
      encodeDer(
        new ContentInfo({ contentType: OID.signedData, content: toArrayBuffer(hexToBytes('020101')) }),
      ),
      /SignedData: DER does not match/,
    ],
  ];
  for (const [name, der, reason] of cases) {
    assert.throws(
      () => decodeCertsOnly(der),
      (e) =>
        isPkiError(e, 'MALFORMED_INPUT') &&
        e.message.startsWith('certs-only response') &&
        reason.test(e.message),
      name,
    );
  }
});

test('encodeCertsOnly refuses bytes that are not one DER SEQUENCE (INTERNAL: they come from our own store)', () => {
  for (const bad of [
    new Uint8Array(0),
    hexToBytes('0500'),
    hexToBytes('3003020105' + '00'),
    hexToBytes('3005'),
  ]) {
    assert.throws(
      () => encodeCertsOnly([leaf.cert.der, bad]),
      (e) => isPkiError(e, 'INTERNAL') && /certificate 2 is not one DER SEQUENCE/.test(e.message),
    );
  }
});

test('fuzz: decodeCertsOnly only ever throws PkiError', () => {
  assertParserOnlyRaisesPkiErrors(encodeCertsOnly(chain), decodeCertsOnly, 3000);
});

test('the direct encoding is byte for byte the asn1-cms schema encoding, for any number of certificates', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const all = [leaf.cert.der, intermediate.cert.der, root.cert.der];
  for (let n = 0; n <= all.length; n++) {
    const certificates = all.slice(0, n);
    assert.deepEqual(
      encodeCertsOnly(certificates),
      encodeCertsOnlyWithSchema(certificates),
      `${n} certificates`,
    );
  }
  assert.deepEqual(decodeCertsOnly(encodeCertsOnly(all)), all);
});
