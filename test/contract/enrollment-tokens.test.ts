import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import type { EnrollmentTokenRecord } from '../../src/store/enrollment-tokens.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, newEnrollmentToken, randomSha256, uniqueDeviceId } from './store-records.js';

for (const engine of storeEngines) {
  describe(`EnrollmentTokens (${engine.name})`, () => {
    const current = useStore(engine);

    test('creates a token and finds it by its secret while usable, changing nothing', async () => {
      const { store } = current();
      const token = newEnrollmentToken({ label: 'plant-a', expiresAt: at(600) });
      const created = await store.tokens.create(token, at(1));
      const expected: EnrollmentTokenRecord = {
        id: token.id,
        deviceId: token.deviceId,
        profile: 'ldevid',
        label: 'plant-a',
        createdBy: 'operator:alice',
        createdAt: at(1),
        expiresAt: at(600),
        usedAt: null,
        voidedAt: null,
      };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.tokens.findUsable(token.secretSha256, at(2)), expected);
      assert.deepEqual(await store.tokens.findUsable(token.secretSha256, at(3)), expected);
      assert.equal(await store.tokens.findUsable(randomSha256(), at(2)), undefined);
    });

    test('a token is consumed once', async () => {
      const { store } = current();
      const token = newEnrollmentToken();
      await store.tokens.create(token, at(1));
      const consumed = await store.tokens.consume(token.secretSha256, at(5));
      assert.equal(consumed?.id, token.id);
      assert.deepEqual(consumed?.usedAt, at(5));
      assert.equal(await store.tokens.consume(token.secretSha256, at(6)), undefined);
      assert.equal(await store.tokens.findUsable(token.secretSha256, at(6)), undefined);
      const [listed] = await store.tokens.list({ deviceId: token.deviceId });
      assert.deepEqual(listed?.usedAt, at(5));
    });

    test('a token expires at its expiry time', async () => {
      const { store } = current();
      const token = newEnrollmentToken({ expiresAt: at(100) });
      await store.tokens.create(token, at(1));
      assert.equal(await store.tokens.findUsable(token.secretSha256, at(100)), undefined);
      assert.equal(await store.tokens.consume(token.secretSha256, at(100)), undefined);
      assert.equal(await store.tokens.consume(token.secretSha256, at(101)), undefined);
      const justBefore = new Date(at(100).getTime() - 1);
      assert.equal((await store.tokens.findUsable(token.secretSha256, justBefore))?.id, token.id);
      assert.equal((await store.tokens.consume(token.secretSha256, justBefore))?.id, token.id);
    });

    test('voidForDevice voids the usable tokens of the device only, and counts them', async () => {
      const { store } = current();
      const deviceId = uniqueDeviceId();
      const usable1 = newEnrollmentToken({ deviceId, expiresAt: at(1000) });
      const usable2 = newEnrollmentToken({ deviceId, expiresAt: at(1000) });
      const used = newEnrollmentToken({ deviceId, expiresAt: at(1000) });
      const expired = newEnrollmentToken({ deviceId, expiresAt: at(10) });
      const other = newEnrollmentToken();
      for (const t of [usable1, usable2, used, expired, other]) await store.tokens.create(t, at(1));
      await store.tokens.consume(used.secretSha256, at(2));

      assert.equal(await store.tokens.voidForDevice(deviceId, at(20)), 2);
      assert.equal(await store.tokens.voidForDevice(deviceId, at(21)), 0);
      assert.equal(await store.tokens.voidForDevice(uniqueDeviceId(), at(21)), 0);
      assert.equal(await store.tokens.consume(usable1.secretSha256, at(22)), undefined);
      assert.equal(await store.tokens.findUsable(usable2.secretSha256, at(22)), undefined);
      assert.equal((await store.tokens.findUsable(other.secretSha256, at(22)))?.id, other.id);

      const byId = new Map((await store.tokens.list({ deviceId })).map((t) => [t.id, t]));
      assert.deepEqual(byId.get(usable1.id)?.voidedAt, at(20));
      assert.deepEqual(byId.get(usable2.id)?.voidedAt, at(20));
      assert.equal(byId.get(used.id)?.voidedAt, null);
      assert.equal(byId.get(expired.id)?.voidedAt, null);
    });

    test('a duplicate id or secret hash is CONFLICT', async () => {
      const { store } = current();
      const token = newEnrollmentToken();
      await store.tokens.create(token, at(1));
      await assert.rejects(store.tokens.create({ ...newEnrollmentToken(), id: token.id }, at(2)), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      await assert.rejects(
        store.tokens.create({ ...newEnrollmentToken(), secretSha256: token.secretSha256 }, at(2)),
        (e) => isPkiError(e, 'CONFLICT'),
      );
    });

    test('a hash that is not lower-case hex SHA-256 is MALFORMED_INPUT', async () => {
      const { store } = current();
      const upper = randomSha256().toUpperCase();
      await assert.rejects(store.tokens.create(newEnrollmentToken({ secretSha256: upper }), at(1)), (e) =>
        isPkiError(e, 'MALFORMED_INPUT'),
      );
      await assert.rejects(store.tokens.consume('abc', at(1)), (e) => isPkiError(e, 'MALFORMED_INPUT'));
    });

    test('of many concurrent consumers exactly one gets the token', async () => {
      const { store } = current();
      const token = newEnrollmentToken();
      await store.tokens.create(token, at(1));
      const results = await Promise.all(
        Array.from({ length: 32 }, (_, i) => store.tokens.consume(token.secretSha256, at(2 + i))),
      );
      assert.equal(results.filter((r) => r !== undefined).length, 1);
    });

    test('of consumers on two stores (two nodes) on the same database exactly one wins', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        for (let round = 0; round < 5; round += 1) {
          const token = newEnrollmentToken();
          await store.tokens.create(token, at(1));
          const results = await Promise.all(
            Array.from({ length: 16 }, (_, i) =>
              (i % 2 === 0 ? store : other).tokens.consume(token.secretSha256, at(2)),
            ),
          );
          const winners = results.filter((r) => r !== undefined);
          assert.equal(winners.length, 1, `round ${round}`);
          assert.deepEqual(winners[0]?.usedAt, at(2));
        }
      } finally {
        await other.close();
      }
    });

    test('lists newest first, by device and usability, with a limit', async () => {
      const { store } = current();
      const deviceId = uniqueDeviceId();
      const first = newEnrollmentToken({ deviceId, expiresAt: at(50) });
      const second = newEnrollmentToken({ deviceId, expiresAt: at(500) });
      const third = newEnrollmentToken({ deviceId, expiresAt: at(500) });
      await store.tokens.create(first, at(1));
      await store.tokens.create(second, at(2));
      await store.tokens.create(third, at(3));
      await store.tokens.create(newEnrollmentToken(), at(4));
      await store.tokens.consume(third.secretSha256, at(4));

      const ids = async (query: Parameters<typeof store.tokens.list>[0]) =>
        (await store.tokens.list(query)).map((t) => t.id);
      assert.deepEqual(await ids({ deviceId }), [third.id, second.id, first.id]);
      assert.deepEqual(await ids({ deviceId, usableAt: at(10) }), [second.id, first.id]);
      assert.deepEqual(await ids({ deviceId, usableAt: at(100) }), [second.id]);
      assert.deepEqual(await ids({ deviceId, limit: 1 }), [third.id]);
      assert.ok((await store.tokens.list({})).length >= 4);
    });
  });
}
