import type { Selectable } from 'kysely';
import type { StoredAuditEntry } from './audit-chain.js';
import type { AuditEventsTable } from './schema.js';

const AUDIT_ROW_KEYS = {
  seq: true,
  at: true,
  event: true,
  actor: true,
  subject: true,
  data: true,
  prev_hash: true,
  hash: true,
} satisfies Record<keyof AuditEventsTable, true>;

/** Every column of audit_events (the compiler checks the list is complete); one bind parameter each. */
export const AUDIT_ROW_COLUMNS = Object.keys(AUDIT_ROW_KEYS) as (keyof AuditEventsTable)[];

export function toAuditRow(entry: StoredAuditEntry): AuditEventsTable {
  return {
    seq: entry.seq,
    at: entry.atMs,
    event: entry.event,
    actor: entry.actor,
    subject: entry.subject,
    data: entry.dataJson,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

export function fromAuditRow(row: Selectable<AuditEventsTable>): StoredAuditEntry {
  return {
    seq: row.seq,
    atMs: row.at,
    event: row.event,
    actor: row.actor,
    subject: row.subject,
    dataJson: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
