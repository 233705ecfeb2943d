import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CertReqMsg } from '../../../pki/asn1/crmf/cert-req-msg.js';
import { ID_IT } from '../../../pki/asn1/cmp/cmp-oids.js';
import type { PKIMessage } from '../../../pki/asn1/cmp/pki-message.js';
import { generateKeyPair } from '../../../pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../../../pki/certificate.js';
import { bytesEqual, bytesToHex, decodeDerWithTree, encodeDer, toBytes } from '../../../pki/der.js';
import { readDerOrPem } from '../../../pki/pem.js';
import { buildCsr } from '../../../pki/csr.js';
import { parseDistinguishedName } from '../../../pki/name.js';
import { checkProtection } from '../message-protection.js';
import { verifyCertReqMsg } from '../wire/crmf-request.js';
import { decodeReceivedMessage, type ReceivedMessage } from '../wire/received-message.js';
import { NO_PROTECTION, pbmac1Protection, pbmProtection, signatureProtection } from './client-protection.js';
import {
  certConfBody,
  certReqMsg,
  certRequestBody,
  genmBody,
  p10crBody,
  pollReqBody,
  rrBody,
} from './cmp-client-messages.js';
import { encodeCmpRequest } from './cmp-request.js';
import { readCmpResponse } from './cmp-response-reader.js';
import { assertParserOnlyRaisesPkiErrors } from '../../../../test/helpers/fuzz.js';
import { makeTestHierarchy } from '../../../../test/helpers/pki-fixtures.js';
import { goldenVector } from '../../../../test/helpers/golden-vectors.js';

// OpenSSL 3.0's `openssl cmp` requests and its mock server's answers (test/fixtures/cmp/README.md).
const fixture = (name: string): Uint8Array => goldenVector('cmp', name);
const pem = (name: string): Uint8Array => readDerOrPem(fixture(name), ['CERTIFICATE'], name);

const NOW = new Date('2026-01-01T12:00:00Z');
const key = generateKeyPair('ec-p256');
const newKey = generateKeyPair('ec-p256');
/** A self-issued certificate is enough to sign with: the codec does not judge trust. */
const clientCertificate = pem('client.pem');

const acceptAnySecret = (secret: string) => ({
  secretFor: () => new Uint8Array(Buffer.from(secret, 'utf8')),
  maxIterations: 100_000,
});

/** The fields that say how a request is built, to compare ours with OpenSSL's (names, keys and nonces differ). */
function shape(received: ReceivedMessage) {
  const { header, body } = received.message;
  const certReq = (body.ir ?? body.cr ?? body.kur)?.[0];
  const template = certReq?.certReq.certTemplate;
  return {
    bodyType: received.bodyType,
    pvno: header.pvno,
    protectionAlg: header.protectionAlg?.algorithm,
    senderKidBytes: received.senderKid?.length,
    transactionIdBytes: received.transactionId?.length,
    senderNonceBytes: received.senderNonce?.length,
    hasMessageTime: header.messageTime !== undefined,
    certReqId: certReq?.certReq.certReqId,
    templateHas: template
      ? (['subject', 'publicKey', 'extensions', 'serialNumber', 'validity'] as const).filter(
          (field) => template[field] !== undefined,
        )
      : undefined,
    extensions: template?.extensions?.map((e) => e.extnID),
    controls: certReq?.certReq.controls?.map((c) => c.type),
    popo: certReq?.popo?.signature?.algorithmIdentifier.algorithm,
    poposkInput: certReq?.popo?.signature?.poposkInput !== undefined,
    extraCerts: received.extraCerts.length > 0,
  };
}

function popoOf(message: PKIMessage, received: ReceivedMessage) {
  const node = (received.bodyContent.valueBlock as { value: Parameters<typeof verifyCertReqMsg>[1][] })
    .value[0];
  assert.ok(node, 'node');
  const { value, tree } = decodeDerWithTree(
    new Uint8Array(node.valueBeforeDecodeView),
    CertReqMsg,
    'CertReqMsg',
  );
  assert.equal(message.body.ir?.length ?? message.body.cr?.length ?? message.body.kur?.length, 1);
  return verifyCertReqMsg(value, tree);
}

