import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue as NameAttribute,
  AttributeValue,
  Extension,
  Extensions,
  GeneralName,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  Time,
} from '@peculiar/asn1-x509';
import { assertParserOnlyRaisesPkiErrors } from '../../../../test/helpers/fuzz.js';
import { isPkiError } from '../../../core/pki-error.js';
import {
  bytesEqual,
  bytesToHex,
  decodeDer,
  decodeDerWithTree,
  encodeDer,
  hexToBytes,
  rawChild,
  toArrayBuffer,
  toBytes,
} from '../../der.js';
import { PKIMessage } from '../cmp/pki-message.js';
import { AttributeTypeAndValue } from './attribute-type-and-value.js';
import { CertId } from './cert-id.js';
import { CertReqMessages } from './cert-req-messages.js';
import { CertReqMsg } from './cert-req-msg.js';
import { CertRequest } from './cert-request.js';
import { CertTemplate } from './cert-template.js';
import { Controls } from './controls.js';
import { ID_REG_CTRL, ID_REG_INFO } from './crmf-oids.js';
import { OptionalValidity } from './optional-validity.js';
import { PKMACValue } from './pkmac-value.js';
import { POPOPrivKey } from './popo-priv-key.js';
import { POPOSigningKey } from './popo-signing-key.js';
import { POPOSigningKeyInput, POPOSigningKeyInputAuthInfo } from './popo-signing-key-input.js';
import { ProofOfPossession } from './proof-of-possession.js';
import { goldenVector } from '../../../../test/helpers/golden-vectors.js';

const fixture = (name: string): Uint8Array => goldenVector('cmp', name);
const hex = (h: string): ArrayBuffer => toArrayBuffer(hexToBytes(h.replace(/\s+/g, '')));
const name = (cn: string): Name =>
  new Name([
    new RelativeDistinguishedName([
      new NameAttribute({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) }),
    ]),
  ]);
const ecdsaSha256 = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });

/** Encodes, checks the exact DER, decodes, and checks the decoded value encodes to the same bytes. */
function roundTrip<T extends object>(value: T, schema: new () => T, expectedHex: string): T {
  const der = encodeDer(value);
  assert.equal(bytesToHex(der), expectedHex.replace(/\s+/g, ''));
  const back = decodeDer(der, schema, schema.name);
  assert.ok(bytesEqual(encodeDer(back), der), `${schema.name} re-encodes to the same DER`);
  return back;
}

test('CertTemplate: IMPLICIT tags, except the Name and Time CHOICEs, which stay explicit', () => {
  const template = new CertTemplate({
    version: 2,
    serialNumber: hex('01'),
    signingAlg: ecdsaSha256,
    issuer: name('a'),
    validity: new OptionalValidity({ notBefore: new Time(new Date('2025-01-02T03:04:05Z')) }),
    subject: name('b'),
    publicKey: new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: '1.3.101.112' }),
      subjectPublicKey: hex('aabb'),
    }),
    issuerUID: hex('01'),
    subjectUID: hex('02'),
    extensions: new Extensions([
      new Extension({
        extnID: '2.5.29.15',
        critical: true,
        extnValue: new OctetString(hexToBytes('03020780')),
      }),
    ]),
  });
  const back = roundTrip(
    template,
    CertTemplate,
    `306d
     800102
     810101
     a20a 06082a8648ce3d040302
     a30e 300c310a300806035504030c0161
     a411 a00f 170d3235303130323033303430355a
     a50e 300c310a300806035504030c0162
     a60c 300506032b6570 030300aabb
     87020001
     88020002
     a910 300e0603551d0f0101ff040403020780`,
  );
  assert.equal(back.version, 2);
  assert.equal(bytesToHex(toBytes(back.serialNumber!)), '01');
  assert.equal(back.issuer?.[0]?.[0]?.value.toString(), 'a');
  assert.equal(back.validity?.notBefore?.getTime().toISOString(), '2025-01-02T03:04:05.000Z');
  assert.equal(back.validity?.notAfter, undefined);
  assert.equal(back.subject?.[0]?.[0]?.value.toString(), 'b');
  assert.equal(back.publicKey?.algorithm.algorithm, '1.3.101.112');
  assert.equal(back.extensions?.[0]?.extnID, '2.5.29.15');
  assert.equal(back.extensions?.[0]?.critical, true);
});

