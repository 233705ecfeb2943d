import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { certificateKey } from './certificate-row.js';
import { checkSupersession } from './certificate-supersession.js';
import type { SupersessionRow } from './certificate-supersession.js';
import type { Database } from './schema.js';

/**
 * Marks many certificates superseded in one UPDATE joined to unnest()ed arrays, then checks each entry, in
 * order, as CertificateLifecycle.markSuperseded would (NOT_FOUND, CONFLICT, or a no-op for the same successor).
 * An entry repeating a certificate of the batch is checked against the successor the UPDATE kept, so with
 * another successor it is CONFLICT, as it would be one after the other.
 */
export async function supersedeAll(trx: Kysely<Database>, rows: readonly SupersessionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const issuers = rows.map((r) => r.issuer_id);
  const serials = rows.map((r) => r.serial);
  const successors = rows.map((r) => r.superseded_by);
  const updated = await sql<SupersessionRow>`
    update certificates as c set superseded_by = v.superseded_by
    from unnest(${issuers}::text[], ${serials}::text[], ${successors}::text[])
      as v(issuer_id, serial, superseded_by)
    where c.issuer_id = v.issuer_id and c.serial = v.serial and c.superseded_by is null
    returning c.issuer_id, c.serial, c.superseded_by`.execute(trx);
  const stored = new Map<string, string | null>();
  for (const row of updated.rows) stored.set(key(row), row.superseded_by);

  const unchanged = rows.filter((r) => !stored.has(key(r)));
  if (unchanged.length > 0) {
    const found = await sql<{ issuer_id: string; serial: string; superseded_by: string | null }>`
      select c.issuer_id, c.serial, c.superseded_by
      from certificates as c
      join unnest(${unchanged.map((r) => r.issuer_id)}::text[], ${unchanged.map((r) => r.serial)}::text[])
        as v(issuer_id, serial) on c.issuer_id = v.issuer_id and c.serial = v.serial`.execute(trx);
    for (const row of found.rows) stored.set(key(row), row.superseded_by);
  }
  for (const row of rows) {
    const k = key(row);
    checkSupersession(row, stored.has(k) ? { superseded_by: stored.get(k) ?? null } : undefined);
  }
}

/** Locks the certificates in key order before changing any; see lockDevices. */
export async function lockCertificates(
  trx: Kysely<Database>,
  rows: readonly SupersessionRow[],
): Promise<void> {
  if (new Set(rows.map(key)).size < 2) return;
  await sql`
    select 1 from certificates as c
    join unnest(${rows.map((r) => r.issuer_id)}::text[], ${rows.map((r) => r.serial)}::text[])
      as v(issuer_id, serial) on c.issuer_id = v.issuer_id and c.serial = v.serial
    order by c.serial, c.issuer_id
    for update of c`.execute(trx);
}

function key(row: { readonly issuer_id: string; readonly serial: string }): string {
  return certificateKey({ issuerId: row.issuer_id, serial: row.serial });
}
