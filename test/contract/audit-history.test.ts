import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, auditEvent } from './store-records.js';

for (const engine of storeEngines) {
  describe(`AuditHistory (${engine.name})`, () => {
    const current = useStore(engine);

    test('newest first, by event name and time window, page by page before a sequence number', async () => {
      const { store } = current();
      const name = `test.${randomBytes(4).toString('hex')}`;
      const appended = [];
      for (let i = 0; i < 5; i += 1) {
        appended.push(await store.audit.append(auditEvent({ event: name, at: at(100 + i), data: { i } })));
        await store.audit.append(auditEvent({ event: 'other.event', at: at(100 + i) }));
      }
      const seqs = appended.map((r) => r.seq).reverse();
      const all = await store.auditHistory.page({ event: name });
      assert.deepEqual(
        all.map((r) => r.seq),
        seqs,
      );
      assert.deepEqual(all[0], appended[4], 'the record as the log returns it');

      const first = await store.auditHistory.page({ event: name, limit: 2 });
      const second = await store.auditHistory.page({ event: name, limit: 2, beforeSeq: first[1]!.seq });
      assert.deepEqual(
        [...first, ...second].map((r) => r.seq),
        seqs.slice(0, 4),
      );

      const window = await store.auditHistory.page({ event: name, since: at(101), until: at(103) });
      assert.deepEqual(
        window.map((r) => r.data['i']),
        [2, 1],
      );
    });

    test('events appended while paging do not shift the pages still to come', async () => {
      const { store } = current();
      const name = `test.${randomBytes(4).toString('hex')}`;
      for (let i = 0; i < 3; i += 1) await store.audit.append(auditEvent({ event: name, data: { i } }));
      const first = await store.auditHistory.page({ event: name, limit: 1 });
      await store.audit.append(auditEvent({ event: name, data: { i: 99 } }));
      const rest = await store.auditHistory.page({ event: name, beforeSeq: first[0]!.seq });
      assert.deepEqual(
        rest.map((r) => r.data['i']),
        [1, 0],
      );
    });
  });
}
