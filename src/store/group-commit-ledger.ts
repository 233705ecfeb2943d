import type { SerialHex } from '../core/ids.js';
import type { CertificateLedger } from './certificate-ledger.js';
import { type BatchCertificateLedger, canRecordBatches } from './ledger-batch.js';
import { GroupCommitQueue } from './group-commit-queue.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from './records.js';

export interface GroupCommitLedgerOptions {
  /** Most certificates in one underlying call (one transaction); default 1024. A larger call goes alone. */
  readonly maxBatchEntries?: number;
}

interface PreparedCall {
  readonly entries: readonly PreparedCertificate[];
  readonly at: Date;
}

interface SignedCall {
  readonly entries: readonly SignedCertificate[];
  readonly at: Date;
  /** Built when the call is made, so a throwing `audit` callback fails its own caller only. */
  readonly events: readonly AuditEvent[];
}

const DEFAULT_MAX_BATCH_ENTRIES = 1024;

/**
 * Coalesces concurrent ledger calls into one underlying call, hence one transaction and one fsync, while
 * keeping the ledger's promise: each caller's promise resolves only once its certificates are committed.
 * At 20 000 certificates a second, an fsync per certificate would be the bottleneck; one per batch is not.
 *
 * A coalesced call records the latest `at` of the calls it carries (as preparedAt / issuedAt): every one of
 * them was recorded at that time or later. Each caller gets back the conflicted serials of its own entries;
 * a batch never holds the same serial twice (a repeat waits for the next batch), so the serials the
 * underlying ledger returns map back to exactly one caller. See GroupCommitQueue for failures.
 */
export class GroupCommitLedger implements CertificateLedger {
  private readonly submitPrepared: (call: PreparedCall) => Promise<readonly SerialHex[]>;
  private readonly submitSigned: (call: SignedCall) => Promise<void>;

  constructor(inner: CertificateLedger, options: GroupCommitLedgerOptions = {}) {
    const maxBatchSize = options.maxBatchEntries ?? DEFAULT_MAX_BATCH_ENTRIES;
    if (canRecordBatches(inner)) {
      // Prepared and signed certificates share one queue and one transaction per commit: half the commits.
      const queue = mixedQueue(inner, maxBatchSize);
      this.submitPrepared = (call) =>
        queue.submit({ kind: 'prepared', ...call }) as Promise<readonly SerialHex[]>;
      this.submitSigned = async (call) => {
        await queue.submit({ kind: 'signed', ...call });
      };
      return;
    }
    const preparedQueue = new GroupCommitQueue<PreparedCall, readonly SerialHex[]>({
      maxBatchSize,
      sizeOf: (call) => call.entries.length,
      admission: uniquePreparedSerials,
      commit: async (calls) => {
        const conflicted = await inner.recordPrepared(
          calls.flatMap((c) => c.entries),
          latest(calls),
        );
        return calls.map((call) => conflictsOf(call, conflicted));
      },
    });
    const signedQueue = new GroupCommitQueue<SignedCall, void>({
      maxBatchSize,
      sizeOf: (call) => call.entries.length,
      commit: async (calls) => {
        // Each caller's events, found again by entry object when the underlying ledger asks for them (as often
        // as it likes). The same object twice in one batch belongs to one caller whose callback gave both.
        const events = new Map<SignedCertificate, AuditEvent>();
        for (const call of calls)
          call.entries.forEach((entry, i) => events.set(entry, call.events[i] as AuditEvent));
        await inner.recordSigned(
          calls.flatMap((c) => c.entries),
          latest(calls),
          (entry) => {
            const event = events.get(entry);
            if (event === undefined)
              throw new Error('the ledger asked for an audit event of an unknown entry');
            return event;
          },
        );
        return calls.map(() => undefined);
      },
    });
    this.submitPrepared = (call) => preparedQueue.submit(call);
    this.submitSigned = (call) => signedQueue.submit(call);
  }

  async recordPrepared(entries: readonly PreparedCertificate[], at: Date): Promise<readonly SerialHex[]> {
    if (entries.length === 0) return [];
    return this.submitPrepared({ entries, at });
  }

  async recordSigned(
    entries: readonly SignedCertificate[],
    at: Date,
    audit: (entry: SignedCertificate) => AuditEvent,
  ): Promise<void> {
    if (entries.length === 0) return;
    const events = entries.map(audit);
    await this.submitSigned({ entries, at, events });
  }
}

type MixedCall = ({ readonly kind: 'prepared' } & PreparedCall) | ({ readonly kind: 'signed' } & SignedCall);

function mixedQueue(inner: BatchCertificateLedger, maxBatchSize: number) {
  return new GroupCommitQueue<MixedCall, readonly SerialHex[] | undefined>({
    maxBatchSize,
    sizeOf: (call) => call.entries.length,
    admission: () => {
      const admitPrepared = uniquePreparedSerials();
      return (call) => call.kind === 'signed' || admitPrepared(call);
    },
    commit: async (calls) => {
      const prepared = calls.filter((c) => c.kind === 'prepared');
      const signed = calls.filter((c) => c.kind === 'signed');
      const conflicted = await inner.recordBatch({
        prepared: prepared.flatMap((c) => c.entries),
        preparedAt: prepared.length > 0 ? latest(prepared) : new Date(0),
        signed: signed.flatMap((c) => c.entries),
        signedAt: signed.length > 0 ? latest(signed) : new Date(0),
        events: signed.flatMap((c) => c.events),
      });
      return calls.map((call) => (call.kind === 'prepared' ? conflictsOf(call, conflicted) : undefined));
    },
  });
}

/** A batch never holds the same prepared serial twice, so each conflicted serial maps back to one caller. */
function uniquePreparedSerials(): (call: PreparedCall) => boolean {
  const taken = new Set<string>();
  return (call) => {
    if (call.entries.some((e) => taken.has(e.serial))) return false;
    for (const e of call.entries) taken.add(e.serial);
    return true;
  };
}

function conflictsOf(call: PreparedCall, conflicted: readonly SerialHex[]): readonly SerialHex[] {
  const mine = new Set<string>(call.entries.map((e) => e.serial));
  return conflicted.filter((serial) => mine.has(serial));
}

function latest(calls: readonly { readonly at: Date }[]): Date {
  return new Date(Math.max(...calls.map((c) => c.at.getTime())));
}
