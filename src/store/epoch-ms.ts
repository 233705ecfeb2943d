import { PkiError } from '../core/pki-error.js';

/** A Date as the integer epoch milliseconds the tables hold; an invalid Date is refused, not stored as NaN. */
export function toEpochMs(date: Date, what: string): number {
  const ms = date.getTime();
  if (!Number.isSafeInteger(ms)) throw new PkiError('MALFORMED_INPUT', `${what} is not a valid time`);
  return ms;
}

export function toEpochMsOrNull(date: Date | null, what: string): number | null {
  return date === null ? null : toEpochMs(date, what);
}

export function fromEpochMsOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/**
 * Bytes as a plain Uint8Array. Both drivers hand back Buffers, and pg's may be a view into a shared pool slab;
 * a copy keeps records free of driver types and of unrelated memory.
 */
export function toPlainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export function toPlainBytesOrNull(bytes: Uint8Array | null): Uint8Array | null {
  return bytes === null ? null : toPlainBytes(bytes);
}