test("OpenSSL's ir: the template's tags on the wire are the ones our schema reads", () => {
  const { tree } = decodeDerWithTree(fixture('ir-sig.der'), PKIMessage, 'ir-sig');
  // PKIMessage → body [0] → CertReqMessages → CertReqMsg → CertRequest → CertTemplate
  const template = rawChild(tree, [1, 0, 0, 0, 1], 'certTemplate');
  const { tree: templateTree } = decodeDerWithTree(template, CertTemplate, 'certTemplate');
  const fields = (templateTree.valueBlock as unknown as { value: { idBlock: { tagNumber: number } }[] })
    .value;
  assert.deepEqual(
    fields.map((f) => f.idBlock.tagNumber),
    [3, 5, 6, 9], // issuer, subject, publicKey, extensions
  );
  // [3] Name: explicit (a3 .. 30 ..); [6] SPKI: implicit (a6 .. 30 <alg> 03 <key>); [9]: implicit (a9 .. 30 <ext>)
  assert.equal(rawChild(templateTree, [0, 0], 'issuer')[0], 0x30);
  assert.equal(rawChild(templateTree, [2, 1], 'publicKey')[0], 0x03);
  assert.equal(rawChild(templateTree, [3, 0, 0], 'extension')[0], 0x06);
  // popo signature [1] IMPLICIT POPOSigningKey: a1 .. 30 <alg> 03 <sig>
  const popo = rawChild(tree, [1, 0, 0, 1], 'popo');
  assert.equal(popo[0], 0xa1);
  const { value } = decodeDerWithTree(rawChild(tree, [1, 0], 'body'), CertReqMessages, 'ir');
  assert.equal(value[0]?.popo?.signature?.algorithmIdentifier.algorithm, '1.2.840.10045.4.3.2');
});

test('ProofOfPossession: raVerified [0] and signature [1] implicit, POPOPrivKey alternatives explicit', () => {
  const raVerified = roundTrip(new ProofOfPossession({ raVerified: null }), ProofOfPossession, '8000');
  assert.equal(raVerified.raVerified, null);

  const signature = roundTrip(
    new ProofOfPossession({
      signature: new POPOSigningKey({ algorithmIdentifier: ecdsaSha256, signature: hex('0102') }),
    }),
    ProofOfPossession,
    'a111 300a06082a8648ce3d040302 0303000102',
  );
  assert.equal(bytesToHex(toBytes(signature.signature!.signature)), '0102');

  const encrCert = roundTrip(
    new ProofOfPossession({ keyEncipherment: new POPOPrivKey({ subsequentMessage: 0 }) }),
    ProofOfPossession,
    'a203 810100',
  );
  assert.equal(encrCert.keyEncipherment?.subsequentMessage, 0);

  const agreeMac = roundTrip(
    new ProofOfPossession({
      keyAgreement: new POPOPrivKey({
        agreeMAC: new PKMACValue({
          algId: new AlgorithmIdentifier({ algorithm: '1.2.840.113533.7.66.13' }),
          value: hex('aa'),
        }),
      }),
    }),
    ProofOfPossession,
    'a313 a311 300b 06092a864886f67d07420d 030200aa',
  );
  assert.equal(agreeMac.keyAgreement?.agreeMAC?.algId.algorithm, '1.2.840.113533.7.66.13');

  roundTrip(
    new ProofOfPossession({ keyEncipherment: new POPOPrivKey({ thisMessage: hex('ff') }) }),
    ProofOfPossession,
    'a204 800200ff',
  );
});

