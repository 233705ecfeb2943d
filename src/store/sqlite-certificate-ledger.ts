import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { SerialHex } from '../core/ids.js';
import type { CertificateLedger } from './certificate-ledger.js';
import { PREPARED_ROW_COLUMNS, certificateKey, toPreparedRow } from './certificate-row.js';
import type { PreparedRow } from './certificate-row.js';
import { toEpochMs } from './epoch-ms.js';
import { mapLedgerError, notAwaitingSignature } from './ledger-errors.js';
import { conflictedSerials } from './prepared-conflicts.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from './records.js';
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
export class SqliteCertificateLedger implements CertificateLedger {
  private readonly prepareAll: BetterSqlite3.Transaction<(rows: readonly PreparedRow[]) => Set<string>>;
  private readonly signAll: BetterSqlite3.Transaction<
    (entries: readonly SignedCertificate[], atMs: number, events: readonly AuditEvent[]) => void
  >;

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly db: Kysely<Database>,
    auditChain: SqliteAuditChain,
  ) {
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

    this.prepareAll = sqlite.transaction((rows: readonly PreparedRow[]) => {
      const recorded = new Set<string>();
      for (const row of rows) {
        if (insertPrepared.run(row).changes === 1) {
          recorded.add(certificateKey({ issuerId: row.issuer_id, serial: row.serial }));
        }
      }
      return recorded;
    });

    this.signAll = sqlite.transaction(
      (entries: readonly SignedCertificate[], atMs: number, events: readonly AuditEvent[]) => {
        for (const entry of entries) {
          const { changes } = markSigned.run({
            der: entry.der,
            fingerprint_sha256: entry.fingerprintSha256,
            issued_at: atMs,
            issuer_id: entry.issuerId,
            serial: entry.serial,
          });
          // Throwing inside the transaction function rolls the whole call back.
          if (changes !== 1) throw notAwaitingSignature(entry);
        }
        auditChain.appendInTransaction(events);
      },
    );
  }

  async recordPrepared(entries: readonly PreparedCertificate[], at: Date): Promise<readonly SerialHex[]> {
    if (entries.length === 0) return [];
    const atMs = toEpochMs(at, 'at');
    const rows = entries.map((entry) => toPreparedRow(entry, atMs));
    try {
      const recorded = await runExclusive(this.db, () => this.prepareAll.immediate(rows));
      return conflictedSerials(entries, recorded);
    } catch (error) {
      throw mapLedgerError(error);
    }
  }

  async recordSigned(
    entries: readonly SignedCertificate[],
    at: Date,
    audit: (entry: SignedCertificate) => AuditEvent,
  ): Promise<void> {
    if (entries.length === 0) return;
    const atMs = toEpochMs(at, 'at');
    const events = entries.map(audit);
    try {
      await runExclusive(this.db, () => this.signAll.immediate(entries, atMs, events));
    } catch (error) {
      throw mapLedgerError(error);
    }
  }
}
