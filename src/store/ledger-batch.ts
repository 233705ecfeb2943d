import type { SerialHex } from '../core/ids.js';
import type { CertificateLedger } from './certificate-ledger.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from './records.js';

/** Both kinds of ledger writes, to be committed together. */
export interface LedgerBatch {
  readonly prepared: readonly PreparedCertificate[];
  readonly preparedAt: Date;
  readonly signed: readonly SignedCertificate[];
  readonly signedAt: Date;
  /** One audit event per signed entry, in the same order. */
  readonly events: readonly AuditEvent[];
}

/**
 * Optional CertificateLedger capability: record prepared and signed certificates in one transaction, with the
 * semantics of recordPrepared followed by recordSigned (returns the conflicted prepared serials; a signed entry
 * that is not awaiting its signature fails the whole batch with CONFLICT). One commit, one fsync, where the two
 * calls would take two: GroupCommitLedger uses it when the ledger has it.
 */
export interface BatchCertificateLedger extends CertificateLedger {
  recordBatch(batch: LedgerBatch): Promise<readonly SerialHex[]>;
}

export function canRecordBatches(ledger: CertificateLedger): ledger is BatchCertificateLedger {
  return typeof (ledger as Partial<BatchCertificateLedger>).recordBatch === 'function';
}

/** A ledger that writes only in batches: recordPrepared and recordSigned are batches with one side empty. */
export abstract class BatchRecordingLedger implements BatchCertificateLedger {
  abstract recordBatch(batch: LedgerBatch): Promise<readonly SerialHex[]>;

  recordPrepared(entries: readonly PreparedCertificate[], at: Date): Promise<readonly SerialHex[]> {
    return this.recordBatch({ prepared: entries, preparedAt: at, signed: [], signedAt: at, events: [] });
  }

  async recordSigned(
    entries: readonly SignedCertificate[],
    at: Date,
    audit: (entry: SignedCertificate) => AuditEvent,
  ): Promise<void> {
    await this.recordBatch({
      prepared: [],
      preparedAt: at,
      signed: entries,
      signedAt: at,
      events: entries.map(audit),
    });
  }
}