test('ir signed with a certificate decodes like OpenSSL’s, and its POP and protection verify', () => {
  const ours = encodeCmpRequest(
    certRequestBody(
      'ir',
      certReqMsg({
        key: newKey,
        subject: 'CN=device-1',
        altNames: [{ type: 'dns', value: 'device-1.example' }],
      }),
    ),
    { protection: signatureProtection(key, [clientCertificate]), messageTime: NOW },
  );
  const received = decodeReceivedMessage(ours.der);
  const openssl = decodeReceivedMessage(fixture('ir-sig.der'));
  // OpenSSL also names the issuer in the template (from -srvcert); the profile does not need it.
  assert.deepEqual(shape(received), shape(openssl));
  // The protection is a signature by a key that does not match client.pem: it must not verify.
  assert.throws(() => checkProtection(received, acceptAnySecret('x')), { failInfo: 'badMessageCheck' });
  const { request, certReqId } = popoOf(received.message, received);
  assert.equal(certReqId, 0);
  assert.ok(bytesEqual(request.spkiDer, newKey.spki), 'bytesEqual(request.spkiDer, newKey.spki)');
  assert.deepEqual(request.altNames, [{ type: 'dns', value: 'device-1.example' }]);
  assert.ok(
    ours.transactionId && bytesEqual(received.transactionId ?? new Uint8Array(), ours.transactionId),
    'ours.transactionId && bytesEqual(received.transactionId ?? new Uint8Array(), ours.transactionId)',
  );
});

test('signature protection verifies, with the protection certificate first in extraCerts', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const request = encodeCmpRequest(genmBody(ID_IT.caCerts), {
    protection: signatureProtection(leaf.key, [leaf.cert.der, intermediate.cert.der]),
    messageTime: NOW,
  });
  const received = decodeReceivedMessage(request.der);
  const sender = checkProtection(received, acceptAnySecret('x'));
  assert.equal(sender.kind, 'signature');
  assert.deepEqual(
    received.extraCerts.map((c) => bytesToHex(c)),
    [leaf.cert.der, intermediate.cert.der].map((c) => bytesToHex(c)),
  );
  assert.ok(
    bytesEqual(
      received.senderKid ?? new Uint8Array(),
      leaf.cert.extensions.subjectKeyId ?? new Uint8Array(1),
    ),
    'senderKID is the subjectKeyIdentifier',
  );
  assert.equal(received.message.header.sender.directoryName?.toString(), leaf.cert.subject.toString());
  assert.ok(root.cert.selfIssued, 'root.cert.selfIssued');
});

test('ir with PasswordBasedMac: OpenSSL’s defaults, senderKID = reference, NULL-DN sender', () => {
  const ours = encodeCmpRequest(certRequestBody('ir', certReqMsg({ key: newKey, subject: 'CN=device-1' })), {
    protection: pbmProtection('1234', 'test-secret'),
    messageTime: NOW,
  });
  const received = decodeReceivedMessage(ours.der);
  const openssl = decodeReceivedMessage(fixture('ir-mac.der'));
  assert.deepEqual(
    { ...shape(received), templateHas: undefined },
    { ...shape(openssl), templateHas: undefined },
  );
  assert.deepEqual(received.message.header.protectionAlg?.parameters?.byteLength, 49);
  const sender = checkProtection(received, acceptAnySecret('test-secret'));
  assert.equal(sender.kind, 'mac');
  assert.equal(sender.kind === 'mac' ? sender.reference : '', '1234');
  assert.equal(received.message.header.sender.directoryName?.length, 0);
  assert.throws(() => checkProtection(received, acceptAnySecret('wrong')), { failInfo: 'badMessageCheck' });
  // OpenSSL's own MAC verifies with the same code path.
  assert.equal(checkProtection(openssl, acceptAnySecret('test-secret')).kind, 'mac');
});

test('PBMAC1 protection verifies; its iteration count is checked against the cap', () => {
  const request = encodeCmpRequest(pollReqBody(), {
    protection: pbmac1Protection('tok_0123456789ab', 'secret', { iterationCount: 2000 }),
    messageTime: NOW,
  });
  const received = decodeReceivedMessage(request.der);
  assert.equal(checkProtection(received, acceptAnySecret('secret')).kind, 'mac');
  assert.throws(() => checkProtection(received, { ...acceptAnySecret('secret'), maxIterations: 1000 }), {
    failInfo: 'badAlg',
  });
});

