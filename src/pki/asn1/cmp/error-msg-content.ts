import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { SafeIntegerConverter } from '../crmf/safe-integer-converter.js';
import { PKIFreeText } from './pki-free-text.js';
import { PKIStatusInfo } from './pki-status-info.js';

/**
 * RFC 9810 §5.3.21, the body of an error message. `errorCode` is implementation-specific (OpenSSL sends its
 * 32-bit error code).
 *
 * ```asn1
 * ErrorMsgContent ::= SEQUENCE {
 *   pKIStatusInfo  PKIStatusInfo,
 *   errorCode      INTEGER      OPTIONAL,
 *   errorDetails   PKIFreeText  OPTIONAL }
 * ```
 */
export class ErrorMsgContent {
  @AsnProp({ type: PKIStatusInfo })
  pKIStatusInfo = new PKIStatusInfo();

  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter, optional: true })
  errorCode?: number;

  @AsnProp({ type: PKIFreeText, optional: true })
  errorDetails?: PKIFreeText;

  constructor(params: Partial<ErrorMsgContent> = {}) {
    Object.assign(this, params);
  }
}
