import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { SerialHex } from '../core/ids.js';
import { chunkRows } from './bind-parameter-limit.js';
import type { CertificateLedger } from './certificate-ledger.js';
import { PREPARED_ROW_COLUMNS, certificateKey, toPreparedRow } from './certificate-row.js';
import type { PreparedRow } from './certificate-row.js';
import { toEpochMs } from './epoch-ms.js';
import { mapLedgerError, notAwaitingSignature } from './ledger-errors.js';
import { conflictedSerials } from './prepared-conflicts.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from './records.js';
import type { Database } from './schema.js';
import { appendAuditEventsInTransaction } from './postgres-audit-appender.js';

/**
 * The issuance hot path on PostgreSQL: a batch costs a few round trips whatever its size. recordPrepared is a
 * multi-row INSERT … ON CONFLICT DO NOTHING RETURNING; recordSigned one UPDATE joined to unnest()ed arrays,
 * then the audit events, in one transaction.
 */
export class PostgresCertificateLedger implements CertificateLedger {
  constructor(private readonly db: Kysely<Database>) {}

  async recordPrepared(entries: readonly PreparedCertificate[], at: Date): Promise<readonly SerialHex[]> {
    if (entries.length === 0) return [];
    const atMs = toEpochMs(at, 'at');
    // One row per key: PostgreSQL would skip a repeated key anyway, and conflictedSerials reports the repeat.
    const rows = new Map<string, PreparedRow>();
    for (const entry of entries) {
      const key = certificateKey(entry);
      if (!rows.has(key)) rows.set(key, toPreparedRow(entry, atMs));
    }
    const batches = chunkRows([...rows.values()], PREPARED_ROW_COLUMNS.length);
    const insert = async (db: Kysely<Database>): Promise<Set<string>> => {
      const recorded = new Set<string>();
      for (const batch of batches) {
        const inserted = await db
          .insertInto('certificates')
          .values(batch)
          .onConflict((oc) => oc.columns(['issuer_id', 'serial']).doNothing())
          .returning(['issuer_id', 'serial'])
          .execute();
        for (const row of inserted)
          recorded.add(certificateKey({ issuerId: row.issuer_id, serial: row.serial }));
      }
      return recorded;
    };
    try {
      // A single statement is atomic by itself; several need a transaction to be all-or-nothing.
      const recorded =
        batches.length === 1 ? await insert(this.db) : await this.db.transaction().execute(insert);
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
      await this.db.transaction().execute(async (trx) => {
        const signed = await sql<{ issuer_id: string; serial: string }>`
          update certificates as c
          set status = 'issued', der = v.der, fingerprint_sha256 = v.fingerprint_sha256, issued_at = ${atMs}
          from unnest(
            ${entries.map((e) => e.issuerId)}::text[],
            ${entries.map((e) => e.serial)}::text[],
            ${entries.map((e) => e.der)}::bytea[],
            ${entries.map((e) => e.fingerprintSha256)}::text[]
          ) as v(issuer_id, serial, der, fingerprint_sha256)
          where c.issuer_id = v.issuer_id and c.serial = v.serial and c.status = 'prepared'
          returning c.issuer_id, c.serial`.execute(trx);
        if (signed.rows.length !== entries.length) {
          const updated = new Set(
            signed.rows.map((row) => certificateKey({ issuerId: row.issuer_id, serial: row.serial })),
          );
          const claimed = new Set<string>();
          for (const entry of entries) {
            const key = certificateKey(entry);
            // A key missing from the update, or repeated in the call, was not awaiting this signature.
            if (!updated.has(key) || claimed.has(key)) throw notAwaitingSignature(entry);
            claimed.add(key);
          }
        }
        await appendAuditEventsInTransaction(trx, events);
      });
    } catch (error) {
      throw mapLedgerError(error);
    }
  }
}
