import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';

/**
 * RFC 4043 §2, an otherName (id-on-permanentIdentifier, 1.3.6.1.5.5.7.8.3) naming a device for its lifetime.
 *
 * ```asn1
 * PermanentIdentifier ::= SEQUENCE {
 *   identifierValue    UTF8String             OPTIONAL,
 *   assigner           OBJECT IDENTIFIER      OPTIONAL }
 * ```
 */
export class PermanentIdentifier {
  @AsnProp({ type: AsnPropTypes.Utf8String, optional: true })
  identifierValue?: string;

  @AsnProp({ type: AsnPropTypes.ObjectIdentifier, optional: true })
  assigner?: string;

  constructor(params: Partial<PermanentIdentifier> = {}) {
    Object.assign(this, params);
  }
}
