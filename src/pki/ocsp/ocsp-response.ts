import { createHash } from 'node:crypto';
import type { CertStatus } from '@peculiar/asn1-ocsp';
import { BasicOCSPResponse, OCSPResponse, OCSPResponseStatus } from '@peculiar/asn1-ocsp';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { ObjectIdentifier } from 'asn1js';
import { PkiError } from '../../core/pki-error.js';
import { REVOCATION_REASON_CODES, type RevocationReason } from '../../core/revocation-reason.js';
import type { PublicKey } from '../algorithms/key-algorithm.js';
import { type SignatureAlgorithm, signatureAlgorithmOf } from '../algorithms/signature-algorithm.js';
import { decodeDer, decodeDerWithTree, encodeDer, rawChild } from '../der.js';
import { readTlv, spkiKeyBits } from '../der-reader.js';
import { derBitString, derGeneralizedTime, derHeaderLength, TAG, tlv } from '../der-writer.js';
import { formatName } from '../name.js';
import { OID } from '../oids.js';
import { childNodes, type ParsedCertId, rawCertIds, readCertId } from './cert-id.js';
import { MAX_NONCE_OCTETS, readNonce } from './ocsp-nonce.js';

/** RFC 6960 §4.2.1 OCSPResponseStatus values other than successful: the response is then this status alone. */
export type OcspErrorStatus =
  'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';
export type OcspResponseStatusName = 'successful' | OcspErrorStatus;

const STATUS_NAMES: readonly OcspResponseStatusName[] = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  'sigRequired',
  'unauthorized',
];

/** An OCSPResponse carrying only `status` (RFC 6960 §2.3): unsigned, with no responseBytes. */
export function encodeOcspError(status: OcspErrorStatus): Uint8Array {
  return encodeDer(new OCSPResponse({ responseStatus: OCSPResponseStatus[status] }));
}

/** RFC 6960 §2.2 certificate status; a revocation reason of `unspecified` is sent as no reason at all. */
export type OcspCertStatus =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reason: RevocationReason }
  | { readonly status: 'unknown' };

export interface SingleResponseFields {
  /** The CertID to answer for; its `raw` DER is echoed byte for byte (a ParsedCertId fits). */
  readonly certId: Pick<ParsedCertId, 'raw'>;
  readonly certStatus: OcspCertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date | undefined;
}

export interface BasicResponseFields {
  /** SubjectPublicKeyInfo DER of the key that signs the response, named by key hash in responderID. */
  readonly responderSpki: Uint8Array;
  readonly producedAt: Date;
  readonly responses: readonly SingleResponseFields[];
  /** The request's nonce, echoed in responseExtensions (RFC 9654 §2.1). */
  readonly nonce?: Uint8Array | undefined;
}

const keyHashes = new WeakMap<Uint8Array, Uint8Array>();

/** RFC 6960 §4.2.1 KeyHash: the SHA-1 of the responder's subjectPublicKey BIT STRING value. */
export function ocspResponderKeyHash(spkiDer: Uint8Array): Uint8Array {
  let keyHash = keyHashes.get(spkiDer);
  if (keyHash === undefined) {
    keyHash = new Uint8Array(createHash('sha1').update(spkiKeyBits(spkiDer)).digest());
    keyHashes.set(spkiDer, keyHash);
  }
  return keyHash;
}

