import { AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Extensions, Name, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { OptionalValidity } from './optional-validity.js';
import { SafeIntegerConverter } from './safe-integer-converter.js';

/**
 * RFC 4211 §5, the certificate a requester would like: every field optional, the CA fills in the rest. The
 * module is IMPLICIT TAGS, except `issuer` and `subject`: Name is a CHOICE, so their tags are explicit.
 * `serialNumber` keeps its INTEGER bytes (serials are up to 20 octets).
 *
 * ```asn1
 * CertTemplate ::= SEQUENCE {
 *   version      [0] Version               OPTIONAL,
 *   serialNumber [1] INTEGER               OPTIONAL,
 *   signingAlg   [2] AlgorithmIdentifier   OPTIONAL,
 *   issuer       [3] Name                  OPTIONAL,
 *   validity     [4] OptionalValidity      OPTIONAL,
 *   subject      [5] Name                  OPTIONAL,
 *   publicKey    [6] SubjectPublicKeyInfo  OPTIONAL,
 *   issuerUID    [7] UniqueIdentifier      OPTIONAL,
 *   subjectUID   [8] UniqueIdentifier      OPTIONAL,
 *   extensions   [9] Extensions            OPTIONAL }
 * ```
 */
export class CertTemplate {
  @AsnProp({
    type: AsnPropTypes.Integer,
    converter: SafeIntegerConverter,
    context: 0,
    implicit: true,
    optional: true,
  })
  version?: number;

  @AsnProp({
    type: AsnPropTypes.Integer,
    converter: AsnIntegerArrayBufferConverter,
    context: 1,
    implicit: true,
    optional: true,
  })
  serialNumber?: ArrayBuffer;

  @AsnProp({ type: AlgorithmIdentifier, context: 2, implicit: true, optional: true })
  signingAlg?: AlgorithmIdentifier;

  @AsnProp({ type: Name, context: 3, optional: true })
  issuer?: Name;

  @AsnProp({ type: OptionalValidity, context: 4, implicit: true, optional: true })
  validity?: OptionalValidity;

  @AsnProp({ type: Name, context: 5, optional: true })
  subject?: Name;

  @AsnProp({ type: SubjectPublicKeyInfo, context: 6, implicit: true, optional: true })
  publicKey?: SubjectPublicKeyInfo;

  @AsnProp({ type: AsnPropTypes.BitString, context: 7, implicit: true, optional: true })
  issuerUID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.BitString, context: 8, implicit: true, optional: true })
  subjectUID?: ArrayBuffer;

  @AsnProp({ type: Extensions, context: 9, implicit: true, optional: true })
  extensions?: Extensions;

  constructor(params: Partial<CertTemplate> = {}) {
    Object.assign(this, params);
  }
}
