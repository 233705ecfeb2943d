import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlgorithmIdentifier, Certificate, GeneralName, GeneralNames, Time } from '@peculiar/asn1-x509';
import { assertParserOnlyRaisesPkiErrors } from '../../../../test/helpers/fuzz.js';
import { isPkiError } from '../../../core/pki-error.js';
import {
  bytesEqual,
  bytesToHex,
  decodeDer,
  encodeDer,
  hexToBytes,
  toArrayBuffer,
  toBytes,
} from '../../der.js';
import { readDerOrPem } from '../../pem.js';
import { ID_REG_CTRL } from '../crmf/crmf-oids.js';
import { CertTemplate } from '../crmf/cert-template.js';
import { CertReqTemplateContent } from './cert-req-template-content.js';
import { ID_IT } from './cmp-oids.js';
import { CRLSource } from './crl-source.js';
import { CRLStatus } from './crl-status.js';
import { PKI_BODY_TAGS, PKIBody, pkiBodyType, type PKIBodyType } from './pki-body.js';
import {
  PKI_FAILURE_INFO_BITS,
  decodeFailureInfo,
  encodeFailureInfo,
  type PKIFailureInfoName,
} from './pki-failure-info.js';
import { PKIMessage } from './pki-message.js';
import { PKIMessages } from './pki-messages.js';
import { PKI_STATUS } from './pki-status.js';
import { PKIStatusInfo } from './pki-status-info.js';
import { ProtectedPart } from './protected-part.js';
import { RootCaKeyUpdateContent } from './root-ca-key-update-content.js';
import { goldenVector, goldenVectorNames } from '../../../../test/helpers/golden-vectors.js';

// Golden vectors: messages written by OpenSSL 3.0's CMP client and mock server (test/fixtures/cmp/make-vectors.sh).
const fixture = (name: string): Uint8Array => goldenVector('cmp', name);
const message = (name: string): PKIMessage => decodeDer(fixture(name), PKIMessage, name);
const certificate = (name: string): Certificate =>
  decodeDer(readDerOrPem(fixture(name), ['CERTIFICATE'], name), Certificate, name);

/** Every vector, with the body type it must decode to. */
const VECTORS: Record<string, PKIBodyType> = {
  'ir-mac.der': 'ir',
  'ir-mac-ip.der': 'ip',
  'ir-mac-certconf.der': 'certConf',
  'ir-mac-pkiconf.der': 'pkiconf',
  'ir-sig.der': 'ir',
  'ir-sig-ip.der': 'ip',
  'cr.der': 'cr',
  'cr-cp.der': 'cp',
  'p10cr.der': 'p10cr',
  'p10cr-cp.der': 'cp',
  'kur.der': 'kur',
  'kur-kup.der': 'kup',
  'rr.der': 'rr',
  'rr-rp.der': 'rp',
  'genm.der': 'genm',
  'genm-genp.der': 'genp',
  'poll-ip-waiting.der': 'ip',
  'poll-req.der': 'pollReq',
  'poll-rep.der': 'pollRep',
  'poll-ip.der': 'ip',
  'error.der': 'error',
  'ip-rejection.der': 'ip',
};

const cn = (name: GeneralName | undefined): string | undefined =>
  name?.directoryName?.[0]?.[0]?.value.toString();

test('the vector table covers every .der fixture', () => {
  const files = goldenVectorNames('cmp', '.der');
  assert.deepEqual(files.sort(), Object.keys(VECTORS).sort());
});

for (const [name, type] of Object.entries(VECTORS)) {
  test(`${name}: decodes as ${type}, header as RFC 9483 §3.1 wants it, re-encodes byte for byte`, () => {
    const bytes = fixture(name);
    const msg = decodeDer(bytes, PKIMessage, name);
    assert.equal(pkiBodyType(msg.body), type);
    assert.equal(msg.header.pvno, 2);
    assert.equal(toBytes(msg.header.transactionID ?? new ArrayBuffer(0)).length, 16);
    assert.equal(toBytes(msg.header.senderNonce ?? new ArrayBuffer(0)).length, 16);
    assert.ok(msg.header.messageTime instanceof Date);
    assert.ok(msg.header.protectionAlg, 'protected');
    assert.ok(msg.protection && msg.protection.byteLength > 0);
    assert.equal(bytesToHex(encodeDer(msg)), bytesToHex(bytes));
  });
}

