import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EnrollmentTokenRecord, NewEnrollmentToken } from '../../src/store/enrollment-tokens.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, newEnrollmentToken, uniqueDeviceId } from './store-records.js';

const ids = (list: readonly EnrollmentTokenRecord[]) => list.map((t) => t.id);

for (const engine of storeEngines) {
  describe(`EnrollmentTokenCatalog (${engine.name})`, () => {
    const current = useStore(engine);

    test("a device's tokens newest first, page by page; usable ones only on request", async () => {
      const { store } = current();
      const deviceId = uniqueDeviceId();
      const tokens: NewEnrollmentToken[] = [];
      for (let i = 0; i < 4; i += 1) {
        const token = newEnrollmentToken({ deviceId, expiresAt: at(1000) });
        await store.tokens.create(token, at(10 + i));
        tokens.push(token);
      }
      await store.tokens.consume(tokens[1]!.secretSha256, at(20));
      const newestFirst = tokens.map((t) => t.id).reverse();
      assert.deepEqual(ids(await store.enrollmentTokenCatalog.page({ deviceId })), newestFirst);
      const first = await store.enrollmentTokenCatalog.page({ deviceId, limit: 3 });
      const last = first[2]!;
      const second = await store.enrollmentTokenCatalog.page({
        deviceId,
        limit: 3,
        before: { createdAt: last.createdAt, id: last.id },
      });
      assert.deepEqual([...ids(first), ...ids(second)], newestFirst);
      assert.deepEqual(
        ids(await store.enrollmentTokenCatalog.page({ deviceId, usableAt: at(30) })),
        newestFirst.filter((id) => id !== tokens[1]!.id),
      );
      assert.deepEqual(await store.enrollmentTokenCatalog.page({ deviceId, usableAt: at(1000) }), []);
    });

    test('voids one token; voiding again changes nothing; a used token is not voided', async () => {
      const { store } = current();
      const deviceId = uniqueDeviceId();
      const [kept, voided, used] = [0, 1, 2].map(() => newEnrollmentToken({ deviceId, expiresAt: at(1000) }));
      for (const token of [kept!, voided!, used!]) await store.tokens.create(token, at(1));
      await store.tokens.consume(used!.secretSha256, at(2));

      const result = await store.enrollmentTokenCatalog.voidToken(voided!.id, at(5));
      assert.equal(result?.outcome, 'voided');
      assert.deepEqual(result?.token.voidedAt, at(5));
      const again = await store.enrollmentTokenCatalog.voidToken(voided!.id, at(6));
      assert.equal(again?.outcome, 'already-voided');
      assert.deepEqual(again?.token.voidedAt, at(5));

      const refused = await store.enrollmentTokenCatalog.voidToken(used!.id, at(7));
      assert.equal(refused?.outcome, 'used');
      assert.equal(refused?.token.voidedAt, null);
      assert.equal(await store.enrollmentTokenCatalog.voidToken('tok_nonexistent', at(7)), undefined);

      assert.equal(
        (await store.enrollmentTokenCatalog.get(kept!.id))?.voidedAt,
        null,
        'the others are untouched',
      );
      assert.equal((await store.tokens.findUsable(voided!.secretSha256, at(8)))?.id, undefined);
      assert.equal((await store.tokens.findUsable(kept!.secretSha256, at(8)))?.id, kept!.id);
    });
  });
}
