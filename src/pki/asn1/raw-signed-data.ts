import { EncapsulatedContentInfo } from '@peculiar/asn1-cms';
import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { DerValueSet } from './der-value-set.js';

/**
 * RFC 5652 §5.1 SignedData for reading, with its four SETs kept as raw DER elements. @peculiar/asn1-cms's own
 * `SignedData` parses every certificate and cannot read a CRL (its RevocationInfoChoice has only the `other`
 * alternative), so a certs-only reader that must return each certificate byte for byte uses this instead.
 *
 * ```asn1
 * SignedData ::= SEQUENCE {
 *   version CMSVersion,
 *   digestAlgorithms DigestAlgorithmIdentifiers,
 *   encapContentInfo EncapsulatedContentInfo,
 *   certificates [0] IMPLICIT CertificateSet OPTIONAL,
 *   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
 *   signerInfos SignerInfos }
 * ```
 */
export class RawSignedData {
  @AsnProp({ type: AsnPropTypes.Integer })
  version = 0;

  @AsnProp({ type: DerValueSet })
  digestAlgorithms = new DerValueSet();

  @AsnProp({ type: EncapsulatedContentInfo })
  encapContentInfo = new EncapsulatedContentInfo();

  @AsnProp({ type: DerValueSet, context: 0, implicit: true, optional: true })
  certificates?: DerValueSet;

  @AsnProp({ type: DerValueSet, context: 1, implicit: true, optional: true })
  crls?: DerValueSet;

  @AsnProp({ type: DerValueSet })
  signerInfos = new DerValueSet();

  constructor(params: Partial<RawSignedData> = {}) {
    Object.assign(this, params);
  }
}