test('responses echo the transaction and nonce of their request', () => {
  for (const [request, response] of [
    ['ir-sig.der', 'ir-sig-ip.der'],
    ['rr.der', 'rr-rp.der'],
    ['genm.der', 'genm-genp.der'],
  ] as const) {
    const req = message(request).header;
    const rsp = message(response).header;
    assert.ok(bytesEqual(toBytes(rsp.transactionID!), toBytes(req.transactionID!)), request);
    assert.ok(bytesEqual(toBytes(rsp.recipNonce!), toBytes(req.senderNonce!)), request);
  }
});

test('ir with PBM: senderKID is the reference, protectionAlg is PasswordBasedMac, template as asked', () => {
  const msg = message('ir-mac.der');
  assert.equal(Buffer.from(msg.header.senderKID!).toString(), '1234');
  assert.equal(msg.header.protectionAlg?.algorithm, '1.2.840.113533.7.66.13');
  assert.equal(cn(msg.header.sender), 'device-1');
  assert.equal(cn(msg.header.recipient), 'certfleet test CA');
  assert.equal(msg.extraCerts, undefined);
  const [req] = msg.body.ir ?? [];
  assert.equal(req?.certReq.certReqId, 0);
  const template = req?.certReq.certTemplate;
  assert.equal(template?.subject?.[0]?.[0]?.value.toString(), 'device-1');
  assert.equal(template?.publicKey?.algorithm.algorithm, '1.2.840.10045.2.1');
  const days =
    ((template?.validity?.notAfter?.getTime().getTime() ?? 0) -
      (template?.validity?.notBefore?.getTime().getTime() ?? 0)) /
    86_400_000;
  assert.equal(days, 365);
  assert.equal(req?.popo?.signature?.algorithmIdentifier.algorithm, '1.2.840.10045.4.3.2');
});

test('ir with signature: signer chain in extraCerts, SAN extension and POPO in the request', () => {
  const msg = message('ir-sig.der');
  assert.equal(msg.header.protectionAlg?.algorithm, '1.2.840.10045.4.3.2');
  const client = certificate('client.pem');
  assert.ok(bytesEqual(encodeDer(msg.extraCerts?.[0]), encodeDer(client)));
  const [req] = msg.body.ir ?? [];
  const template = req?.certReq.certTemplate;
  assert.equal(template?.issuer?.[0]?.[0]?.value.toString(), 'certfleet test CA');
  assert.deepEqual(
    Array.from(template?.extensions ?? [], (e) => e.extnID),
    ['2.5.29.17'],
  );
  assert.ok(req?.popo?.signature && req.popo.signature.signature.byteLength > 0);
  assert.equal(req.popo.signature.poposkInput, undefined);
});

test('ip: the certificate issued, caPubs with PBM, certReqId echoed, status accepted', () => {
  const mac = message('ir-mac-ip.der').body.ip;
  assert.ok(mac?.caPubs && bytesEqual(encodeDer(mac.caPubs[0]), encodeDer(certificate('ca.pem'))));
  const [rsp] = message('ir-sig-ip.der').body.ip?.response ?? [];
  assert.equal(rsp?.certReqId, 0);
  assert.equal(rsp?.status.status, PKI_STATUS.accepted);
  const issued = rsp?.certifiedKeyPair?.certOrEncCert.certificate;
  assert.ok(issued && bytesEqual(encodeDer(issued), encodeDer(certificate('issued.pem'))));
});

test('p10cr carries the PKCS#10 request, and its cp answers certReqId -1', () => {
  const csr = message('p10cr.der').body.p10cr;
  assert.equal(csr?.certificationRequestInfo.subject[0]?.[0]?.value.toString(), 'device-1');
  assert.equal(message('p10cr-cp.der').body.cp?.response[0]?.certReqId, -1);
});

test('kur names the certificate it replaces in an oldCertID control', () => {
  const [req] = message('kur.der').body.kur ?? [];
  const control = req?.certReq.controls?.[0];
  assert.equal(control?.type, ID_REG_CTRL.oldCertID);
  assert.equal(message('kur-kup.der').body.kup?.response[0]?.status.status, PKI_STATUS.accepted);
});

test('rr names issuer and serial with a reasonCode; rp answers with the CertId', () => {
  const [details] = message('rr.der').body.rr ?? [];
  assert.equal(bytesToHex(toBytes(details?.certDetails.serialNumber ?? new ArrayBuffer(0))), '1001');
  assert.equal(details?.certDetails.issuer?.[0]?.[0]?.value.toString(), 'certfleet test CA');
  const reason = details?.crlEntryDetails?.[0];
  assert.equal(reason?.extnID, '2.5.29.21');
  assert.equal(bytesToHex(toBytes(reason?.extnValue.buffer ?? new ArrayBuffer(0))), '0a0101');
  const rp = message('rr-rp.der').body.rp;
  assert.equal(rp?.status[0]?.status, PKI_STATUS.accepted);
  assert.equal(bytesToHex(toBytes(rp?.revCerts?.[0]?.serialNumber ?? new ArrayBuffer(0))), '1001');
  assert.equal(cn(rp?.revCerts?.[0]?.issuer), 'certfleet test CA');
});

