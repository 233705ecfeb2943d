import { PkiError } from '../core/pki-error.js';
import type { SignedCertificate } from './records.js';
import { isForeignKeyViolation, mapStoreError } from './store-errors.js';

/** recordSigned's refusal: the serial was never prepared, or its DER is already recorded. */
export function notAwaitingSignature(entry: SignedCertificate): PkiError {
  return new PkiError(
    'CONFLICT',
    `certificate ${entry.serial} of issuer '${entry.issuerId}' is not prepared or is already signed`,
    { details: { issuerId: entry.issuerId, serial: entry.serial } },
  );
}

/** The error a ledger write throws for a driver error: an unknown issuer is NOT_FOUND. */
export function mapLedgerError(error: unknown): unknown {
  if (isForeignKeyViolation(error)) {
    return new PkiError('NOT_FOUND', 'a certificate names an issuer that is not registered', {
      cause: error,
    });
  }
  return mapStoreError(error);
}
