import assert from 'node:assert/strict';
import type { SerialHex } from '../../src/core/ids.js';
import { publicKeyFromSpki } from '../../src/pki/algorithms/key-algorithm.js';
import {
  type ParsedCertificate,
  parseCertificate,
  verifyCertificateSignature,
} from '../../src/pki/certificate.js';
import { bytesEqual } from '../../src/pki/der.js';
import { OID } from '../../src/pki/oids.js';
import { buildOcspRequest } from '../../src/pki/ocsp/ocsp-request.js';
import {
  ocspResponderKeyHash,
  type OcspCertStatus,
  type ParsedBasicOcspResponse,
  type ParsedOcspResponse,
  parseOcspResponse,
  verifyOcspResponseSignature,
} from '../../src/pki/ocsp/ocsp-response.js';

/** One plain-HTTP exchange with the public listener, the body read whole. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export async function httpRequest(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return {
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

/** POST of a DER OCSPRequest (RFC 6960 A.1), as application/ocsp-request unless told otherwise. */
export function postOcsp(
  url: string,
  der: Uint8Array,
  contentType = 'application/ocsp-request',
): Promise<HttpAnswer> {
  return httpRequest(url, { method: 'POST', headers: { 'Content-Type': contentType }, body: der });
}

/** The path segment of an RFC 6960 A.1 GET: the base64 of the DER request, percent-encoded. */
export function getPath(der: Uint8Array): string {
  return encodeURIComponent(Buffer.from(der).toString('base64'));
}

/** An answer the responder gave as an OCSP response: HTTP 200, application/ocsp-response, a parsable body. */
export function ocspAnswer(answer: HttpAnswer, what = 'OCSP'): ParsedOcspResponse {
  assert.equal(answer.status, 200, `${what}: HTTP ${answer.status} ${Buffer.from(answer.body).toString()}`);
  assert.equal(answer.headers.get('content-type'), 'application/ocsp-response', what);
  return parseOcspResponse(answer.body);
}

/**
 * Checks a successful answer the way a relying party does: the delegated responder certificate is signed by
 * `issuer`, is for OCSPSigning with id-pkix-ocsp-nocheck, is the responderID (by key), and signs the response.
 */
export function verifiedBasic(
  parsed: ParsedOcspResponse,
  issuer: ParsedCertificate,
): ParsedBasicOcspResponse {
  assert.equal(parsed.status, 'successful');
  if (parsed.status !== 'successful') throw new Error('unreachable');
  const { basic } = parsed;
  assert.equal(basic.certs.length, 1, 'the delegated responder certificate is included');
  const responder = parseCertificate(basic.certs[0]!);
  assert.ok(
    verifyCertificateSignature(responder, publicKeyFromSpki(issuer.spkiDer)),
    'responder issued by the CA',
  );
  assert.ok(responder.extensions.extKeyUsage?.purposes.includes(OID.ocspSigning), 'OCSPSigning');
  assert.ok(
    responder.extensions.present.some((e) => e.oid === OID.ocspNoCheck),
    'id-pkix-ocsp-nocheck',
  );
  assert.ok(
    'byKey' in basic.responderId &&
      bytesEqual(basic.responderId.byKey, ocspResponderKeyHash(responder.spkiDer)),
    'responderID byKey names the responder key',
  );
  assert.ok(verifyOcspResponseSignature(basic, publicKeyFromSpki(responder.spkiDer)), 'signature verifies');
  return basic;
}

/** What the responder at `publicUrl` says of one certificate, the answer checked against `issuer`. */
export async function ocspStatus(
  publicUrl: string,
  issuer: ParsedCertificate,
  serial: SerialHex,
): Promise<OcspCertStatus> {
  const request = buildOcspRequest([{ issuer, serial }]);
  const basic = verifiedBasic(ocspAnswer(await postOcsp(`${publicUrl}/ocsp`, request)), issuer);
  assert.equal(basic.responses.length, 1);
  assert.equal(basic.responses[0]!.certId.serial, serial);
  return basic.responses[0]!.certStatus;
}
