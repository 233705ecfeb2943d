import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import type { ApiTokenRecord } from '../../src/store/api-tokens.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at } from './store-records.js';

const TOKEN = /^cft_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function uniqueName(prefix = 'ops'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A token of the right shape for `id` whose secret is not the one issued. */
function withOtherSecret(token: string): string {
  const [, id] = TOKEN.exec(token) ?? [];
  return `cft_${id}_${randomBytes(32).toString('base64url')}`;
}

for (const engine of storeEngines) {
  describe(`ApiTokens (${engine.name})`, () => {
    const current = useStore(engine);

    test('create returns the token once and stores only the SHA-256 of its secret', async () => {
      const { store, raw } = current();
      const name = uniqueName();
      const created = await store.apiTokens.create({ name, scope: 'admin', expiresAt: at(3600) }, at(1));
      const [, id, secret] = TOKEN.exec(created.token) ?? [];
      assert.ok(id !== undefined && secret !== undefined, created.token);
      const expected: ApiTokenRecord = {
        id,
        name,
        scope: 'admin',
        createdAt: at(1),
        expiresAt: at(3600),
        lastUsedAt: null,
        revokedAt: null,
      };
      assert.deepEqual(created.record, expected);
      const row = await raw
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.secret_sha256, createHash('sha256').update(secret).digest('hex'));
      const stored = JSON.stringify(row);
      assert.ok(!stored.includes(secret), 'the secret itself is nowhere in the row');
      assert.ok(!stored.includes(created.token));
      assert.deepEqual(await store.apiTokens.find(name), expected);
      assert.deepEqual(await store.apiTokens.find(id), expected);
    });

    test('verify accepts the token and records its use to the minute', async () => {
      const { store } = current();
      const { token, record } = await store.apiTokens.create(
        { name: uniqueName(), scope: 'read', expiresAt: null },
        at(1),
      );
      const first = await store.apiTokens.verify(token, at(10));
      assert.deepEqual(first, { ...record, lastUsedAt: at(10) });
      // Within the minute, nothing is written; a minute on, the time moves.
      assert.deepEqual((await store.apiTokens.verify(token, at(30)))?.lastUsedAt, at(10));
      assert.deepEqual((await store.apiTokens.find(record.id))?.lastUsedAt, at(10));
      assert.deepEqual((await store.apiTokens.verify(token, at(75)))?.lastUsedAt, at(75));
      assert.deepEqual((await store.apiTokens.find(record.id))?.lastUsedAt, at(75));
    });

    test('verify refuses a wrong secret, an unknown id and malformed text, recording nothing', async () => {
      const { store } = current();
      const { token, record } = await store.apiTokens.create(
        { name: uniqueName(), scope: 'admin', expiresAt: null },
        at(1),
      );
      const refused = [
        withOtherSecret(token),
        `cft_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`,
        token.slice(0, -1),
        `${token}x`,
        token.toUpperCase(),
        '',
        'Bearer x',
        `cft_${record.id}_`,
      ];
      for (const text of refused) assert.equal(await store.apiTokens.verify(text, at(5)), undefined, text);
      assert.equal((await store.apiTokens.find(record.id))?.lastUsedAt, null);
    });

    test('an expired token is refused from its expiry on', async () => {
      const { store } = current();
      const { token } = await store.apiTokens.create(
        { name: uniqueName(), scope: 'admin', expiresAt: at(100) },
        at(1),
      );
      assert.ok(await store.apiTokens.verify(token, new Date(at(100).getTime() - 1)));
      assert.equal(await store.apiTokens.verify(token, at(100)), undefined);
      assert.equal(await store.apiTokens.verify(token, at(500)), undefined);
    });

    test('revoke by name or id; a revoked token is refused; the first revocation stands', async () => {
      const { store } = current();
      const name = uniqueName();
      const { token, record } = await store.apiTokens.create(
        { name, scope: 'admin', expiresAt: null },
        at(1),
      );
      const revoked = await store.apiTokens.revoke(name, at(20));
      assert.equal(revoked.changed, true);
      assert.deepEqual(revoked.record.revokedAt, at(20));
      assert.equal(await store.apiTokens.verify(token, at(21)), undefined);
      const again = await store.apiTokens.revoke(record.id, at(30));
      assert.equal(again.changed, false);
      assert.deepEqual(again.record.revokedAt, at(20));
      await assert.rejects(store.apiTokens.revoke(uniqueName('nobody'), at(30)), (e) =>
        isPkiError(e, 'NOT_FOUND'),
      );
    });

    test('a name is taken for ever, revoked or not; a bad name or scope is refused; nothing is stored', async () => {
      const { store, raw } = current();
      const name = uniqueName();
      await store.apiTokens.create({ name, scope: 'read', expiresAt: null }, at(1));
      const count = async () =>
        Number(
          (
            await raw
              .selectFrom('api_tokens')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      await assert.rejects(store.apiTokens.create({ name, scope: 'admin', expiresAt: null }, at(2)), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      await store.apiTokens.revoke(name, at(3));
      await assert.rejects(store.apiTokens.create({ name, scope: 'admin', expiresAt: null }, at(4)), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      for (const bad of ['', '-lead', 'has space', 'x'.repeat(65), 'semi;colon']) {
        await assert.rejects(
          store.apiTokens.create({ name: bad, scope: 'read', expiresAt: null }, at(5)),
          (e) => isPkiError(e, 'MALFORMED_INPUT'),
        );
      }
      await assert.rejects(
        // @ts-expect-error: a scope the type does not allow, as an untyped caller could pass
        store.apiTokens.create({ name: uniqueName(), scope: 'root', expiresAt: null }, at(5)),
        (e) => isPkiError(e, 'MALFORMED_INPUT'),
      );
      await assert.rejects(
        store.apiTokens.create({ name: uniqueName(), scope: 'read', expiresAt: at(5) }, at(5)),
        (e) => isPkiError(e, 'MALFORMED_INPUT'),
      );
      assert.equal(await count(), before);
    });

    test('lists oldest first, page by page from a key', async () => {
      const { store } = current();
      const base = 10_000 + Math.floor(Math.random() * 1000) * 100;
      const names = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
      for (const [i, name] of names.entries()) {
        await store.apiTokens.create({ name, scope: 'read', expiresAt: null }, at(base + i));
      }
      const after = { createdAt: at(base - 1), id: 'zzzzzzzzzzzzzzzz' };
      const first = await store.apiTokens.list({ after, limit: 2 });
      assert.deepEqual(
        first.map((t) => t.name),
        names.slice(0, 2),
      );
      const last = first[1]!;
      const second = await store.apiTokens.list({
        after: { createdAt: last.createdAt, id: last.id },
        limit: 2,
      });
      assert.deepEqual(second[0]?.name, names[2]);
    });
  });
}
