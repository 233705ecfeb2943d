import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { SerialHex } from '../core/ids.js';
import { BatchRecordingLedger, type LedgerBatch } from './ledger-batch.js';
import { PREPARED_ROW_COLUMNS, certificateKey, toPreparedRow } from './certificate-row.js';
import type { PreparedRow } from './certificate-row.js';
import { toEpochMs } from './epoch-ms.js';
import { mapLedgerError, notAwaitingSignature } from './ledger-errors.js';
import { conflictedSerials } from './prepared-conflicts.js';
import type { AuditEvent, SignedCertificate } from './records.js';
import type { Database } from './schema.js';
import type { SqliteAuditChain } from './sqlite-audit-chain.js';
import { runExclusive } from './sqlite-exclusive.js';
import { SqliteStatement } from './sqlite-statement.js';

interface SignedParams {
  der: Uint8Array;
  fingerprint_sha256: string;
  issued_at: number;
  issuer_id: string;
  serial: string;
}

/**
 * The issuance hot path on SQLite. Each call is one synchronous better-sqlite3 transaction (BEGIN IMMEDIATE …
 * COMMIT, fsynced by `synchronous=FULL`) on the connection Kysely uses, over statements compiled and prepared
 * once here: Kysely compiles and prepares every query anew, which for these one-row statements costs more
 * than the row write (see SqliteStatement). Synchronous, too, so the write lock is never held across an
 * await (see sqlite-exclusive.ts).
 */
export class SqliteCertificateLedger extends BatchRecordingLedger {
  private readonly writeAll: BetterSqlite3.Transaction<
    (
      rows: readonly PreparedRow[],
      signed: readonly SignedCertificate[],
      signedAtMs: number,
      events: readonly AuditEvent[],
    ) => Set<string>
  >;

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly db: Kysely<Database>,
    auditChain: SqliteAuditChain,
  ) {
    super();
    const insertPrepared = new SqliteStatement<PreparedRow>(sqlite, PREPARED_ROW_COLUMNS, (row) =>
      db
        .insertInto('certificates')
        .values(row)
        .onConflict((oc) => oc.columns(['issuer_id', 'serial']).doNothing()),
    );
    const markSigned = new SqliteStatement<SignedParams>(
      sqlite,
      ['der', 'fingerprint_sha256', 'issued_at', 'issuer_id', 'serial'],
      (p) =>
        db
          .updateTable('certificates')
          .set({
            status: 'issued',
            der: p.der,
            fingerprint_sha256: p.fingerprint_sha256,
            issued_at: p.issued_at,
          })
          .where('issuer_id', '=', p.issuer_id)
          .where('serial', '=', p.serial)
          .where('status', '=', 'prepared'),
    );

    // Prepared rows first, then signatures and their audit events; throwing anywhere rolls everything back.
    this.writeAll = sqlite.transaction(
      (
        rows: readonly PreparedRow[],
        signed: readonly SignedCertificate[],
        signedAtMs: number,
        events: readonly AuditEvent[],
      ) => {
        const recorded = new Set<string>();
        for (const row of rows) {
          if (insertPrepared.run(row).changes === 1) {
            recorded.add(certificateKey({ issuerId: row.issuer_id, serial: row.serial }));
          }
        }
        for (const entry of signed) {
          const { changes } = markSigned.run({
            der: entry.der,
            fingerprint_sha256: entry.fingerprintSha256,
            issued_at: signedAtMs,
            issuer_id: entry.issuerId,
            serial: entry.serial,
          });
          if (changes !== 1) throw notAwaitingSignature(entry);
        }
        if (events.length > 0) auditChain.appendInTransaction(events);
        return recorded;
      },
    );
  }

  override async recordBatch(batch: LedgerBatch): Promise<readonly SerialHex[]> {
    if (batch.prepared.length === 0 && batch.signed.length === 0) return [];
    const preparedAtMs = toEpochMs(batch.preparedAt, 'at');
    const rows = batch.prepared.map((entry) => toPreparedRow(entry, preparedAtMs));
    const signedAtMs = toEpochMs(batch.signedAt, 'at');
    try {
      const recorded = await runExclusive(this.db, () =>
        this.writeAll.immediate(rows, batch.signed, signedAtMs, batch.events),
      );
      return conflictedSerials(batch.prepared, recorded);
    } catch (error) {
      throw mapLedgerError(error);
    }
  }
}
