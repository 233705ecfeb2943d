import { AsnProp, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { GeneralName, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { PKMACValue } from './pkmac-value.js';

/**
 * RFC 4211 §4.1, the unnamed `authInfo` CHOICE of POPOSigningKeyInput: who signed, when the template itself
 * names neither subject nor public key. GeneralName is a CHOICE, so `sender`'s tag is explicit.
 *
 * ```asn1
 * authInfo CHOICE {
 *   sender        [0] GeneralName,
 *   publicKeyMAC  PKMACValue }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class POPOSigningKeyInputAuthInfo {
  @AsnProp({ type: GeneralName, context: 0 })
  sender?: GeneralName;

  @AsnProp({ type: PKMACValue })
  publicKeyMAC?: PKMACValue;

  constructor(params: Partial<POPOSigningKeyInputAuthInfo> = {}) {
    Object.assign(this, params);
  }
}

/**
 * RFC 4211 §4.1, what is signed for POP instead of the CertRequest when the template lacks subject or key.
 *
 * ```asn1
 * POPOSigningKeyInput ::= SEQUENCE {
 *   authInfo  CHOICE {
 *     sender        [0] GeneralName,
 *     publicKeyMAC  PKMACValue },
 *   publicKey  SubjectPublicKeyInfo }
 * ```
 */
export class POPOSigningKeyInput {
  @AsnProp({ type: POPOSigningKeyInputAuthInfo })
  authInfo = new POPOSigningKeyInputAuthInfo();

  @AsnProp({ type: SubjectPublicKeyInfo })
  publicKey = new SubjectPublicKeyInfo();

  constructor(params: Partial<POPOSigningKeyInput> = {}) {
    Object.assign(this, params);
  }
}