test('header overrides: fields left out, pvno, implicitConfirm, recipNonce', () => {
  const recipNonce = Uint8Array.from({ length: 16 }, (_, i) => i);
  const request = encodeCmpRequest(genmBody(ID_IT.caCerts), {
    protection: NO_PROTECTION,
    messageTime: null,
    transactionId: null,
    senderNonce: null,
    pvno: 3,
    implicitConfirm: true,
    recipNonce,
  });
  const received = decodeReceivedMessage(request.der);
  const { header } = received.message;
  assert.equal(header.pvno, 3);
  assert.equal(header.messageTime, undefined);
  assert.equal(received.transactionId, undefined);
  assert.equal(received.senderNonce, undefined);
  assert.ok(
    bytesEqual(received.recipNonce ?? new Uint8Array(), recipNonce),
    'bytesEqual(received.recipNonce ?? new Uint8Array(), recipNonce)',
  );
  assert.deepEqual(
    header.generalInfo?.map((i) => i.infoType),
    [ID_IT.implicitConfirm],
  );
  assert.equal(header.protectionAlg, undefined);
  assert.equal(checkProtection(received, acceptAnySecret('x')).kind, 'none');
});

test('kur names the old certificate in oldCertID and keeps its subject', () => {
  const old = pem('issued.pem');
  const request = encodeCmpRequest(certRequestBody('kur', certReqMsg({ key: newKey, oldCertificate: old })), {
    protection: signatureProtection(key, [clientCertificate]),
    messageTime: NOW,
  });
  const received = decodeReceivedMessage(request.der);
  const openssl = decodeReceivedMessage(fixture('kur.der'));
  assert.deepEqual(shape(received).controls, shape(openssl).controls);
  const { oldCertSerial, request: verified } = popoOf(received.message, received);
  assert.equal(oldCertSerial, parseCertificate(old).serial);
  assert.ok(
    bytesEqual(verified.subjectDer, parseCertificate(old).subjectDer),
    'bytesEqual(verified.subjectDer, parseCertificate(old).subjectDer)',
  );
});

test('p10cr carries the CSR byte for byte', () => {
  const csr = buildCsr({ subject: parseDistinguishedName('CN=device-1'), altNames: [] }, newKey);
  const request = encodeCmpRequest(p10crBody(csr), { protection: NO_PROTECTION, messageTime: NOW });
  const received = decodeReceivedMessage(request.der);
  assert.equal(received.bodyType, 'p10cr');
  assert.ok(
    bytesEqual(new Uint8Array(received.bodyContent.valueBeforeDecodeView), csr),
    'bytesEqual(new Uint8Array(received.bodyContent.valueBeforeDecodeView), csr)',
  );
  assert.equal(decodeReceivedMessage(fixture('p10cr.der')).bodyType, 'p10cr');
});

test('certConf hashes the certificate as OpenSSL does (SHA-256 for ECDSA-SHA256)', () => {
  const ip = readCmpResponse(fixture('ir-mac-ip.der'), { secret: 'test-secret' });
  assert.equal(ip.protectedBy, 'mac');
  assert.equal(ip.status, 'accepted');
  assert.ok(ip.certificate, 'ip.certificate');
  const theirs = decodeReceivedMessage(fixture('ir-mac-certconf.der')).message.body.certConf?.[0];
  const ours = certConfBody(ip.certificate).certConf?.[0];
  assert.ok(theirs && ours, 'theirs && ours');
  assert.equal(bytesToHex(toBytes(ours.certHash)), bytesToHex(toBytes(theirs.certHash)));
  assert.equal(ours.certReqId, theirs.certReqId);
  assert.equal(ours.statusInfo?.status, theirs.statusInfo?.status ?? 0);

  const rejected = certConfBody(ip.certificate, {
    rejection: { text: 'wrong name', failInfo: 'badCertTemplate' },
  });
  assert.equal(rejected.certConf?.[0]?.statusInfo?.status, 2);
});

test('rr names issuer and serial with a reasonCode extension, as OpenSSL does', () => {
  const ours = rrBody(clientCertificate, 'keyCompromise').rr?.[0];
  const theirs = decodeReceivedMessage(fixture('rr.der')).message.body.rr?.[0];
  assert.ok(ours && theirs, 'ours && theirs');
  assert.equal(bytesToHex(encodeDer(ours)), bytesToHex(encodeDer(theirs)));
});

