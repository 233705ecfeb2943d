import type { Kysely } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { Database } from './schema.js';

/**
 * CertificateLifecycle.markSuperseded as statements, shared by the lifecycle role and the enrollment recorders
 * (SQLite's prepares them). A conditional UPDATE claims the certificate only while nobody has; if it changes
 * no row, a read of the certificate says why. That read cannot be overtaken: superseded_by is never cleared.
 */
export interface SupersessionRow {
  issuer_id: string;
  serial: string;
  superseded_by: string;
}

export const SUPERSESSION_PARAMS = Object.keys({
  issuer_id: true,
  serial: true,
  superseded_by: true,
} satisfies Record<keyof SupersessionRow, true>) as (keyof SupersessionRow)[];

export function toSupersessionRow(superseded: {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly by: SerialHex;
}): SupersessionRow {
  return { issuer_id: superseded.issuerId, serial: superseded.serial, superseded_by: superseded.by };
}

/** Changes one row if the certificate exists and was not superseded yet. */
export function markSupersededQuery(db: Kysely<Database>, p: SupersessionRow) {
  return db
    .updateTable('certificates')
    .set({ superseded_by: p.superseded_by })
    .where('issuer_id', '=', p.issuer_id)
    .where('serial', '=', p.serial)
    .where('superseded_by', 'is', null);
}

export function supersededByQuery(db: Kysely<Database>, p: Pick<SupersessionRow, 'issuer_id' | 'serial'>) {
  return db
    .selectFrom('certificates')
    .select('superseded_by')
    .where('issuer_id', '=', p.issuer_id)
    .where('serial', '=', p.serial);
}

/**
 * Checks what the certificate's superseded_by is once the UPDATE has run (found: undefined if there is no such
 * certificate): returns if it names this successor (set now, or already: a repeated call is a no-op), otherwise
 * throws NOT_FOUND or CONFLICT.
 */
export function checkSupersession(
  p: SupersessionRow,
  found: { readonly superseded_by: string | null } | undefined,
): void {
  const what = `certificate ${p.serial} of issuer '${p.issuer_id}'`;
  const details = { issuerId: p.issuer_id, serial: p.serial };
  if (found === undefined) throw new PkiError('NOT_FOUND', `${what} is not recorded`, { details });
  if (found.superseded_by !== p.superseded_by) {
    throw new PkiError('CONFLICT', `${what} was superseded by another certificate`, { details });
  }
}
