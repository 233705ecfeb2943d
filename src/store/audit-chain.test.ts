import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import {
  EMPTY_CHAIN,
  GENESIS_HASH,
  canonicalContent,
  followsInChain,
  linkAuditEvents,
} from './audit-chain.js';
import type { StoredAuditEntry } from './audit-chain.js';
import type { AuditEvent } from './records.js';
import { canonicalJson } from './canonical-json.js';

const event = (name: string, data: Record<string, unknown> = {}): AuditEvent => ({
  at: new Date(1_900_000_000_000),
  event: name,
  actor: 'ca',
  subject: null,
  data,
});

test('links events from the genesis hash and from a given head', () => {
  const [first, second] = linkAuditEvents(EMPTY_CHAIN, [event('a', { k: 1 }), event('b')]);
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(first.seq, 1);
  assert.equal(first.prevHash, GENESIS_HASH);
  assert.equal(second.prevHash, first.hash);
  assert.equal(first.dataJson, '{"k":1}');
  assert.match(first.hash, /^[0-9a-f]{64}$/);
  const canonical = canonicalJson({
    seq: 1,
    at: 1_900_000_000_000,
    event: 'a',
    actor: 'ca',
    subject: null,
    data: { k: 1 },
  });
  assert.equal(first.hash, createHash('sha256').update(`${GENESIS_HASH}\n${canonical}`).digest('hex'));

  const [next] = linkAuditEvents(second, [event('c')]);
  assert.equal(next?.seq, 3);
  assert.equal(next?.prevHash, second.hash);
});

test('followsInChain rejects any change to a linked entry', () => {
  const [first, second] = linkAuditEvents(EMPTY_CHAIN, [event('a'), event('b', { n: 1 })]) as [
    StoredAuditEntry,
    StoredAuditEntry,
  ];
  assert.ok(followsInChain(EMPTY_CHAIN, first));
  assert.ok(followsInChain(first, second));
  const edits: Array<Partial<StoredAuditEntry>> = [
    { seq: 3 },
    { atMs: second.atMs + 1 },
    { event: 'x' },
    { actor: 'mallory' },
    { subject: 'cert:x' },
    { dataJson: '{"n":2}' },
    { dataJson: 'not json' },
    { prevHash: GENESIS_HASH },
    { hash: first.hash },
  ];
  for (const edit of edits)
    assert.equal(followsInChain(first, { ...second, ...edit }), false, JSON.stringify(edit));
  // Key order in stored data does not matter; its content does.
  assert.ok(followsInChain(first, { ...second, dataJson: '{ "n" : 1 }' }));
});

test('an invalid time is refused before anything is hashed', () => {
  assert.throws(() => linkAuditEvents(EMPTY_CHAIN, [{ ...event('a'), at: new Date(Number.NaN) }]), {
    code: 'MALFORMED_INPUT',
  });
});

test('canonicalContent is canonicalJson of the hashed fields', () => {
  const cases = [
    { seq: 1, atMs: 0, event: 'cert.issued', actor: 'ca', subject: null, data: { b: [1, 'x'], a: null } },
    {
      seq: 9_007_199_254,
      atMs: 1_900_000_000_123,
      event: 'e"\n',
      actor: 'ü\u2028',
      subject: 'cert:a/01',
      data: {},
    },
  ];
  for (const { data, atMs, ...fields } of cases) {
    const expected = canonicalJson({ ...fields, at: atMs, data });
    assert.equal(canonicalContent({ ...fields, atMs, dataJson: canonicalJson(data) }), expected);
  }
});
