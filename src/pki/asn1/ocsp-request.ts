import { CertID, Signature } from '@peculiar/asn1-ocsp';
import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { Extension, GeneralName } from '@peculiar/asn1-x509';

/*
 * RFC 6960 §4.1.1 OCSPRequest, restated because @peculiar/asn1-ocsp 2.6.1 declares
 * `Request.singleRequestExtensions` without its [0] tag: it then cannot read a request that carries the
 * field as the RFC writes it, and would write the field untagged. CertID and Signature are taken from the
 * package unchanged. The module uses EXPLICIT TAGS (RFC 6960 appendix B.1).
 */

/**
 * ```asn1
 * Request ::= SEQUENCE {
 *   reqCert                     CertID,
 *   singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 * ```
 */
export class Request {
  @AsnProp({ type: CertID })
  reqCert = new CertID();

  @AsnProp({ type: Extension, repeated: 'sequence', context: 0, optional: true })
  singleRequestExtensions?: Extension[];

  constructor(params: Partial<Request> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * TBSRequest ::= SEQUENCE {
 *   version             [0] EXPLICIT Version DEFAULT v1,
 *   requestorName       [1] EXPLICIT GeneralName OPTIONAL,
 *   requestList             SEQUENCE OF Request,
 *   requestExtensions   [2] EXPLICIT Extensions OPTIONAL }
 * ```
 */
export class TBSRequest {
  @AsnProp({ type: AsnPropTypes.Integer, context: 0, defaultValue: 0 })
  version = 0;

  @AsnProp({ type: GeneralName, context: 1, optional: true })
  requestorName?: GeneralName;

  @AsnProp({ type: Request, repeated: 'sequence' })
  requestList: Request[] = [];

  @AsnProp({ type: Extension, repeated: 'sequence', context: 2, optional: true })
  requestExtensions?: Extension[];

  constructor(params: Partial<TBSRequest> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * OCSPRequest ::= SEQUENCE {
 *   tbsRequest              TBSRequest,
 *   optionalSignature   [0] EXPLICIT Signature OPTIONAL }
 * ```
 */
export class OCSPRequest {
  @AsnProp({ type: TBSRequest })
  tbsRequest = new TBSRequest();

  @AsnProp({ type: Signature, context: 0, optional: true })
  optionalSignature?: Signature;

  constructor(params: Partial<OCSPRequest> = {}) {
    Object.assign(this, params);
  }
}