test('genm asks for signKeyPairTypes without a value; genp answers the same infoType', () => {
  const genm = message('genm.der').body.genm;
  assert.equal(genm?.length, 1);
  assert.equal(genm?.[0]?.infoType, ID_IT.signKeyPairTypes);
  assert.equal(genm?.[0]?.infoValue, undefined);
  assert.equal(message('genm-genp.der').body.genp?.[0]?.infoType, ID_IT.signKeyPairTypes);
});

test('certConf hashes the certificate for certReqId 0; pkiconf is NULL', () => {
  const [status] = message('ir-mac-certconf.der').body.certConf ?? [];
  assert.equal(status?.certReqId, 0);
  assert.equal(status?.certHash.byteLength, 32);
  assert.equal(status?.statusInfo?.status, PKI_STATUS.accepted);
  assert.equal(message('ir-mac-pkiconf.der').body.pkiconf, null);
});

test('polling: ip "waiting" without a certificate, pollReq/pollRep for certReqId 0, then the ip', () => {
  const waiting = message('poll-ip-waiting.der').body.ip?.response[0];
  assert.equal(waiting?.status.status, PKI_STATUS.waiting);
  assert.equal(waiting?.certifiedKeyPair, undefined);
  assert.deepEqual(
    Array.from(message('poll-req.der').body.pollReq ?? [], (e) => e.certReqId),
    [0],
  );
  const [rep] = message('poll-rep.der').body.pollRep ?? [];
  assert.equal(rep?.certReqId, 0);
  assert.equal(rep?.checkAfter, 0);
  assert.ok(message('poll-ip.der').body.ip?.response[0]?.certifiedKeyPair?.certOrEncCert.certificate);
});

test('error: rejection with failInfo badRequest, a 32-bit errorCode as a number, and details', () => {
  const error = message('error.der').body.error;
  assert.equal(error?.pKIStatusInfo.status, PKI_STATUS.rejection);
  assert.deepEqual(decodeFailureInfo(error.pKIStatusInfo.failInfo!), ['badRequest']);
  assert.deepEqual([...(error?.pKIStatusInfo.statusString ?? [])], ['error processing message']);
  assert.equal(error?.errorCode, 0x1d00009e);
  assert.deepEqual([...(error?.errorDetails ?? [])], ['CMP routines', 'error processing message']);
});

test('ip rejection: failInfo badPOP is the DER 03 03 06 00 40 OpenSSL wrote', () => {
  const status = message('ip-rejection.der').body.ip?.response[0]?.status;
  assert.equal(status?.status, PKI_STATUS.rejection);
  assert.deepEqual(decodeFailureInfo(status.failInfo!), ['badPOP']);
  assert.equal(bytesToHex(encodeDer(status?.failInfo)), '0303060040');
  assert.deepEqual([...(status?.statusString ?? [])], ['template rejected']);
});

test('PKIFailureInfo: DER named BIT STRING, trailing zero bits trimmed (X.690 §11.2.2)', () => {
  const cases: [PKIFailureInfoName[], string][] = [
    [[], '030100'],
    [['badAlg'], '03020780'],
    [['badRequest'], '03020520'],
    [['incorrectData'], '03020001'],
    [['badPOP'], '0303060040'],
    [['badPOP', 'badRequest'], '0303062040'],
    [['badCertTemplate'], '030404000010'],
    [['systemFailure'], '03050600000040'],
    [['duplicateCertReq', 'badAlg'], '03050580000020'],
  ];
  for (const [names, hex] of cases) {
    const failInfo = encodeFailureInfo(names);
    assert.equal(bytesToHex(encodeDer(failInfo)), hex, names.join(','));
    const der = encodeDer(new PKIStatusInfo({ status: PKI_STATUS.rejection, failInfo }));
    const back = decodeDer(der, PKIStatusInfo, 'PKIStatusInfo');
    assert.deepEqual(decodeFailureInfo(back.failInfo!).sort(), [...names].sort());
    assert.ok(bytesEqual(encodeDer(back), der));
  }
  assert.deepEqual(Object.values(PKI_FAILURE_INFO_BITS), [...Array(27).keys()]);
});

