import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { RevocationResult } from './certificate-lifecycle.js';
import { certificateKey } from './certificate-row.js';
import { appendAuditEventsInTransaction } from './postgres-audit-appender.js';
import type { AuditEvent, CertificateStatus } from './records.js';
import { REVOCABLE_STATUSES, revocationEvent } from './revocation-recorder.js';
import type { RevocationBatch, RevocationRecorder, RevocationRow } from './revocation-recorder.js';
import type { Database } from './schema.js';

/**
 * Revocations on PostgreSQL, in one transaction of a few round trips whatever the batch's size:
 * 1. lock the named certificates (SELECT … FOR UPDATE, in key order, as lockCertificates does, so concurrent
 *    batches wait for each other instead of deadlocking) and read their status; under READ COMMITTED a row
 *    another node revoked meanwhile is read as that node committed it;
 * 2. decide each row in order: unknown → not-found, revoked (before, or by an earlier row of this batch) →
 *    already-revoked, otherwise revoked;
 * 3. one UPDATE joined to unnest()ed arrays, still conditional on the status;
 * 4. the audit events of the revoked rows, through the advisory-locked appender (postgres-audit-appender.ts).
 */
export class PostgresRevocationRecorder implements RevocationRecorder {
  constructor(private readonly db: Kysely<Database>) {}

  async record(batch: RevocationBatch): Promise<readonly RevocationResult[]> {
    if (batch.rows.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const status = await lockStatuses(trx, batch.rows);
      const results: RevocationResult[] = [];
      const revoked: RevocationRow[] = [];
      const events: AuditEvent[] = [];
      batch.rows.forEach((row, i) => {
        const key = certificateKey({ issuerId: row.issuer_id, serial: row.serial });
        const current = status.get(key);
        if (current === undefined) {
          results.push('not-found');
        } else if (!isRevocable(current)) {
          results.push('already-revoked');
        } else {
          results.push('revoked');
          status.set(key, 'revoked');
          revoked.push(row);
          events.push(revocationEvent(batch, i));
        }
      });
      if (revoked.length === 0) return results;
      const updated = await sql`
        update certificates as c
        set status = 'revoked', revoked_at = ${batch.revokedAtMs}, revocation_reason = v.revocation_reason,
          invalidity_date = v.invalidity_date
        from unnest(
          ${revoked.map((r) => r.issuer_id)}::text[],
          ${revoked.map((r) => r.serial)}::text[],
          ${revoked.map((r) => r.revocation_reason)}::text[],
          ${revoked.map((r) => r.invalidity_date)}::bigint[]
        ) as v(issuer_id, serial, revocation_reason, invalidity_date)
        where c.issuer_id = v.issuer_id and c.serial = v.serial
          and c.status in (${sql.join(REVOCABLE_STATUSES.map((s) => sql.lit(s)))})`.execute(trx);
      // The rows are locked since step 1: each changes, or something else is wrong and nothing commits.
      if (updated.numAffectedRows !== BigInt(revoked.length)) {
        throw new Error(
          `revoked ${updated.numAffectedRows} certificates where ${revoked.length} were locked`,
        );
      }
      await appendAuditEventsInTransaction(trx, events);
      return results;
    });
  }
}

async function lockStatuses(
  trx: Kysely<Database>,
  rows: readonly RevocationRow[],
): Promise<Map<string, CertificateStatus>> {
  const keys = new Map(rows.map((r) => [certificateKey({ issuerId: r.issuer_id, serial: r.serial }), r]));
  const found = await sql<{ issuer_id: string; serial: string; status: CertificateStatus }>`
    select c.issuer_id, c.serial, c.status from certificates as c
    join unnest(
      ${[...keys.values()].map((r) => r.issuer_id)}::text[],
      ${[...keys.values()].map((r) => r.serial)}::text[]
    ) as v(issuer_id, serial) on c.issuer_id = v.issuer_id and c.serial = v.serial
    order by c.serial, c.issuer_id
    for update of c`.execute(trx);
  return new Map(
    found.rows.map((row) => [certificateKey({ issuerId: row.issuer_id, serial: row.serial }), row.status]),
  );
}

function isRevocable(status: CertificateStatus): boolean {
  return (REVOCABLE_STATUSES as readonly CertificateStatus[]).includes(status);
}
