import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';

/**
 * certfleet's renewal policy, sent as a private CsrAttrs attribute (OID.certfleetRenewalPolicy) so that an agent
 * learns when to renew from the server rather than guessing: renew once `renewAfterSeconds` of the certificate's
 * lifetime have passed. Clients that do not know the attribute ignore it (RFC 9908 §3).
 *
 * ```asn1
 * RenewalPolicy ::= SEQUENCE {
 *   lifetimeSeconds    INTEGER (1..MAX),  -- the profile's default lifetime
 *   renewAfterSeconds  INTEGER (0..MAX) } -- when the renewal window opens, from notBefore
 * ```
 */
export class RenewalPolicy {
  @AsnProp({ type: AsnPropTypes.Integer })
  lifetimeSeconds = 0;

  @AsnProp({ type: AsnPropTypes.Integer })
  renewAfterSeconds = 0;

  constructor(params: Partial<RenewalPolicy> = {}) {
    Object.assign(this, params);
  }
}
