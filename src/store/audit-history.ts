import type { AuditRecord } from './records.js';

export interface AuditHistoryQuery {
  /** Only events of this name, e.g. `cert.revoked`. */
  readonly event?: string;
  /** Only events at or after this time. */
  readonly since?: Date;
  /** Only events before this time. */
  readonly until?: Date;
  /** Keyset: only events older than this sequence number. */
  readonly beforeSeq?: number;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

/**
 * The audit trail read page by page, newest first, for the admin API. Pages follow the sequence number, so
 * events appended while a client pages do not shift the pages it has yet to read.
 */
export interface AuditHistory {
  page(query: AuditHistoryQuery): Promise<readonly AuditRecord[]>;
}
