import { AsnProp } from '@peculiar/asn1-schema';
import { Time } from '@peculiar/asn1-x509';

/**
 * RFC 4211 §5, the validity a requester asks for; at least one of the two must be present. Time is a CHOICE,
 * so its tags are explicit although the module's default is IMPLICIT.
 *
 * ```asn1
 * OptionalValidity ::= SEQUENCE {
 *   notBefore  [0] Time OPTIONAL,
 *   notAfter   [1] Time OPTIONAL } -- at least one MUST be present
 * ```
 */
export class OptionalValidity {
  @AsnProp({ type: Time, context: 0, optional: true })
  notBefore?: Time;

  @AsnProp({ type: Time, context: 1, optional: true })
  notAfter?: Time;

  constructor(params: Partial<OptionalValidity> = {}) {
    Object.assign(this, params);
  }
}
