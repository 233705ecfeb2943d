import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { RevocationResult } from './certificate-lifecycle.js';
import type { AuditEvent } from './records.js';
import { REVOCABLE_STATUSES, revocationEvent } from './revocation-recorder.js';
import type { RevocationBatch, RevocationRecorder, RevocationRow } from './revocation-recorder.js';
import type { Database } from './schema.js';
import type { SqliteAuditChain } from './sqlite-audit-chain.js';
import { runExclusive } from './sqlite-exclusive.js';
import { SqliteStatement } from './sqlite-statement.js';
import { mapStoreError } from './store-errors.js';

interface RevokeParams extends RevocationRow {
  readonly revoked_at: number;
}

/**
 * Revocations on SQLite: one synchronous better-sqlite3 transaction (BEGIN IMMEDIATE … COMMIT) per call, like
 * the ledger's, with the audit events appended by the SqliteAuditChain inside it. Each row is a conditional
 * UPDATE (only a prepared or issued certificate changes), so rows apply in order: a certificate named twice
 * is revoked by the first and found revoked by the second. If the UPDATE changes nothing, a read says whether
 * the certificate exists. The write lock, taken at BEGIN, makes that read and the UPDATE one step against
 * other connections, and serializes the chain's appenders.
 *
 * A file database runs it on the SQLite writer thread (sqlite-writer-worker.ts), queued behind the ledger's
 * commits instead of contending for the write lock with them; an in-memory one on the event loop.
 */
export class SqliteRevocationRecorder implements RevocationRecorder {
  private readonly writeAll: BetterSqlite3.Transaction<(batch: RevocationBatch) => RevocationResult[]>;

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly db: Kysely<Database>,
    auditChain: SqliteAuditChain,
  ) {
    const revoke = new SqliteStatement<RevokeParams>(
      sqlite,
      ['issuer_id', 'serial', 'revoked_at', 'revocation_reason', 'invalidity_date'],
      (p) =>
        db
          .updateTable('certificates')
          .set({
            status: sql.lit('revoked'),
            revoked_at: p.revoked_at,
            revocation_reason: p.revocation_reason,
            invalidity_date: p.invalidity_date,
          })
          .where('issuer_id', '=', p.issuer_id)
          .where('serial', '=', p.serial)
          .where('status', 'in', REVOCABLE_STATUSES),
    );
    const exists = new SqliteStatement<Pick<RevocationRow, 'issuer_id' | 'serial'>>(
      sqlite,
      ['issuer_id', 'serial'],
      (p) =>
        db
          .selectFrom('certificates')
          .select(sql.lit(1).as('found'))
          .where('issuer_id', '=', p.issuer_id)
          .where('serial', '=', p.serial),
    );

    // Throwing anywhere rolls everything back, the audit events included.
    this.writeAll = sqlite.transaction((batch: RevocationBatch) => {
      const results: RevocationResult[] = [];
      const events: AuditEvent[] = [];
      batch.rows.forEach((row, i) => {
        if (revoke.run({ ...row, revoked_at: batch.revokedAtMs }).changes === 1) {
          results.push('revoked');
          events.push(revocationEvent(batch, i));
        } else {
          results.push(exists.get(row) === undefined ? 'not-found' : 'already-revoked');
        }
      });
      if (events.length > 0) auditChain.appendInTransaction(events);
      return results;
    });
  }

  async record(batch: RevocationBatch): Promise<readonly RevocationResult[]> {
    if (batch.rows.length === 0) return [];
    try {
      return await runExclusive(this.db, () => this.writeAll.immediate(batch));
    } catch (error) {
      throw mapStoreError(error);
    }
  }
}
