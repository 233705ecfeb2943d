import type { RevocationRequest, RevocationResult } from './certificate-lifecycle.js';
import { toEpochMs, toEpochMsOrNull } from './epoch-ms.js';
import type { AuditEvent, CertificateStatus } from './records.js';

/**
 * CertificateLifecycle.revoke as the engines receive it: plain rows (times in epoch milliseconds, so it also
 * crosses to the SQLite writer thread unchanged) and the audit event of each request, built beforehand.
 */
export interface RevocationRow {
  readonly issuer_id: string;
  readonly serial: string;
  readonly revocation_reason: string;
  readonly invalidity_date: number | null;
}

export interface RevocationBatch {
  readonly rows: readonly RevocationRow[];
  readonly revokedAtMs: number;
  /** One per row, in the same order; appended only for the rows revoked now. */
  readonly events: readonly AuditEvent[];
}

/** The statuses a revocation changes; `revoked` stays as the first revocation left it. */
export const REVOCABLE_STATUSES = ['prepared', 'issued'] as const satisfies readonly CertificateStatus[];

/**
 * The engine-specific half of CertificateLifecycle.revoke: applies the rows in order in one transaction,
 * with the audit events of the rows it revokes appended to the chain in that same transaction, and returns
 * one result per row (SqliteRevocationRecorder, PostgresRevocationRecorder, ThreadedRevocationRecorder).
 */
export interface RevocationRecorder {
  record(batch: RevocationBatch): Promise<readonly RevocationResult[]>;
}

/** Checks the times and builds every request's audit event before anything is written. */
export function toRevocationBatch(
  requests: readonly RevocationRequest[],
  at: Date,
  audit: (request: RevocationRequest) => AuditEvent,
): RevocationBatch {
  return {
    rows: requests.map((request) => ({
      issuer_id: request.issuerId,
      serial: request.serial,
      revocation_reason: request.reason,
      invalidity_date: toEpochMsOrNull(request.invalidityDate, 'invalidityDate'),
    })),
    revokedAtMs: toEpochMs(at, 'at'),
    events: requests.map(audit),
  };
}

/** The audit event of the batch's row `i`. */
export function revocationEvent(batch: RevocationBatch, i: number): AuditEvent {
  const event = batch.events[i];
  if (event === undefined) throw new Error('a revocation batch lacks the audit event of a row');
  return event;
}
