import type { AuditEvent, AuditRecord } from './records.js';

export interface AuditQuery {
  readonly event?: string;
  readonly afterSeq?: number;
  /** Oldest first; default 100. */
  readonly limit?: number;
}

export interface AuditChainCheck {
  readonly ok: boolean;
  readonly checked: number;
  /** The first sequence number whose hash does not match, if any. */
  readonly brokenAtSeq?: number;
}

/**
 * Append-only and hash-chained: each record's hash covers the previous hash and its own canonical content, so
 * an edited or deleted row breaks the chain from that point on.
 */
export interface AuditLog {
  append(event: AuditEvent): Promise<AuditRecord>;
  list(query: AuditQuery): Promise<readonly AuditRecord[]>;
  verifyChain(): Promise<AuditChainCheck>;
}