test('PKIBody: all 27 alternatives with their RFC 9810 §5.1.2 tags, each written as an explicit [n]', () => {
  assert.equal(Object.keys(PKI_BODY_TAGS).length, 27);
  assert.deepEqual(Object.values(PKI_BODY_TAGS), [...Array(27).keys()]);
  // The bodies we keep as raw DER, and pkiconf's NULL: the tag wraps the value (EXPLICIT TAGS).
  const value = toArrayBuffer(hexToBytes('3000'));
  for (const type of ['popdecc', 'popdecr', 'krp', 'ckuann', 'cann', 'rann', 'crlann'] as const) {
    const der = encodeDer(new PKIBody({ [type]: value }));
    assert.equal(bytesToHex(der), `${(0xa0 + PKI_BODY_TAGS[type]).toString(16)}023000`, type);
    const back = decodeDer(der, PKIBody, type);
    assert.equal(pkiBodyType(back), type);
    assert.ok(bytesEqual(toBytes(back[type]!), hexToBytes('3000')));
  }
  assert.equal(bytesToHex(encodeDer(new PKIBody({ pkiconf: null }))), 'b3020500');
  assert.throws(
    () => pkiBodyType(new PKIBody()),
    (e) => isPkiError(e, 'MALFORMED_INPUT'),
  );
});

test('nested: PKIMessages inside a PKIBody, decoded through the recursive schema', () => {
  const inner = message('ir-mac.der');
  const outer = new PKIMessage({
    header: message('ir-sig.der').header,
    body: new PKIBody({ nested: new PKIMessages([inner]) }),
  });
  const der = encodeDer(outer);
  const back = decodeDer(der, PKIMessage, 'nested');
  assert.equal(pkiBodyType(back.body), 'nested');
  assert.equal(back.body.nested?.length, 1);
  assert.equal(pkiBodyType(back.body.nested[0]!.body), 'ir');
  assert.ok(bytesEqual(encodeDer(back.body.nested[0]), fixture('ir-mac.der')));
  assert.ok(bytesEqual(encodeDer(back), der));
});

test('ProtectedPart is the SEQUENCE of the header and body as they appear in the message', () => {
  const bytes = fixture('ir-sig.der');
  const msg = decodeDer(bytes, PKIMessage, 'ir-sig');
  const part = encodeDer(new ProtectedPart({ header: msg.header, body: msg.body }));
  const headerAndBody = encodeDer(msg.header).length + encodeDer(msg.body).length;
  assert.equal(part.length, headerAndBody + 4); // 30 82 LL LL
  const back = decodeDer(part, ProtectedPart, 'ProtectedPart');
  assert.equal(pkiBodyType(back.body), 'ir');
});

test('genm/genp value types: RootCaKeyUpdateContent, CertReqTemplateContent and CRLStatus round-trip', () => {
  const ca = certificate('ca.pem');
  const update = encodeDer(new RootCaKeyUpdateContent({ newWithNew: ca, oldWithNew: ca }));
  const updateBack = decodeDer(update, RootCaKeyUpdateContent, 'rootCaKeyUpdate');
  assert.equal(updateBack.newWithOld, undefined);
  assert.ok(updateBack.oldWithNew);
  assert.ok(bytesEqual(encodeDer(updateBack), update));
  // [1] of the EXPLICIT module wraps the whole certificate.
  assert.ok(bytesToHex(update).includes('a182'));

  const template = encodeDer(
    new CertReqTemplateContent({
      certTemplate: new CertTemplate({
        signingAlg: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
      }),
    }),
  );
  assert.equal(bytesToHex(template), '300e300ca20a06082a8648ce3d040302');
  assert.ok(bytesEqual(encodeDer(decodeDer(template, CertReqTemplateContent, 't')), template));

  const status = encodeDer(
    new CRLStatus({
      source: new CRLSource({ issuer: new GeneralNames([new GeneralName({ dNSName: 'ca' })]) }),
      thisUpdate: new Time(new Date('2025-01-02T03:04:05Z')),
    }),
  );
  assert.equal(bytesToHex(status), '3017a10630048202636117' + '0d3235303130323033303430355a');
  const statusBack = decodeDer(status, CRLStatus, 'CRLStatus');
  assert.equal(statusBack.source.issuer?.[0]?.dNSName, 'ca');
  assert.ok(bytesEqual(encodeDer(statusBack), status));
});

test('fuzz: PKIMessage decoding raises only PkiError on mutated, truncated and random bytes', () => {
  for (const name of ['ir-sig.der', 'ir-mac-ip.der', 'error.der']) {
    assertParserOnlyRaisesPkiErrors(fixture(name), (b) => decodeDer(b, PKIMessage, 'x'), 2000);
  }
});
