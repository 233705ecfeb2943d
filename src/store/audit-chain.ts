import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { toEpochMs } from './epoch-ms.js';
import type { AuditEvent, AuditRecord } from './records.js';

/** The previous hash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The end of the chain that the next record links to. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = { seq: 0, hash: GENESIS_HASH };

/** An audit record as stored: times in epoch milliseconds, data as the canonical JSON text that was hashed. */
export interface StoredAuditEntry {
  readonly seq: number;
  readonly atMs: number;
  readonly event: string;
  readonly actor: string;
  readonly subject: string | null;
  readonly dataJson: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** What the hash covers: a record without its links, its data as canonical JSON text. */
export type AuditContent = Omit<StoredAuditEntry, 'prevHash' | 'hash'>;

/**
 * hash = hex SHA-256 of `prevHash + '\n' + canonicalJson({seq, at, event, actor, subject, data})`, with `at` in
 * epoch milliseconds. Covering the previous hash makes the log a chain: editing, inserting or deleting a
 * record changes every later hash.
 */
export function auditHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalContent(content)}`)
    .digest('hex');
}

/**
 * canonicalJson({seq, at, event, actor, subject, data}) written out directly, keys in their sorted order,
 * around `dataJson`, which is canonical already: the hot path canonicalizes each event's data only once.
 */
export function canonicalContent(content: AuditContent): string {
  return (
    `{"actor":${JSON.stringify(content.actor)},"at":${content.atMs},"data":${content.dataJson},` +
    `"event":${JSON.stringify(content.event)},"seq":${content.seq},"subject":${JSON.stringify(content.subject)}}`
  );
}

/**
 * Links events to the chain after `head`, in order. Pure: the caller reads the head and writes the result in
 * one transaction that also serializes appenders, so the chain stays linear.
 */
export function linkAuditEvents(head: ChainHead, events: readonly AuditEvent[]): StoredAuditEntry[] {
  const linked: StoredAuditEntry[] = [];
  let { seq, hash } = head;
  for (const event of events) {
    seq += 1;
    const content: AuditContent = {
      seq,
      atMs: toEpochMs(event.at, 'audit event time'),
      event: event.event,
      actor: event.actor,
      subject: event.subject,
      dataJson: canonicalJson(event.data),
    };
    const next = auditHash(hash, content);
    linked.push({ ...content, prevHash: hash, hash: next });
    hash = next;
  }
  return linked;
}

/**
 * Whether `entry` follows `previous` (its link and its own hash); `previous` is EMPTY_CHAIN for the first.
 * The stored data is canonicalized again, so only its content counts, not how the text is spelled.
 */
export function followsInChain(previous: ChainHead, entry: StoredAuditEntry): boolean {
  if (entry.seq !== previous.seq + 1 || entry.prevHash !== previous.hash) return false;
  let dataJson: string;
  try {
    dataJson = canonicalJson(JSON.parse(entry.dataJson));
  } catch {
    return false;
  }
  return auditHash(entry.prevHash, { ...entry, dataJson }) === entry.hash;
}

export function toAuditRecord(entry: StoredAuditEntry): AuditRecord {
  return {
    seq: entry.seq,
    at: new Date(entry.atMs),
    event: entry.event,
    actor: entry.actor,
    subject: entry.subject,
    data: JSON.parse(entry.dataJson) as Record<string, unknown>,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}
