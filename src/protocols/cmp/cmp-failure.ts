import type { PkiErrorCode } from '../../core/pki-error.js';
import type { PKIFailureInfoName } from '../../pki/asn1/cmp/pki-failure-info.js';

/**
 * A refusal that only CMP has words for (a stale messageTime, a reused transactionID, a wrong recipNonce), raised
 * inside the CMP front end with its PKIFailureInfo bit (RFC 9810 §5.2.3). Everything the RA decides arrives as a
 * PkiError and is mapped by {@link CMP_FAILURE_INFO}.
 */
export class CmpFailure extends Error {
  override readonly name = 'CmpFailure';

  /**
   * `code` is how the enrollment log records the refusal (the error code nearest in meaning); `message` must be
   * safe to show the requester.
   */
  constructor(
    readonly failInfo: PKIFailureInfoName,
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isCmpFailure(value: unknown): value is CmpFailure {
  return value instanceof CmpFailure;
}
