import type { StoredAuditEntry } from './audit-chain.js';
import type { AuditEvent } from './records.js';

/**
 * Appends events to the audit chain in one transaction that also serializes appenders, so the chain stays
 * linear: the one part of the audit log whose mechanism differs by engine (SqliteAuditChain,
 * PostgresAuditAppender).
 */
export interface AuditAppender {
  append(events: readonly AuditEvent[]): Promise<StoredAuditEntry[]>;
}
