import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { GENESIS_HASH } from '../../src/store/audit-chain.js';
import type { AuditRecord } from '../../src/store/records.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import type { StoreUnderTest } from '../helpers/store-engines.js';
import { at, auditEvent } from './store-records.js';

for (const engine of storeEngines) {
  describe(`AuditLog (${engine.name})`, () => {
    const current = useStore(engine);

    test('chains records from the genesis hash, as documented', async () => {
      const { store } = current();
      const event = auditEvent({ at: new Date('2030-01-02T03:04:05.678Z'), subject: 'issuer:factory' });
      const first = await store.audit.append(event);
      assert.equal(first.seq, 1);
      assert.equal(first.prevHash, GENESIS_HASH);
      // Computed by hand: keys sorted recursively, `at` in epoch milliseconds.
      const canonical =
        '{"actor":"operator:test","at":1893553445678,"data":{"a":[true,null,"x"],"nested":{"a":1,"b":2},"z":1},' +
        '"event":"test.event","seq":1,"subject":"issuer:factory"}';
      const expected = createHash('sha256').update(`${GENESIS_HASH}\n${canonical}`).digest('hex');
      assert.equal(first.hash, expected);
      assert.deepEqual({ ...first }, { ...event, seq: 1, prevHash: GENESIS_HASH, hash: expected });

      const second = await store.audit.append(auditEvent({ event: 'test.second' }));
      assert.equal(second.seq, 2);
      assert.equal(second.prevHash, first.hash);
      assert.deepEqual(await store.audit.list({}), [first, second]);
      assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: 2 });
    });

    test('lists oldest first, by event and after a sequence number', async () => {
      const { store } = current();
      const appended: AuditRecord[] = [];
      for (const name of ['list.a', 'list.b', 'list.a', 'list.a']) {
        appended.push(await store.audit.append(auditEvent({ event: name, at: at(appended.length) })));
      }
      const a = await store.audit.list({ event: 'list.a' });
      assert.deepEqual(
        a.map((r) => r.seq),
        [appended[0]?.seq, appended[2]?.seq, appended[3]?.seq],
      );
      const after = await store.audit.list({ event: 'list.a', afterSeq: appended[0]?.seq ?? 0, limit: 1 });
      assert.deepEqual(
        after.map((r) => r.seq),
        [appended[2]?.seq],
      );
    });

    test('concurrent appends, from one store and from a second node, keep one linear chain', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const before = (await store.audit.verifyChain()).checked;
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 === 0 ? store : other).audit.append(auditEvent({ event: 'concurrent', data: { i } })),
          ),
        );
        const check = await store.audit.verifyChain();
        assert.deepEqual(check, { ok: true, checked: before + 40 });
      } finally {
        await other.close();
      }
    });

    test('verifies long chains in batches', async () => {
      const { store } = current();
      for (let i = 0; i < 1100; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) => store.audit.append(auditEvent({ data: { n: i + j } }))),
        );
      }
      const check = await store.audit.verifyChain();
      assert.equal(check.ok, true);
      assert.ok(check.checked >= 1100);
    });

    describe('tampering', () => {
      async function chainOfFive(): Promise<StoreUnderTest> {
        const t = await engine.create();
        for (let i = 1; i <= 5; i += 1) {
          await t.store.audit.append(auditEvent({ event: 'tamper.me', actor: `actor-${i}`, at: at(i) }));
        }
        assert.deepEqual(await t.store.audit.verifyChain(), { ok: true, checked: 5 });
        return t;
      }

      const cases: Array<[string, (t: StoreUnderTest) => Promise<void>, number]> = [
        [
          'an edited actor',
          async (t) => {
            await t.raw.updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
          },
          3,
        ],
        [
          'edited data with its hash recomputed by someone without the earlier chain',
          async (t) => {
            await t.raw
              .updateTable('audit_events')
              .set({ data: '{"forged":true}', hash: 'f'.repeat(64) })
              .where('seq', '=', 2)
              .execute();
          },
          2,
        ],
        [
          'a shifted time',
          async (t) => {
            await sql`update audit_events set at = at + 1 where seq = 4`.execute(t.raw);
          },
          4,
        ],
        [
          'a deleted record',
          async (t) => {
            await t.raw.deleteFrom('audit_events').where('seq', '=', 2).execute();
          },
          3,
        ],
      ];
      for (const [name, tamper, brokenAtSeq] of cases) {
        test(`detects ${name}`, async () => {
          const t = await chainOfFive();
          try {
            await tamper(t);
            const check = await t.store.audit.verifyChain();
            assert.equal(check.ok, false);
            assert.equal(check.brokenAtSeq, brokenAtSeq);
          } finally {
            await t.dispose();
          }
        });
      }
    });
  });
}