/** GeneralizedTime in OCSP carries whole seconds only (RFC 9919 §2.2.4, RFC 5280 §4.1.2.5.2). */
function secondsOnly(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function oidDer(oid: string): Uint8Array {
  return new Uint8Array(new ObjectIdentifier({ value: oid }).toBER());
}

const RESPONSE_DER = {
  good: Uint8Array.of(0x80, 0x00), // [0] IMPLICIT NULL
  unknown: Uint8Array.of(0x82, 0x00), // [2] IMPLICIT UnknownInfo (NULL)
  nonceOid: oidDer(OID.ocspNonce),
  ocspBasicOid: oidDer(OID.ocspBasic),
} as const;

function certStatusDer(status: OcspCertStatus): Uint8Array {
  switch (status.status) {
    case 'good':
      return RESPONSE_DER.good;
    case 'unknown':
      return RESPONSE_DER.unknown;
    case 'revoked': {
      // [1] IMPLICIT RevokedInfo { revocationTime, [0] EXPLICIT CRLReason OPTIONAL }; unspecified is left out.
      const time = derGeneralizedTime(secondsOnly(status.revokedAt));
      if (status.reason === 'unspecified') return tlv(0xa1, time);
      const reason = tlv(0xa0, tlv(TAG.enumerated, Uint8Array.of(REVOCATION_REASON_CODES[status.reason])));
      return tlv(0xa1, time, reason);
    }
  }
}

function singleResponseDer(fields: SingleResponseFields): Uint8Array {
  // The CertIDs come from parseOcspRequest or certIdFor, both DER: anything else is the caller's bug.
  const raw = fields.certId.raw;
  const span = raw.length >= 2 ? readTlvOrUndefined(raw) : undefined;
  const minimalHeader = span && span.valueStart === derHeaderLength(span.end - span.valueStart);
  if (!span || !minimalHeader || span.tag !== TAG.sequence || span.end !== raw.length)
    throw new PkiError('INTERNAL', 'OCSP CertID to echo is not one DER SEQUENCE');
  return tlv(
    TAG.sequence,
    raw,
    certStatusDer(fields.certStatus),
    derGeneralizedTime(secondsOnly(fields.thisUpdate)),
    ...(fields.nextUpdate === undefined
      ? []
      : [tlv(0xa0, derGeneralizedTime(secondsOnly(fields.nextUpdate)))]),
  );
}

function readTlvOrUndefined(bytes: Uint8Array): ReturnType<typeof readTlv> | undefined {
  try {
    return readTlv(bytes, 0);
  } catch {
    return undefined;
  }
}

/**
 * Encodes ResponseData (RFC 6960 §4.2.1), the bytes the responder signs: version v1 (omitted as the DEFAULT),
 * responderID byKey, producedAt, one SingleResponse per CertID echoing it byte for byte, and the nonce, when
 * given, as the only response extension. Written directly, not through the schema encoder, which cost more
 * than the signature (bench/ocsp); ocsp-response.test.ts holds it byte for byte to the @peculiar/asn1-ocsp
 * encoding of the same value.
 */
export function encodeBasicResponseTbs(fields: BasicResponseFields): Uint8Array {
  if (fields.responses.length === 0)
    throw new PkiError('INTERNAL', 'an OCSP response needs a SingleResponse');
  const parts = [
    // ResponderID byKey: [2] EXPLICIT KeyHash (the module's tagging is EXPLICIT).
    tlv(0xa2, tlv(TAG.octetString, ocspResponderKeyHash(fields.responderSpki))),
    derGeneralizedTime(secondsOnly(fields.producedAt)),
    tlv(TAG.sequence, ...fields.responses.map(singleResponseDer)),
  ];
  if (fields.nonce !== undefined) {
    if (fields.nonce.length < 1 || fields.nonce.length > MAX_NONCE_OCTETS) {
      throw new PkiError('INTERNAL', 'OCSP nonce to echo is outside 1..128 octets');
    }
    // responseExtensions [1] EXPLICIT { Extension { id-pkix-ocsp-nonce, extnValue OCTET STRING { Nonce } } }
    const extnValue = tlv(TAG.octetString, tlv(TAG.octetString, fields.nonce));
    parts.push(tlv(0xa1, tlv(TAG.sequence, tlv(TAG.sequence, RESPONSE_DER.nonceOid, extnValue))));
  }
  return tlv(TAG.sequence, ...parts);
}

/**
 * OCSPResponse { successful, responseBytes { id-pkix-ocsp-basic, BasicOCSPResponse } } (RFC 6960 §4.2.1) around
 * ResponseData that is already encoded and signed, so it is never re-encoded. `certs` are DER certificates
 * sent as given: the delegated responder's, or none when the CA signs itself.
 */
export function assembleOcspResponse(
  tbsDer: Uint8Array,
  signatureAlgorithm: SignatureAlgorithm,
  signature: Uint8Array,
  certs: readonly Uint8Array[],
): Uint8Array {
  const basic = tlv(
    TAG.sequence,
    tbsDer,
    signatureAlgorithm.identifierDer,
    derBitString(signature),
    ...(certs.length > 0 ? [tlv(0xa0, tlv(TAG.sequence, ...certs))] : []),
  );
  // OCSPResponse { responseStatus successful, [0] EXPLICIT ResponseBytes { id-pkix-ocsp-basic, OCTET STRING } }
  const responseBytes = tlv(TAG.sequence, RESPONSE_DER.ocspBasicOid, tlv(TAG.octetString, basic));
  return tlv(TAG.sequence, tlv(TAG.enumerated, Uint8Array.of(0)), tlv(0xa0, responseBytes));
}

export interface ParsedSingleResponse {
  readonly certId: ParsedCertId;
  readonly certStatus: OcspCertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/** A BasicOCSPResponse, with the bytes its signature covers. */
export interface ParsedBasicOcspResponse {
  readonly responderId: { readonly byKey: Uint8Array } | { readonly byName: string };
  readonly producedAt: Date;
  readonly responses: readonly ParsedSingleResponse[];
  readonly nonce?: Uint8Array;
  /** DER of each certificate in `certs`, as sent. */
  readonly certs: readonly Uint8Array[];
  readonly tbsDer: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

export type ParsedOcspResponse =
  | { readonly status: OcspErrorStatus; readonly der: Uint8Array }
  | { readonly status: 'successful'; readonly der: Uint8Array; readonly basic: ParsedBasicOcspResponse };

const REASON_BY_CODE = new Map(
  Object.entries(REVOCATION_REASON_CODES).map(([name, code]) => [code as number, name as RevocationReason]),
);

function readCertStatus(status: CertStatus, what: string): OcspCertStatus {
  if (status.revoked !== undefined) {
    const code = status.revoked.revocationReason?.reason ?? 0;
    const reason = REASON_BY_CODE.get(code);
    if (reason === undefined)
      throw new PkiError('MALFORMED_INPUT', `${what}: unknown revocation reason ${code}`);
    return { status: 'revoked', revokedAt: status.revoked.revocationTime, reason };
  }
  if (status.good === null) return { status: 'good' };
  if (status.unknown === null) return { status: 'unknown' };
  throw new PkiError('MALFORMED_INPUT', `${what}: no certificate status`);
}

/** Reads an OCSPResponse (RFC 6960 §4.2.1), for tests and clients. Malformed input is MALFORMED_INPUT. */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  const what = 'OCSP response';
  const response = decodeDer(der, OCSPResponse, what);
  const status = STATUS_NAMES.find((name) => OCSPResponseStatus[name] === response.responseStatus);
  if (status === undefined) {
    throw new PkiError('MALFORMED_INPUT', `${what}: unknown status ${response.responseStatus}`);
  }
  if (status !== 'successful') return { status, der };
  if (response.responseBytes?.responseType !== OID.ocspBasic) {
    throw new PkiError('MALFORMED_INPUT', `${what}: successful without a BasicOCSPResponse`);
  }
  const basicDer = new Uint8Array(response.responseBytes.response.buffer);
  const { value: basic, tree } = decodeDerWithTree(basicDer, BasicOCSPResponse, what);
  const data = basic.tbsResponseData;
  const version: number = data.version;
  if (version !== 0) throw new PkiError('MALFORMED_INPUT', `${what}: version ${version} is not v1`);
  const tbsNode = childNodes(tree)[0];
  const raws = tbsNode ? rawCertIds(tbsNode, what) : [];
  if (raws.length !== data.responses.length)
    throw new PkiError('MALFORMED_INPUT', `${what}: bad response list`);
  const responses = data.responses.map((single, i): ParsedSingleResponse => {
    const parsed = {
      certId: readCertId(single.certID, raws[i] as Uint8Array, what),
      certStatus: readCertStatus(single.certStatus, what),
      thisUpdate: single.thisUpdate,
    };
    return single.nextUpdate === undefined ? parsed : { ...parsed, nextUpdate: single.nextUpdate };
  });
  const { byKey, byName } = data.responderID;
  const responderId =
    byKey !== undefined ? { byKey: new Uint8Array(byKey.buffer) } : { byName: formatName(byName ?? []) };
  const nonce = readNonce(data.responseExtensions, what);
  const parsed: ParsedBasicOcspResponse = {
    responderId,
    producedAt: data.producedAt,
    responses,
    certs: (basic.certs ?? []).map((_, i) => rawChild(tree, [3, 0, i], what)),
    tbsDer: rawChild(tree, [0], what),
    signatureAlgorithm: basic.signatureAlgorithm,
    signature: new Uint8Array(basic.signature),
  };
  return { status, der, basic: nonce === undefined ? parsed : { ...parsed, nonce } };
}

/** Whether `responderKey` verifies the response's signature. An unsupported algorithm is UNSUPPORTED_ALGORITHM. */
export function verifyOcspResponseSignature(
  basic: ParsedBasicOcspResponse,
  responderKey: PublicKey,
): boolean {
  const algorithm = signatureAlgorithmOf(basic.signatureAlgorithm);
  if (!algorithm.keyAlgorithms.includes(responderKey.algorithm)) return false;
  return algorithm.verify(responderKey, basic.tbsDer, basic.signature);
}
