import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Issuer } from './api-types.js';
import { countNodes, type IssuerNode, issuerForest } from './issuer-tree.js';

function issuer(id: string, parentId: string | null, createdAt: string): Issuer {
  return {
    id,
    role: parentId === null ? 'root' : 'intermediate',
    parentId,
    subject: `CN=${id}`,
    keyAlgorithm: 'ec-p256',
    online: true,
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2036-01-01T00:00:00Z',
    subjectKeyIdHex: '00',
    fingerprintSha256: '00',
    status: 'active',
    createdAt,
  };
}

const shape = (nodes: readonly IssuerNode[]): unknown =>
  nodes.map((n) => (n.children.length === 0 ? n.issuer.id : { [n.issuer.id]: shape(n.children) }));

test('roots at the top, each issuer under its parent, oldest first at each level', () => {
  const forest = issuerForest([
    issuer('operational', 'root-2026', '2026-01-03T00:00:00Z'),
    issuer('root-2026', null, '2026-01-01T00:00:00Z'),
    issuer('factory', 'root-2026', '2026-01-02T00:00:00Z'),
    issuer('pqc-root', null, '2026-06-01T00:00:00Z'),
    issuer('pqc-ops', 'pqc-root', '2026-06-02T00:00:00Z'),
  ]);
  assert.deepEqual(shape(forest), [{ 'root-2026': ['factory', 'operational'] }, { 'pqc-root': ['pqc-ops'] }]);
  assert.equal(countNodes(forest), 5);
});

test('an issuer whose parent is not held here is shown as a root; a cycle loses no issuer', () => {
  const orphan = issuerForest([issuer('ops', 'offline-elsewhere', '2026-01-01T00:00:00Z')]);
  assert.deepEqual(shape(orphan), ['ops']);
  const cycle = issuerForest([
    issuer('a', 'b', '2026-01-01T00:00:00Z'),
    issuer('b', 'a', '2026-01-02T00:00:00Z'),
    issuer('self', 'self', '2026-01-03T00:00:00Z'),
  ]);
  assert.equal(countNodes(cycle), 3);
});