test('genm asks for one info type', () => {
  const ours = decodeReceivedMessage(
    encodeCmpRequest(genmBody(ID_IT.signKeyPairTypes), { protection: NO_PROTECTION, messageTime: NOW }).der,
  );
  const theirs = decodeReceivedMessage(fixture('genm.der'));
  assert.equal(
    bytesToHex(encodeDer(ours.message.body.genm)),
    bytesToHex(encodeDer(theirs.message.body.genm)),
  );
  const pollReq = decodeReceivedMessage(fixture('poll-req.der')).message.body.pollReq;
  assert.equal(bytesToHex(encodeDer(pollReqBody().pollReq)), bytesToHex(encodeDer(pollReq)));
});

test('the response reader: status, failInfo, text, nonces, signature and trust', () => {
  const ca = pem('ca.pem');
  // OpenSSL's mock server signs without extraCerts: the client must know its certificate (-srvcert).
  assert.throws(() => readCmpResponse(fixture('ir-sig-ip.der')), { code: 'BAD_SIGNATURE' });
  const ip = readCmpResponse(fixture('ir-sig-ip.der'), {
    serverCertificate: ca,
    trustedRoots: [ca],
    at: new Date('2027-01-01'),
  });
  assert.equal(ip.protectedBy, 'signature');
  assert.equal(ip.status, 'accepted');
  assert.equal(ip.certReqId, 0);
  assert.ok(
    ip.certificate && bytesEqual(ip.certificate, pem('issued.pem')),
    "ip.certificate && bytesEqual(ip.certificate, pem('issued.pem'))",
  );
  assert.throws(
    () =>
      readCmpResponse(fixture('ir-sig-ip.der'), {
        serverCertificate: ca,
        trustedRoots: [clientCertificate],
        at: new Date('2027-01-01'),
      }),
    { code: 'UNTRUSTED' },
  );
  const request = decodeReceivedMessage(fixture('ir-sig.der'));
  const echoed = readCmpResponse(fixture('ir-sig-ip.der'), { serverCertificate: ca, request });
  assert.ok(
    bytesEqual(echoed.recipNonce ?? new Uint8Array(), request.senderNonce ?? new Uint8Array(1)),
    'bytesEqual(echoed.recipNonce ?? new Uint8Array(), request.senderNonce ?? new Uint8Array(1))',
  );
  assert.throws(
    () =>
      readCmpResponse(fixture('ir-sig-ip.der'), {
        serverCertificate: ca,
        request: { transactionId: new Uint8Array(16), senderNonce: undefined },
      }),
    { code: 'MALFORMED_INPUT' },
  );

  const error = readCmpResponse(fixture('error.der'), { serverCertificate: ca });
  assert.equal(error.bodyType, 'error');
  assert.equal(error.status, 'rejection');
  assert.deepEqual(error.failInfo, ['badRequest']);
  assert.ok(error.text, 'error.text');
  const rejected = readCmpResponse(fixture('ip-rejection.der'), { serverCertificate: ca });
  assert.deepEqual([rejected.status, rejected.failInfo], ['rejection', ['badPOP']]);
  const pollRep = readCmpResponse(fixture('poll-rep.der'), { serverCertificate: ca });
  assert.deepEqual(
    [pollRep.bodyType, pollRep.certReqId, typeof pollRep.checkAfterSeconds],
    ['pollRep', 0, 'number'],
  );
  assert.equal(readCmpResponse(fixture('rr-rp.der'), { serverCertificate: ca }).status, 'accepted');
  assert.throws(() => readCmpResponse(fixture('ir-mac-ip.der'), { secret: 'nope' }), {
    code: 'BAD_SIGNATURE',
  });
  assert.throws(() => readCmpResponse(fixture('ir-mac-ip.der').subarray(1)), { code: 'MALFORMED_INPUT' });
});

test('readCmpResponse only raises PkiError on mutated answers', () => {
  const ca = pem('ca.pem');
  assertParserOnlyRaisesPkiErrors(
    fixture('ir-mac-ip.der'),
    (der) => readCmpResponse(der, { secret: 'test-secret' }),
    300,
  );
  assertParserOnlyRaisesPkiErrors(
    fixture('ir-sig-ip.der'),
    (der) => readCmpResponse(der, { serverCertificate: ca, trustedRoots: [ca], at: new Date('2027-01-01') }),
    300,
  );
});
