import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, issuerRecord } from './store-records.js';

for (const engine of storeEngines) {
  describe(`IssuerRegistry (${engine.name})`, () => {
    const current = useStore(engine);

    test('adds and reads back an issuer exactly, bytes and times included', async () => {
      const { store } = current();
      const root = issuerRecord({
        role: 'root',
        keyUri: null,
        certificateDer: Uint8Array.from([0x30, 0x82, 0x00, 0x00, 0xff, 0x00]),
        notBefore: new Date('2029-12-31T23:59:59.999Z'),
        notAfter: new Date('2055-06-30T12:00:00.001Z'),
      });
      await store.issuers.add(root);
      const read = await store.issuers.get(root.id);
      assert.deepEqual(read, root);
      assert.equal(Object.getPrototypeOf(read?.certificateDer), Uint8Array.prototype);
    });

    test('a taken id is CONFLICT', async () => {
      const { store } = current();
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      await assert.rejects(store.issuers.add({ ...issuer, subject: 'CN=Other' }), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      assert.equal((await store.issuers.get(issuer.id))?.subject, issuer.subject);
    });

    test('an intermediate needs its parent registered', async () => {
      const { store } = current();
      const root = issuerRecord({ role: 'root' });
      const orphan = issuerRecord({ parentId: 'no-such-root' as IssuerId });
      await assert.rejects(store.issuers.add(orphan), (e) => isPkiError(e, 'NOT_FOUND'));
      await store.issuers.add(root);
      await store.issuers.add({ ...orphan, parentId: root.id });
      assert.equal((await store.issuers.get(orphan.id))?.parentId, root.id);
    });

    test('lists oldest first and changes status', async () => {
      const { store } = current();
      const older = issuerRecord({ createdAt: at(-100) });
      const newer = issuerRecord({ createdAt: at(100) });
      await store.issuers.add(newer);
      await store.issuers.add(older);
      const ids = (await store.issuers.list()).map((i) => i.id);
      assert.ok(ids.indexOf(older.id) < ids.indexOf(newer.id));
      await store.issuers.setStatus(older.id, 'retired');
      assert.equal((await store.issuers.get(older.id))?.status, 'retired');
    });

    test('unknown issuers are absent, and setStatus on one is NOT_FOUND', async () => {
      const { store } = current();
      assert.equal(await store.issuers.get('never-added' as IssuerId), undefined);
      await assert.rejects(store.issuers.setStatus('never-added' as IssuerId, 'retired'), (e) =>
        isPkiError(e, 'NOT_FOUND'),
      );
    });
  });
}
