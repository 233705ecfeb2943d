import type { SerialHex } from '../core/ids.js';
import { certificateKey } from './certificate-row.js';
import type { PreparedCertificate } from './records.js';

/**
 * The serials of `entries` that were not recorded, in input order, given the keys the database recorded. An
 * entry repeating an earlier (issuer, serial) of the same call conflicts with it, as a second INSERT would.
 */
export function conflictedSerials(
  entries: readonly PreparedCertificate[],
  recordedKeys: ReadonlySet<string>,
): SerialHex[] {
  const claimed = new Set<string>();
  const conflicted: SerialHex[] = [];
  for (const entry of entries) {
    const key = certificateKey(entry);
    if (recordedKeys.has(key) && !claimed.has(key)) claimed.add(key);
    else conflicted.push(entry.serial);
  }
  return conflicted;
}
