import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SerialHex } from '../../core/ids.js';
import { publicKeyFromSpki } from '../algorithms/key-algorithm.js';
import { signatureAlgorithm } from '../algorithms/signature-algorithm.js';
import { parseCertificate } from '../certificate.js';
import { encodeDer } from '../der.js';
import { OID } from '../oids.js';
import { certIdFor, certIdNamesIssuer } from './cert-id.js';
import { buildOcspRequest, parseOcspRequest } from './ocsp-request.js';
import {
  assembleOcspResponse,
  encodeBasicResponseTbs,
  ocspResponderKeyHash,
  parseOcspResponse,
  verifyOcspResponseSignature,
} from './ocsp-response.js';
import { ocspNoCheckExtension } from './ocsp-signing.js';

/*
 * Golden vectors: the examples of the Lightweight OCSP Profile (draft-ietf-lamps-rfc5019bis, published as
 * RFC 9919, appendix "Examples"). A P-521 issuing CA, an end-entity certificate with serial 27979789, a SHA-256
 * CertID request, and a response signed by a P-384 delegated responder that carries id-pkix-ocsp-nocheck.
 */
const ISSUING_CA = `
-----BEGIN CERTIFICATE-----
MIICKDCCAYqgAwIBAgIBATAKBggqhkjOPQQDBDA4MQswCQYDVQQGEwJYWDEUMBIG
A1UECgwLQ2VydHMgJ3IgVXMxEzARBgNVBAMMCklzc3VpbmcgQ0EwHhcNMjQwNDAy
MTIzNzQ3WhcNMjUwNDAyMTIzNzQ3WjA4MQswCQYDVQQGEwJYWDEUMBIGA1UECgwL
Q2VydHMgJ3IgVXMxEzARBgNVBAMMCklzc3VpbmcgQ0EwgZswEAYHKoZIzj0CAQYF
K4EEACMDgYYABAHQ/XJXqEx0f1YldcBzhdvr8vUr6lgIPbgv3RUx2KrjzIdf8C/3
+i2iYNjrYtbS9dZJJ44yFzagYoy7swMItuYY2wD2KtIExkYDWbyBiriWG/Dw/A7F
quikKBc85W8A3psVfB5cgsZPVi/K3vxKTCj200LPPvYW/ILTO3KFySHyvzb92KNC
MEAwHQYDVR0OBBYEFI7CFAlgduqQOOk5rhttUsQXfZ++MA8GA1UdEwEB/wQFMAMB
Af8wDgYDVR0PAQH/BAQDAgIEMAoGCCqGSM49BAMEA4GLADCBhwJBbr/1SJiHCgXG
EJ7R+3er1LdWqrdZHgtCwyT7+wFBIJmVswEiom2LGh/oMuu5mD+u/+o1m07vmmZj
/+ipGp8TIwkCQgCoZ4bHte6XkFm7hUXascLN7vkv7qKwXyTsCvIDpEDTRCX8dUFe
73jGebitkumRHjVhlBJLo7n3FMJrFHNoeblMbw==
-----END CERTIFICATE-----`;

const REQUEST = Buffer.from(
  `
MGEwXzBdMFswWTANBglghkgBZQMEAgEFAAQgOplGd1aAc6cHv95QGGNF5M1hNNsI
Xrqh0QQl8DtvCOoEIEdKbKMB8j3J9/cHhwThx/X8lucWdfbtiC56tlw/WEVDAgQB
qvAN`,
  'base64',
);

const RESPONSE = Buffer.from(
  `
MIIDnwoBAKCCA5gwggOUBgkrBgEFBQcwAQEEggOFMIIDgTCBsKIWBBQK46D+ndQl
dpi163Lrygznvz318RgPMjAyNDA0MDIxMjM3NDdaMIGEMIGBMFkwDQYJYIZIAWUD
BAIBBQAEIDqZRndWgHOnB7/eUBhjReTNYTTbCF66odEEJfA7bwjqBCBHSmyjAfI9
yff3B4cE4cf1/JbnFnX27YguerZcP1hFQwIEAarwDYAAGA8yMDI0MDQwMzEyMzc0
N1qgERgPMjAyNDA0MTAxMjM3NDdaMAoGCCqGSM49BAMDA2kAMGYCMQDRmVmiIb4D
m9yEXiv2XtoeQi6ftpjLmlBqqRIi+3htfF/OyjdHnFuh38cQKYqqrWYCMQDKiPct
Vu7SQs587d2ZBEHQH20j5AFiGGsbI1b3+C9ZK6NIzgD6DnWlDwpSfilEarOgggJT
MIICTzCCAkswggGuoAMCAQICAQEwCgYIKoZIzj0EAwQwODELMAkGA1UEBhMCWFgx
FDASBgNVBAoMC0NlcnRzICdyIFVzMRMwEQYDVQQDDApJc3N1aW5nIENBMB4XDTI0
MDQwMjEyMzc0N1oXDTI1MDQwMjEyMzc0N1owPDELMAkGA1UEBhMCWFgxFDASBgNV
BAoMC0NlcnRzICdyIFVzMRcwFQYDVQQDDA5PQ1NQIFJlc3BvbmRlcjB2MBAGByqG
SM49AgEGBSuBBAAiA2IABFsJAbiFIyluuRnVD/oanLN0vE1AlYYoK/7KEbHZWtu1
RzSvVwv4K3IozyJrz0wl3bz+Oxo605Qw7/dj4daNLhUdkXILd5W1jaazRjlhOo+5
tajaSMZ0cRf5kZ6EJPN+yKOBhzCBhDAdBgNVHQ4EFgQUCuOg/p3UJXaYtety68oM
57899fEwHwYDVR0jBBgwFoAUjsIUCWB26pA46TmuG21SxBd9n74wDAYDVR0TAQH/
BAIwADAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwkwDwYJKwYB
BQUHMAEFBAIFADAKBggqhkjOPQQDBAOBigAwgYYCQRQqjNYKbGXHdGXfEVvB//i+
DiG02hraU9kGNKXeiQcPdZRajQsY/hdZPVyaykkAFVQGv29yWmTrEax+r4oZTtzG
AkFJCwtJpi7m00Qx9r/ugNWsnCFSiKUdxuvj7mg9lJtz0hexRJZKFODWJG5dUh//
Bc2w8vywgYYoduXu4QLcoP17CA==`,
  'base64',
);

