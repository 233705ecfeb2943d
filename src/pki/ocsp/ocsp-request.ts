import { CertID } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { SerialHex } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { OCSPRequest, Request, TBSRequest } from '../asn1/ocsp-request.js';
import type { ParsedCertificate } from '../certificate.js';
import { decodeDerWithTree, encodeDer } from '../der.js';
import {
  type CertIdHash,
  certIdFor,
  childNodes,
  type ParsedCertId,
  rawCertIds,
  readCertId,
} from './cert-id.js';
import { nonceExtension, readNonce } from './ocsp-nonce.js';
import { readCanonicalOcspRequest } from './ocsp-request-fast.js';
import type { ParsedOcspRequest } from './parsed-ocsp-request.js';

export type { ParsedOcspRequest } from './parsed-ocsp-request.js';

/**
 * Reads an OCSPRequest (RFC 6960 §4.1.1). Anything that is not one well-formed request naming at least one
 * certificate is MALFORMED_INPUT; a CertID hashed with anything but SHA-1 or SHA-256 is UNSUPPORTED_ALGORITHM
 * (rule `ocsp.hash-algorithm`). requestorName, singleRequestExtensions and extensions other than the nonce are
 * ignored (RFC 9919 §2.1.2 has unsigned requests with a requestorName handled as if it were absent), and so
 * is a signature: it is reported as `signed` and not verified. The common shape is read by hand
 * (ocsp-request-fast.ts); everything else, errors included, by the schema decoder.
 */
export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest {
  return readCanonicalOcspRequest(der) ?? parseOcspRequestWithSchema(der);
}

/** {@link parseOcspRequest} through the schema decoder alone: every shape, every error. */
export function parseOcspRequestWithSchema(der: Uint8Array): ParsedOcspRequest {
  const what = 'OCSP request';
  const { value: request, tree } = decodeDerWithTree(der, OCSPRequest, what);
  const tbs = request.tbsRequest;
  if (tbs.version !== 0) {
    throw new PkiError('MALFORMED_INPUT', `${what}: version ${tbs.version} is not v1`);
  }
  if (tbs.requestList.length === 0) {
    throw new PkiError('MALFORMED_INPUT', `${what}: no certificate is named`, {
      details: { rule: 'ocsp.no-requests' },
    });
  }
  const tbsNode = childNodes(tree)[0];
  const raws = tbsNode ? rawCertIds(tbsNode, what) : [];
  if (raws.length !== tbs.requestList.length)
    throw new PkiError('MALFORMED_INPUT', `${what}: bad request list`);
  const requests = tbs.requestList.map((single, i) => ({
    certId: readCertId(single.reqCert, raws[i] as Uint8Array, what),
  }));
  const nonce = readNonce(tbs.requestExtensions, what);
  const signed = request.optionalSignature !== undefined;
  return nonce === undefined ? { requests, signed, der } : { requests, nonce, signed, der };
}

/** A certificate to ask about, named by its issuer and serial; the CertID is computed with `hash`. */
export interface OcspRequestTarget {
  readonly issuer: ParsedCertificate;
  readonly serial: SerialHex;
}

export interface BuildOcspRequestOptions {
  /** Sent as given: the length is not checked, so tests can build requests a responder must refuse. */
  readonly nonce?: Uint8Array | undefined;
  /** For targets given by issuer and serial; SHA-256 unless told otherwise (RFC 9919 §2.1.1). */
  readonly hash?: CertIdHash;
}

/**
 * An unsigned OCSPRequest for tests and clients. Ready-made CertIDs are sent byte for byte; targets get a
 * CertID from {@link certIdFor}.
 */
export function buildOcspRequest(
  certIds: ReadonlyArray<ParsedCertId | OcspRequestTarget>,
  options: BuildOcspRequestOptions = {},
): Uint8Array {
  const hash = options.hash ?? 'sha256';
  const tbs = new TBSRequest({
    requestList: certIds.map((item) => {
      const raw = 'raw' in item ? item.raw : certIdFor(item.issuer, item.serial, hash).raw;
      return new Request({ reqCert: AsnConvert.parse(raw, CertID) });
    }),
  });
  if (options.nonce !== undefined) tbs.requestExtensions = [nonceExtension(options.nonce)];
  return encodeDer(new OCSPRequest({ tbsRequest: tbs }));
}
