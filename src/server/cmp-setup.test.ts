import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toIssuerId } from '../core/ids.js';
import type { IssuerRecord } from '../store/records.js';
import { rootUpdateFor } from './cmp-setup.js';

function record(
  id: string,
  fields: Partial<Omit<IssuerRecord, 'notBefore'>> & { der: number; ski: string; notBefore: string },
): IssuerRecord {
  return {
    id: toIssuerId(id)!,
    role: fields.role ?? 'root',
    parentId: fields.parentId ?? null,
    subject: `CN=${id}`,
    certificateDer: Uint8Array.of(fields.der),
    keyUri: null,
    keyAlgorithm: 'ec-p256',
    notBefore: new Date(fields.notBefore),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    subjectKeyIdHex: fields.ski,
    fingerprintSha256: String(fields.der),
    status: fields.status ?? 'active',
    createdAt: new Date(fields.notBefore),
  };
}

const oldRoot = record('root', { der: 1, ski: 'aa', notBefore: '2026-01-01T00:00:00Z' });
const newRoot = record('root-2027', { der: 2, ski: 'bb', notBefore: '2027-01-01T00:00:00Z' });
const newWithOld = record('root-2027-by-root', {
  der: 3,
  ski: 'bb',
  role: 'intermediate',
  parentId: oldRoot.id,
  notBefore: '2027-01-01T00:00:00Z',
});
const oldWithNew = record('root-by-root-2027', {
  der: 4,
  ski: 'aa',
  role: 'intermediate',
  parentId: newRoot.id,
  notBefore: '2027-01-01T00:00:00Z',
});
const operational = record('operational', {
  der: 5,
  ski: 'cc',
  role: 'intermediate',
  parentId: oldRoot.id,
  notBefore: '2026-01-01T00:00:00Z',
});

test('a client of the old root gets the new root with both link certificates', () => {
  const update = rootUpdateFor(
    [oldRoot, operational, newRoot, newWithOld, oldWithNew],
    oldRoot.certificateDer,
  );
  assert.deepEqual(update, {
    newWithNew: newRoot.certificateDer,
    newWithOld: newWithOld.certificateDer,
    oldWithNew: oldWithNew.certificateDer,
  });
});

test('without link certificates, the new root alone; a retired successor is no update', () => {
  assert.deepEqual(rootUpdateFor([oldRoot, newRoot], oldRoot.certificateDer), {
    newWithNew: newRoot.certificateDer,
  });
  assert.equal(
    rootUpdateFor([oldRoot, { ...newRoot, status: 'retired' }], oldRoot.certificateDer),
    undefined,
  );
});

test('the newest root, or a root we do not know, gets no update', () => {
  assert.equal(rootUpdateFor([oldRoot, newRoot, newWithOld], newRoot.certificateDer), undefined);
  assert.equal(rootUpdateFor([oldRoot, newRoot], Uint8Array.of(9)), undefined);
  assert.equal(rootUpdateFor([oldRoot], oldRoot.certificateDer), undefined);
});