test('POPOSigningKeyInput: poposkInput [0] implicit, sender [0] explicit (GeneralName is a CHOICE)', () => {
  const key = new POPOSigningKey({
    poposkInput: new POPOSigningKeyInput({
      authInfo: new POPOSigningKeyInputAuthInfo({ sender: new GeneralName({ dNSName: 'a' }) }),
      publicKey: new SubjectPublicKeyInfo({
        algorithm: new AlgorithmIdentifier({ algorithm: '1.3.101.112' }),
        subjectPublicKey: hex('aa'),
      }),
    }),
    algorithmIdentifier: new AlgorithmIdentifier({ algorithm: '1.3.101.112' }),
    signature: hex('bb'),
  });
  const back = roundTrip(
    key,
    POPOSigningKey,
    '301f a012 a003820161 300b300506032b6570030200aa 300506032b6570 030200bb',
  );
  assert.equal(back.poposkInput?.authInfo.sender?.dNSName, 'a');

  const mac = new POPOSigningKeyInput({
    authInfo: new POPOSigningKeyInputAuthInfo({
      publicKeyMAC: new PKMACValue({
        algId: new AlgorithmIdentifier({ algorithm: '1.2.3' }),
        value: hex('cc'),
      }),
    }),
    publicKey: new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: '1.3.101.112' }),
      subjectPublicKey: hex('aa'),
    }),
  });
  const macBack = roundTrip(
    mac,
    POPOSigningKeyInput,
    '3019 300a 3004 06022a03 030200cc 300b300506032b6570030200aa',
  );
  assert.equal(macBack.authInfo.publicKeyMAC?.algId.algorithm, '1.2.3');
});

test('CertReqMsg: regInfo without popo is kept (not taken for a ProofOfPossession)', () => {
  const regInfo = [new AttributeTypeAndValue({ type: ID_REG_INFO.utf8Pairs, value: hex('0c0161') })];
  const withoutPopo = roundTrip(
    new CertReqMsg({ certReq: new CertRequest({ certTemplate: new CertTemplate({ version: 2 }) }), regInfo }),
    CertReqMsg,
    '301c 3008 020100 3003 800102 3010 300e 06092b06010505070502010c0161',
  );
  assert.equal(withoutPopo.popo, undefined);
  assert.equal(withoutPopo.regInfo?.[0]?.type, ID_REG_INFO.utf8Pairs);

  const withPopo = roundTrip(
    new CertReqMsg({ popo: new ProofOfPossession({ raVerified: null }), regInfo }),
    CertReqMsg,
    '301b 3005 020100 3000 8000 3010 300e 06092b0601050507050201 0c0161',
  );
  assert.equal(withPopo.popo?.raVerified, null);
  assert.equal(bytesToHex(toBytes(withPopo.regInfo![0]!.value)), '0c0161');
});

test('CertRequest controls and CertId keep their values as DER', () => {
  const certId = new CertId({
    issuer: new GeneralName({ directoryName: name('a') }),
    serialNumber: hex('00ff'),
  });
  const certIdDer = bytesToHex(encodeDer(certId));
  assert.equal(certIdDer, '3014 a40e 300c310a300806035504030c0161 020200ff'.replace(/\s+/g, ''));
  const request = roundTrip(
    new CertRequest({
      certReqId: 0,
      controls: new Controls([
        new AttributeTypeAndValue({ type: ID_REG_CTRL.regToken, value: hex('0c03616263') }),
        new AttributeTypeAndValue({ type: ID_REG_CTRL.oldCertID, value: hex(certIdDer) }),
      ]),
    }),
    CertRequest,
    `303c 020100 3000
     3035 3010 06092b0601050507050101 0c03616263
          3021 06092b0601050507050105 ${certIdDer}`,
  );
  const oldCertId = decodeDer(toBytes(request.controls![1]!.value), CertId, 'oldCertID');
  assert.equal(bytesToHex(toBytes(oldCertId.serialNumber)), '00ff');
  assert.equal(oldCertId.issuer.directoryName?.[0]?.[0]?.value.toString(), 'a');
});

test('an oversized certReqId is MALFORMED_INPUT, not a rounded number', () => {
  assert.equal(decodeDer(hexToBytes('3005020100' + '3000'), CertRequest, 'CertRequest').certReqId, 0);
  // certReqId = 2^64, well-formed DER otherwise
  const der = hexToBytes('300d' + '0209010000000000000000' + '3000');
  assert.throws(
    () => decodeDer(der, CertRequest, 'CertRequest'),
    (e) => isPkiError(e, 'MALFORMED_INPUT') && e.cause instanceof RangeError,
  );
});

test('fuzz: CertReqMessages decoding raises only PkiError', () => {
  const { tree } = decodeDerWithTree(fixture('ir-sig.der'), PKIMessage, 'ir-sig');
  const ir = rawChild(tree, [1, 0], 'body');
  assertParserOnlyRaisesPkiErrors(ir, (b) => decodeDer(b, CertReqMessages, 'x'), 2000);
});