const ca = parseCertificate(ISSUING_CA);
const serial = '01aaf00d' as SerialHex; // 27979789

test('RFC 9919 request: parsed, and rebuilt byte for byte from certIdFor', () => {
  const request = parseOcspRequest(REQUEST);
  const expected = certIdFor(ca, serial, 'sha256');
  assert.equal(request.requests.length, 1);
  assert.deepEqual(request.requests[0]?.certId, expected);
  assert.equal(expected.hashAlgorithmOid, OID.sha256);
  assert.equal(
    Buffer.from(expected.issuerNameHash).toString('hex'),
    '3a994677568073a707bfde50186345e4cd6134db085ebaa1d10425f03b6f08ea',
  );
  assert.equal(
    Buffer.from(expected.issuerKeyHash).toString('hex'),
    '474a6ca301f23dc9f7f7078704e1c7f5fc96e71675f6ed882e7ab65c3f584543',
  );
  assert.equal(certIdNamesIssuer(expected, ca), true);
  assert.equal(request.signed, false);
  assert.equal('nonce' in request, false);
  assert.deepEqual(buildOcspRequest([{ issuer: ca, serial }]), new Uint8Array(REQUEST));
});

test('RFC 9919 response: parsed, verified, and rebuilt byte for byte from its fields and signature', () => {
  const parsed = parseOcspResponse(RESPONSE);
  assert.equal(parsed.status, 'successful');
  const basic = parsed.basic;
  const responderDer = basic.certs[0];
  assert.ok(responderDer);
  const responder = parseCertificate(responderDer);
  assert.equal(responder.subjectText.includes('CN=OCSP Responder'), true);
  assert.deepEqual(basic.responderId, { byKey: ocspResponderKeyHash(responder.spkiDer) });
  assert.equal(
    Buffer.from(ocspResponderKeyHash(responder.spkiDer)).toString('hex'),
    '0ae3a0fe9dd4257698b5eb72ebca0ce7bf3df5f1',
  );
  assert.equal(basic.producedAt.toISOString(), '2024-04-02T12:37:47.000Z');
  assert.equal(basic.responses.length, 1);
  const single = basic.responses[0];
  assert.ok(single);
  assert.deepEqual(single.certId, certIdFor(ca, serial, 'sha256'));
  assert.deepEqual(single.certStatus, { status: 'good' });
  assert.equal(single.thisUpdate.toISOString(), '2024-04-03T12:37:47.000Z');
  assert.equal(single.nextUpdate?.toISOString(), '2024-04-10T12:37:47.000Z');
  assert.equal(verifyOcspResponseSignature(basic, publicKeyFromSpki(responder.spkiDer)), true);

  const tbs = encodeBasicResponseTbs({
    responderSpki: responder.spkiDer,
    producedAt: basic.producedAt,
    responses: [
      {
        certId: parseOcspRequest(REQUEST).requests[0]!.certId,
        certStatus: { status: 'good' },
        thisUpdate: single.thisUpdate,
        nextUpdate: single.nextUpdate,
      },
    ],
  });
  assert.deepEqual(tbs, basic.tbsDer);
  const rebuilt = assembleOcspResponse(tbs, signatureAlgorithm('ecdsa-with-SHA384'), basic.signature, [
    responderDer,
  ]);
  assert.deepEqual(rebuilt, new Uint8Array(RESPONSE));
});

test('RFC 9919 responder certificate: its id-pkix-ocsp-nocheck is the one ocspNoCheckExtension writes', () => {
  const extension = encodeDer(ocspNoCheckExtension());
  // SEQUENCE { OID id-pkix-ocsp-nocheck, OCTET STRING { NULL } }: non-critical, so no BOOLEAN.
  assert.equal(Buffer.from(extension).toString('hex'), '300f06092b060105050730010504020500');
  assert.ok(RESPONSE.includes(Buffer.from(extension)));
});
