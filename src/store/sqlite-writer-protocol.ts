import { isPkiError, PKI_ERROR_CODES, PkiError, type PkiErrorCode } from '../core/pki-error.js';
import type { EnrollmentOutcome } from './enrollment-recorder.js';
import type { RevocationResult } from './certificate-lifecycle.js';
import type { LedgerBatch } from './ledger-batch.js';
import type { RevocationBatch } from './revocation-recorder.js';

/** What the main thread asks the SQLite writer thread to commit. Dates, strings and bytes clone as they are. */
export type WriterRequest =
  | { readonly id: number; readonly op: 'ledger'; readonly batch: LedgerBatch }
  | { readonly id: number; readonly op: 'outcomes'; readonly outcomes: readonly EnrollmentOutcome[] }
  | { readonly id: number; readonly op: 'revoke'; readonly batch: RevocationBatch };

export type WriterReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly conflicts?: readonly string[];
      readonly revocations?: readonly RevocationResult[];
    }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

export interface SerializedError {
  readonly code: PkiErrorCode;
  readonly message: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** A PkiError crosses the thread boundary with its code, message and details; anything else as INTERNAL. */
export function serializeError(error: unknown): SerializedError {
  if (isPkiError(error)) return { code: error.code, message: error.message, details: error.details };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), details: {} };
}

export function deserializeError(error: SerializedError): PkiError {
  const code = PKI_ERROR_CODES.includes(error.code) ? error.code : 'INTERNAL';
  return new PkiError(code, error.message, { details: error.details });
}
