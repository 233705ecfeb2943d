import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { AcmeOrderRecord, AcmeOrders, NewAcmeOrder } from '../../src/store/acme-state.js';
import { MAX_BIND_PARAMETERS } from '../../src/store/bind-parameter-limit.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import type { StoreEngine, StoreUnderTest } from '../helpers/store-engines.js';
import {
  accountRecordOf,
  authorizationRecordOf,
  challengeId,
  newAcmeAccount,
  newAcmeOrder,
  orderRecordOf,
  problem,
  randomId,
} from './acme-records.js';
import { at, issuerRecord, preparedCertificate, randomSerial, uniqueIssuerId } from './store-records.js';

const OPERATIONAL = 'operational' as IssuerId;

const conflict = (e: unknown): boolean => isPkiError(e, 'CONFLICT');
const malformed = (e: unknown): boolean => isPkiError(e, 'MALFORMED_INPUT');

/** A new account, for the orders of one test. */
async function accountIn(store: Store): Promise<string> {
  return (await store.acmeAccounts.create(newAcmeAccount(), at(0))).id;
}

/** Creates the order and starts validating its `challenge`th challenge of every authorization. */
async function processing(orders: AcmeOrders, order: NewAcmeOrder, challenge = 0): Promise<void> {
  await orders.create(order, at(1));
  for (let i = 0; i < order.authorizations.length; i += 1) {
    assert.equal(
      (await orders.startValidation(challengeId(order, i, challenge), at(2)))?.status,
      'processing',
    );
  }
}

/**
 * Runs `work` with two stores on one database, for racing transactions: a second node on PostgreSQL. On SQLite
 * both are the same store, whose one connection serializes them: a second connection in this thread must not
 * write while a transaction of the first awaits (sql-alert-states.ts), and one SQLite file serves one node.
 */
async function withPeer(
  engine: StoreEngine,
  under: StoreUnderTest,
  work: (peer: Store) => Promise<void>,
): Promise<void> {
  if (engine.name === 'sqlite') return work(under.store);
  const peer = await under.openAnother();
  try {
    await work(peer);
  } finally {
    await peer.close();
  }
}

for (const engine of storeEngines) {
  describe(`AcmeAccounts (${engine.name})`, () => {
    const current = useStore(engine);
    const store = (): Store => current().store;

    test('create records every field; get and findByThumbprint read it back', async () => {
      const accounts = store().acmeAccounts;
      const account = newAcmeAccount({ contact: [], termsOfServiceAgreed: false });
      const expected = accountRecordOf(account, at(1));
      assert.deepEqual(await accounts.create(account, at(1)), expected);
      assert.deepEqual(await accounts.get(account.id), expected);
      assert.deepEqual(await accounts.findByThumbprint(account.keyThumbprint), expected);
      assert.equal(await accounts.get(randomId()), undefined);
      assert.equal(await accounts.findByThumbprint(randomId(32)), undefined);
    });

    test('a key thumbprint or id in use is CONFLICT, whatever the status of its account', async () => {
      const accounts = store().acmeAccounts;
      const first = newAcmeAccount();
      await accounts.create(first, at(1));
      await assert.rejects(
        accounts.create(newAcmeAccount({ keyThumbprint: first.keyThumbprint }), at(2)),
        conflict,
      );
      await assert.rejects(accounts.create(newAcmeAccount({ id: first.id }), at(2)), conflict);
      await accounts.update(first.id, { status: 'deactivated' }, at(3));
      await assert.rejects(
        accounts.create(newAcmeAccount({ keyThumbprint: first.keyThumbprint }), at(4)),
        conflict,
      );
    });

    test('update changes a valid account once it is deactivated no more', async () => {
      const accounts = store().acmeAccounts;
      const account = newAcmeAccount();
      await accounts.create(account, at(1));
      const contact = ['mailto:a@example.com', 'mailto:b@example.com'];
      const updated = await accounts.update(account.id, { contact }, at(2));
      assert.deepEqual(updated, { ...accountRecordOf(account, at(1)), contact, updatedAt: at(2) });

      const deactivated = await accounts.update(account.id, { status: 'deactivated' }, at(3));
      assert.equal(deactivated?.status, 'deactivated');
      assert.deepEqual(deactivated.contact, contact);
      assert.equal(await accounts.update(account.id, { contact: [] }, at(4)), undefined);
      assert.equal(await accounts.update(account.id, { status: 'valid' }, at(4)), undefined);
      assert.equal(await accounts.update(randomId(), { contact: [] }, at(4)), undefined);
      assert.deepEqual(await accounts.get(account.id), deactivated);
      await assert.rejects(accounts.update(account.id, { status: 'gone' as 'revoked' }, at(5)), malformed);
    });

    test('of concurrent deactivations, on two stores, exactly one gets the account', async () => {
      const other = await current().openAnother();
      try {
        const account = newAcmeAccount();
        await store().acmeAccounts.create(account, at(1));
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 === 0 ? store() : other).acmeAccounts.update(account.id, { status: 'deactivated' }, at(2)),
          ),
        );
        assert.equal(results.filter((r) => r !== undefined).length, 1);
      } finally {
        await other.close();
      }
    });

    test('changeKey replaces the key it expects; a stale one or a deactivated account changes nothing', async () => {
      const accounts = store().acmeAccounts;
      const account = newAcmeAccount();
      await accounts.create(account, at(1));
      const next = { keyThumbprint: randomId(32), jwk: '{"kty":"OKP"}' };
      const changed = await accounts.changeKey(account.id, account.keyThumbprint, next, at(2));
      assert.deepEqual(changed, { ...accountRecordOf(account, at(1)), ...next, updatedAt: at(2) });
      assert.equal(await accounts.findByThumbprint(account.keyThumbprint), undefined);
      assert.deepEqual(await accounts.findByThumbprint(next.keyThumbprint), changed);

      // The same rollover again: the old key is no longer the account's.
      const again = { keyThumbprint: randomId(32), jwk: '{}' };
      assert.equal(await accounts.changeKey(account.id, account.keyThumbprint, again, at(3)), undefined);

      // RFC 8555 §7.3.5: a key another account has is 409.
      const other = newAcmeAccount();
      await accounts.create(other, at(1));
      const taken = { keyThumbprint: other.keyThumbprint, jwk: other.jwk };
      await assert.rejects(accounts.changeKey(account.id, next.keyThumbprint, taken, at(4)), conflict);
      assert.deepEqual(await accounts.get(account.id), changed);

      await accounts.update(account.id, { status: 'deactivated' }, at(5));
      assert.equal(await accounts.changeKey(account.id, next.keyThumbprint, again, at(6)), undefined);
    });

    test('external account keys: add, get, revoke (once), CONFLICT for a known key id', async () => {
      const accounts = store().acmeAccounts;
      const keyId = randomId();
      const added = await accounts.addExternalAccountKey(keyId, 'plant A', at(1));
      const expected = {
        keyId,
        label: 'plant A',
        createdAt: at(1),
        boundAccountId: null,
        boundAt: null,
        revokedAt: null,
        identifierScope: null,
      };
      assert.deepEqual(added, expected);
      assert.deepEqual(await accounts.getExternalAccountKey(keyId), expected);
      const scope = { dnsNames: ['*.plant-b.example'], ipRanges: ['10.2.0.0/16'] };
      const scoped = await accounts.addExternalAccountKey(randomId(), 'plant B', at(1), scope);
      assert.deepEqual(scoped.identifierScope, scope);
      assert.deepEqual((await accounts.getExternalAccountKey(scoped.keyId))?.identifierScope, scope);
      await assert.rejects(accounts.addExternalAccountKey(keyId, 'again', at(2)), conflict);
      assert.equal(await accounts.getExternalAccountKey(randomId()), undefined);

      assert.deepEqual(await accounts.revokeExternalAccountKey(keyId, at(3)), {
        ...expected,
        revokedAt: at(3),
      });
      assert.deepEqual(await accounts.revokeExternalAccountKey(keyId, at(4)), {
        ...expected,
        revokedAt: at(3),
      });
      assert.equal(await accounts.revokeExternalAccountKey(randomId(), at(4)), undefined);
    });

    test('createBound binds an unbound key; a bound, revoked or unknown key creates nothing', async () => {
      const accounts = store().acmeAccounts;
      const keyId = randomId();
      await accounts.addExternalAccountKey(keyId, 'customer', at(1));
      const account = newAcmeAccount({ externalAccountKeyId: keyId });
      const bound = { ...account, externalAccountKeyId: keyId };
      assert.deepEqual(await accounts.createBound(bound, at(2)), accountRecordOf(account, at(2)));
      assert.deepEqual(await accounts.getExternalAccountKey(keyId), {
        keyId,
        label: 'customer',
        createdAt: at(1),
        boundAccountId: account.id,
        boundAt: at(2),
        revokedAt: null,
        identifierScope: null,
      });

      const revokedKey = randomId();
      await accounts.addExternalAccountKey(revokedKey, 'revoked', at(1));
      await accounts.revokeExternalAccountKey(revokedKey, at(1));
      for (const key of [keyId, revokedKey, randomId()]) {
        const refused = newAcmeAccount({ externalAccountKeyId: key });
        await assert.rejects(
          accounts.createBound({ ...refused, externalAccountKeyId: key }, at(3)),
          conflict,
        );
        assert.equal(await accounts.get(refused.id), undefined, 'no account left behind');
        assert.equal(await accounts.findByThumbprint(refused.keyThumbprint), undefined);
      }
      assert.equal((await accounts.getExternalAccountKey(keyId))?.boundAccountId, account.id);

      // A revoked key leaves the account it bound working.
      await accounts.revokeExternalAccountKey(keyId, at(4));
      assert.equal((await accounts.get(account.id))?.status, 'valid');
    });

    test('createBound with a thumbprint in use leaves the key unbound', async () => {
      const accounts = store().acmeAccounts;
      const existing = newAcmeAccount();
      await accounts.create(existing, at(1));
      const keyId = randomId();
      await accounts.addExternalAccountKey(keyId, 'customer', at(1));
      const clash = newAcmeAccount({ keyThumbprint: existing.keyThumbprint });
      await assert.rejects(accounts.createBound({ ...clash, externalAccountKeyId: keyId }, at(2)), conflict);
      assert.equal((await accounts.getExternalAccountKey(keyId))?.boundAccountId, null);
      // create with a key id binds it too: an account names only a key it holds.
      const account = newAcmeAccount({ externalAccountKeyId: keyId });
      assert.equal((await accounts.create(account, at(3))).externalAccountKeyId, keyId);
      assert.equal((await accounts.getExternalAccountKey(keyId))?.boundAccountId, account.id);
      await assert.rejects(accounts.create(newAcmeAccount({ externalAccountKeyId: keyId }), at(4)), conflict);
    });

    test('of concurrent createBound calls for one key, on two stores, exactly one binds it', async () => {
      await withPeer(engine, current(), async (other) => {
        const keyId = randomId();
        await store().acmeAccounts.addExternalAccountKey(keyId, 'race', at(1));
        const candidates = Array.from({ length: 6 }, () => newAcmeAccount({ externalAccountKeyId: keyId }));
        const results = await Promise.allSettled(
          candidates.map((account, i) =>
            (i % 2 === 0 ? store() : other).acmeAccounts.createBound(
              { ...account, externalAccountKeyId: keyId },
              at(2),
            ),
          ),
        );
        const created = results.filter((r) => r.status === 'fulfilled');
        assert.equal(created.length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(conflict(r.reason), String(r.reason));
        const winner = created[0]?.value.id;
        assert.equal((await store().acmeAccounts.getExternalAccountKey(keyId))?.boundAccountId, winner);
        for (const account of candidates) {
          if (account.id !== winner) assert.equal(await store().acmeAccounts.get(account.id), undefined);
        }
      });
    });

    describe('listExternalAccountKeys', () => {
      const own = useStore(engine);

      test('lists every key, oldest first', async () => {
        const accounts = own().store.acmeAccounts;
        const later = await accounts.addExternalAccountKey('k-later', 'b', at(2));
        const earlier = await accounts.addExternalAccountKey('k-earlier', 'a', at(1));
        const sameTime = await accounts.addExternalAccountKey('k-same', 'c', at(2));
        assert.deepEqual(await accounts.listExternalAccountKeys(), [earlier, later, sameTime]);
      });
    });
  });

  describe(`AcmeOrders (${engine.name})`, () => {
    const current = useStore(engine);
    const store = (): Store => current().store;
    const orders = (): AcmeOrders => current().store.acmeOrders;

    test('create records the order, its authorizations and challenges; the getters read them back', async () => {
      const accountId = await accountIn(store());
      const order = newAcmeOrder(accountId, ['a.example.com', 'b.example.com'], {
        notBefore: at(60),
        notAfter: at(86_400),
        profile: 'tlsserver',
        replaces: `${randomId(20)}.${randomId(9)}`,
      });
      const expected = orderRecordOf(order, at(1));
      assert.deepEqual(await orders().create(order, at(1)), expected);
      assert.deepEqual(await orders().get(order.id), expected);
      for (const index of [0, 1]) {
        const authorization = authorizationRecordOf(order, index);
        assert.deepEqual(await orders().getAuthorization(authorization.id), authorization);
        for (const challenge of authorization.challenges) {
          assert.deepEqual(await orders().getChallenge(challenge.id), { challenge, authorization });
        }
      }
      const wildcard = newAcmeOrder(accountId, ['*.example.com']);
      const withOne = {
        ...wildcard,
        authorizations: wildcard.authorizations.map((a) => ({
          ...a,
          identifier: { type: 'dns', value: 'example.com' },
          wildcard: true,
          challenges: a.challenges.slice(1),
        })),
      };
      await orders().create(withOne, at(1));
      assert.deepEqual(
        await orders().getAuthorization(withOne.authorizations[0]?.id ?? ''),
        authorizationRecordOf(withOne),
      );
      assert.equal(await orders().get(randomId()), undefined);
      assert.equal(await orders().getAuthorization(randomId()), undefined);
      assert.equal(await orders().getChallenge(randomId()), undefined);
    });

    test('create is all or nothing: a reused id is CONFLICT, an unknown account NOT_FOUND', async () => {
      const accountId = await accountIn(store());
      const first = newAcmeOrder(accountId);
      await orders().create(first, at(1));
      // The second authorization reuses the first order's authorization id: the order must not stay behind.
      const clash = newAcmeOrder(accountId, ['x.example.com', 'y.example.com']);
      const [fresh] = clash.authorizations;
      const [taken] = first.authorizations;
      assert.ok(fresh && taken);
      const reused: NewAcmeOrder = { ...clash, authorizations: [fresh, { ...taken, challenges: [] }] };
      await assert.rejects(orders().create(reused, at(2)), conflict);
      assert.equal(await orders().get(clash.id), undefined);
      assert.equal(await orders().getAuthorization(clash.authorizations[0]?.id ?? ''), undefined);
      await assert.rejects(
        orders().create(newAcmeOrder(accountId, undefined, { id: first.id }), at(2)),
        conflict,
      );

      const orphan = newAcmeOrder(randomId());
      await assert.rejects(orders().create(orphan, at(2)), (e) => isPkiError(e, 'NOT_FOUND'));
      assert.equal(await orders().getAuthorization(orphan.authorizations[0]?.id ?? ''), undefined);
    });

    test('replaces: CONFLICT while another order naming the certID is not invalid (RFC 9773 §5)', async () => {
      const certId = `${randomId(20)}.${randomId(9)}`;
      const first = newAcmeOrder(await accountIn(store()), undefined, { replaces: certId });
      await orders().create(first, at(1));
      const second = newAcmeOrder(await accountIn(store()), undefined, { replaces: certId });
      await assert.rejects(
        orders().create(second, at(2)),
        (e) => conflict(e) && isPkiError(e) && e.details['replaces'] === certId,
      );
      assert.equal(await orders().get(second.id), undefined);
      assert.equal(await orders().getAuthorization(second.authorizations[0]?.id ?? ''), undefined);

      // Orders without replaces never clash with each other.
      await orders().create(newAcmeOrder(first.accountId), at(2));
      await orders().create(newAcmeOrder(first.accountId), at(2));

      await orders().advanceOrder(first.id, 'pending', { status: 'invalid' }, at(3));
      assert.equal((await orders().create(second, at(4))).replaces, certId);
    });

    test('of concurrent orders replacing one certID, on two stores, exactly one is created', async () => {
      await withPeer(engine, current(), async (other) => {
        const certId = `${randomId(20)}.${randomId(9)}`;
        const accountId = await accountIn(store());
        const candidates = Array.from({ length: 6 }, () =>
          newAcmeOrder(accountId, undefined, { replaces: certId }),
        );
        const results = await Promise.allSettled(
          candidates.map((order, i) => (i % 2 === 0 ? store() : other).acmeOrders.create(order, at(1))),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(conflict(r.reason), String(r.reason));
      });
    });

    test('startValidation moves a pending challenge of a pending, unexpired authorization once', async () => {
      const order = newAcmeOrder(await accountIn(store()));
      await orders().create(order, at(1));
      const id = challengeId(order);
      const started = await orders().startValidation(id, at(2));
      assert.deepEqual(started, { ...authorizationRecordOf(order).challenges[0], status: 'processing' });
      assert.equal(await orders().startValidation(id, at(3)), undefined, 'a repeated POST');
      assert.equal(await orders().startValidation(randomId(), at(3)), undefined);

      const late = newAcmeOrder(order.accountId);
      await orders().create(late, at(1));
      const expiresAt = late.authorizations[0]?.expiresAt ?? at(0);
      assert.equal(await orders().startValidation(challengeId(late), expiresAt), undefined, 'expired');

      const deactivated = newAcmeOrder(order.accountId);
      await orders().create(deactivated, at(1));
      await orders().deactivateAuthorization(deactivated.authorizations[0]?.id ?? '', at(2));
      assert.equal(await orders().startValidation(challengeId(deactivated), at(3)), undefined);
    });

    test('completeValidation: the order is ready only when all its authorizations are valid', async () => {
      const order = newAcmeOrder(await accountIn(store()), ['a.example.com', 'b.example.com']);
      await orders().create(order, at(1));
      assert.equal(
        await orders().completeValidation(challengeId(order), { status: 'valid', evidence: null }, at(2)),
        undefined,
        'not processing',
      );
      for (const i of [0, 1]) await orders().startValidation(challengeId(order, i), at(2));

      const evidence = JSON.stringify({ spkiSha256: 'ab'.repeat(32) });
      const first = await orders().completeValidation(
        challengeId(order),
        { status: 'valid', evidence },
        at(3),
      );
      assert.deepEqual(first, {
        ...authorizationRecordOf(order).challenges[0],
        status: 'valid',
        validatedAt: at(3),
      });
      const authorization = await orders().getAuthorization(order.authorizations[0]?.id ?? '');
      assert.equal(authorization?.status, 'valid');
      assert.equal(authorization.evidence, evidence);
      assert.equal(authorization.challenges[0]?.status, 'valid');
      assert.equal(authorization.challenges[1]?.status, 'pending');
      assert.deepEqual(await orders().get(order.id), orderRecordOf(order, at(1)), 'one authorization to go');

      await orders().completeValidation(challengeId(order, 1), { status: 'valid', evidence: null }, at(4));
      assert.deepEqual(await orders().get(order.id), {
        ...orderRecordOf(order, at(1)),
        status: 'ready',
        updatedAt: at(4),
      });
      assert.equal(
        await orders().completeValidation(challengeId(order, 1), { status: 'valid', evidence: null }, at(5)),
        undefined,
        'completed already',
      );
    });

    test('completeValidation: one invalid authorization makes the order invalid with its error', async () => {
      const order = newAcmeOrder(await accountIn(store()), ['a.example.com', 'b.example.com']);
      await processing(orders(), order);
      const error = problem('the key authorization did not match');
      const challenge = await orders().completeValidation(
        challengeId(order, 1),
        { status: 'invalid', error },
        at(3),
      );
      assert.deepEqual(challenge, {
        ...authorizationRecordOf(order, 1).challenges[0],
        status: 'invalid',
        error,
      });
      assert.equal((await orders().getAuthorization(order.authorizations[1]?.id ?? ''))?.status, 'invalid');
      assert.equal((await orders().getAuthorization(order.authorizations[0]?.id ?? ''))?.status, 'pending');
      assert.deepEqual(await orders().get(order.id), {
        ...orderRecordOf(order, at(1)),
        status: 'invalid',
        error,
        updatedAt: at(3),
      });
      // The other authorization validating later leaves the invalid order as it is.
      await orders().completeValidation(challengeId(order), { status: 'valid', evidence: null }, at(4));
      assert.equal((await orders().get(order.id))?.status, 'invalid');
    });

    test('completeValidation on an authorization that is no longer pending changes only the challenge', async () => {
      const order = newAcmeOrder(await accountIn(store()));
      await orders().create(order, at(1));
      for (const challenge of [0, 1]) await orders().startValidation(challengeId(order, 0, challenge), at(2));
      await orders().completeValidation(challengeId(order, 0, 0), { status: 'valid', evidence: null }, at(3));
      assert.equal((await orders().get(order.id))?.status, 'ready');
      const error = problem('late failure');
      const late = await orders().completeValidation(
        challengeId(order, 0, 1),
        { status: 'invalid', error },
        at(4),
      );
      assert.equal(late?.status, 'invalid');
      assert.equal((await orders().getAuthorization(order.authorizations[0]?.id ?? ''))?.status, 'valid');
      assert.equal((await orders().get(order.id))?.status, 'ready');
    });

    test('authorizations of one order completing at once, on two stores, leave every order ready', async () => {
      await withPeer(engine, current(), async (other) => {
        const accountId = await accountIn(store());
        const names = ['a.example.com', 'b.example.com', 'c.example.com'];
        const batch = Array.from({ length: 12 }, () => newAcmeOrder(accountId, names));
        for (const order of batch) await processing(orders(), order);
        await Promise.all(
          batch.flatMap((order) =>
            names.map((_, i) =>
              (i % 2 === 0 ? store() : other).acmeOrders.completeValidation(
                challengeId(order, i),
                { status: 'valid', evidence: null },
                at(3),
              ),
            ),
          ),
        );
        for (const order of batch) assert.equal((await orders().get(order.id))?.status, 'ready', order.id);
      });
    });

    test('of concurrent completions of one challenge, on two stores, exactly one applies', async () => {
      await withPeer(engine, current(), async (other) => {
        const order = newAcmeOrder(await accountIn(store()));
        await processing(orders(), order);
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 === 0 ? store() : other).acmeOrders.completeValidation(
              challengeId(order),
              i < 3 ? { status: 'valid', evidence: null } : { status: 'invalid', error: problem('no') },
              at(3),
            ),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        assert.equal(winners.length, 1);
        const status = winners[0]?.status;
        assert.equal((await orders().getAuthorization(order.authorizations[0]?.id ?? ''))?.status, status);
        assert.equal((await orders().get(order.id))?.status, status === 'valid' ? 'ready' : 'invalid');
      });
    });

    test('deactivateAuthorization: pending or valid → deactivated, invalidating the orders holding it', async () => {
      const accountId = await accountIn(store());
      const pending = newAcmeOrder(accountId);
      await orders().create(pending, at(1));
      const authorizationId = pending.authorizations[0]?.id ?? '';
      assert.deepEqual(await orders().deactivateAuthorization(authorizationId, at(2)), {
        ...authorizationRecordOf(pending),
        status: 'deactivated',
      });
      assert.equal(await orders().deactivateAuthorization(authorizationId, at(3)), undefined);
      assert.equal(await orders().deactivateAuthorization(randomId(), at(3)), undefined);
      assert.deepEqual(await orders().get(pending.id), {
        ...orderRecordOf(pending, at(1)),
        status: 'invalid',
        updatedAt: at(2),
      });

      const ready = newAcmeOrder(accountId);
      await processing(orders(), ready);
      await orders().completeValidation(challengeId(ready), { status: 'valid', evidence: null }, at(3));
      assert.equal((await orders().get(ready.id))?.status, 'ready');
      assert.equal(
        (await orders().deactivateAuthorization(ready.authorizations[0]?.id ?? '', at(4)))?.status,
        'deactivated',
      );
      assert.equal((await orders().get(ready.id))?.status, 'invalid');

      // An invalid authorization stays invalid.
      const failed = newAcmeOrder(accountId);
      await processing(orders(), failed);
      await orders().completeValidation(
        challengeId(failed),
        { status: 'invalid', error: problem('no') },
        at(3),
      );
      assert.equal(
        await orders().deactivateAuthorization(failed.authorizations[0]?.id ?? '', at(4)),
        undefined,
      );
    });

    test('advanceOrder: compare-and-set through finalize; findByCertificate finds the valid order', async () => {
      const order = newAcmeOrder(await accountIn(store()));
      await processing(orders(), order);
      await orders().completeValidation(challengeId(order), { status: 'valid', evidence: null }, at(3));

      const finalizing = await Promise.all([
        orders().advanceOrder(order.id, 'ready', { status: 'processing' }, at(4)),
        orders().advanceOrder(order.id, 'ready', { status: 'processing' }, at(4)),
      ]);
      assert.equal(finalizing.filter((r) => r !== undefined).length, 1, 'one finalize wins');
      // A finalize the RA refused for something the client can correct goes back to ready, and may be retried.
      assert.equal(
        (await orders().advanceOrder(order.id, 'processing', { status: 'ready' }, at(4)))?.status,
        'ready',
      );
      assert.equal(
        (await orders().advanceOrder(order.id, 'ready', { status: 'processing' }, at(4)))?.status,
        'processing',
      );
      const certificate = { issuerId: OPERATIONAL, serial: randomSerial() };
      assert.equal(await orders().findByCertificate(certificate.issuerId, certificate.serial), undefined);
      const valid = await orders().advanceOrder(
        order.id,
        'processing',
        { status: 'valid', certificate },
        at(5),
      );
      assert.deepEqual(valid, {
        ...orderRecordOf(order, at(1)),
        status: 'valid',
        certificate,
        updatedAt: at(5),
      });
      assert.deepEqual(await orders().findByCertificate(certificate.issuerId, certificate.serial), valid);
      assert.equal(await orders().findByCertificate(certificate.issuerId, randomSerial()), undefined);
      assert.equal(
        await orders().advanceOrder(order.id, 'processing', { status: 'invalid' }, at(6)),
        undefined,
      );
      assert.equal(
        await orders().advanceOrder(randomId(), 'ready', { status: 'processing' }, at(6)),
        undefined,
      );

      const failing = newAcmeOrder(order.accountId);
      await orders().create(failing, at(1));
      const error = problem('badCSR');
      const invalid = await orders().advanceOrder(failing.id, 'pending', { status: 'invalid', error }, at(2));
      assert.equal(invalid?.error, error);
      assert.equal(invalid.status, 'invalid');
    });

    test('advanceOrder refuses moves RFC 8555 §7.1.6 does not have', async () => {
      const order = newAcmeOrder(await accountIn(store()));
      await orders().create(order, at(1));
      const certificate = { issuerId: OPERATIONAL, serial: randomSerial() };
      const refused: [
        Parameters<AcmeOrders['advanceOrder']>[1],
        Parameters<AcmeOrders['advanceOrder']>[2],
      ][] = [
        ['pending', { status: 'ready' }],
        ['pending', { status: 'processing' }],
        ['ready', { status: 'valid', certificate }],
        ['processing', { status: 'valid' }],
        ['processing', { status: 'invalid', certificate }],
        ['ready', { status: 'processing', error: problem('x') }],
        ['valid', { status: 'invalid' }],
        ['invalid', { status: 'pending' }],
        ['processing', { status: 'valid', certificate: { ...certificate, serial: 'AB01' as SerialHex } }],
      ];
      for (const [expected, change] of refused) {
        await assert.rejects(orders().advanceOrder(order.id, expected, change, at(2)), malformed);
      }
      assert.deepEqual(await orders().get(order.id), orderRecordOf(order, at(1)));
    });

    test('listByAccount pages newest first by keyed cursor', async () => {
      const accountId = await accountIn(store());
      const created: AcmeOrderRecord[] = [];
      // Two at the same time: the id orders them.
      for (const seconds of [1, 2, 3, 3, 4])
        created.push(await orders().create(newAcmeOrder(accountId), at(seconds)));
      await orders().create(newAcmeOrder(await accountIn(store())), at(5));
      const newestFirst = [...created].sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      );

      assert.deepEqual(await orders().listByAccount(accountId, { limit: 100 }), newestFirst);
      const pages: string[][] = [];
      let before: string | undefined;
      for (;;) {
        const page = await orders().listByAccount(accountId, {
          limit: 2,
          ...(before === undefined ? {} : { before }),
        });
        if (page.length === 0) break;
        pages.push(page.map((o) => o.id));
        before = page.at(-1)?.id;
      }
      const ids = newestFirst.map((o) => o.id);
      assert.deepEqual(pages, [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
      assert.deepEqual(await orders().listByAccount(accountId, { limit: 2, before: randomId() }), []);
      assert.deepEqual(await orders().listByAccount(randomId(), { limit: 2 }), []);
      await assert.rejects(orders().listByAccount(accountId, { limit: 0 }), malformed);
    });

    describe('expire', () => {
      const own = useStore(engine);

      test('invalidates pending and ready orders, expires pending and valid authorizations, purges old ones', async () => {
        const ownOrders = own().store.acmeOrders;
        const accountId = await accountIn(own().store);
        const expiring = (expiresAt: Date, authorizationExpiresAt = at(1000)): NewAcmeOrder => {
          const order = newAcmeOrder(accountId, undefined, { expiresAt });
          return {
            ...order,
            authorizations: order.authorizations.map((a) => ({ ...a, expiresAt: authorizationExpiresAt })),
          };
        };
        // Past expiry at 100: pending and ready → invalid; processing and valid left alone.
        const pending = expiring(at(100), at(100));
        await ownOrders.create(pending, at(0));
        const ready = expiring(at(90), at(90));
        await processing(ownOrders, ready);
        await ownOrders.completeValidation(challengeId(ready), { status: 'valid', evidence: null }, at(3));
        const finalized = expiring(at(50), at(50));
        await processing(ownOrders, finalized);
        await ownOrders.completeValidation(
          challengeId(finalized),
          { status: 'valid', evidence: null },
          at(3),
        );
        await ownOrders.advanceOrder(finalized.id, 'ready', { status: 'processing' }, at(4));
        // Its certificate is in force until 300.
        const issuer = issuerRecord();
        await own().store.issuers.add(issuer);
        const issued = preparedCertificate(issuer.id, { notBefore: at(0), notAfter: at(300) });
        await own().store.ledger.recordPrepared([issued], at(0));
        const certificate = { issuerId: issuer.id, serial: issued.serial };
        await ownOrders.advanceOrder(finalized.id, 'processing', { status: 'valid', certificate }, at(5));
        const later = expiring(at(101), at(101));
        await ownOrders.create(later, at(0));
        // Authorizations past expiry while their order is not: pending and valid ones expire.
        const authorizationsFirst = expiring(at(500), at(100));
        await processing(ownOrders, authorizationsFirst);
        const failed = expiring(at(500), at(100));
        await processing(ownOrders, failed);
        await ownOrders.completeValidation(
          challengeId(failed),
          { status: 'invalid', error: problem('no') },
          at(3),
        );

        // 2 orders invalidated; authorizations expired: the pending one of pending, the valid ones of ready and
        // finalized, the processing one's of authorizationsFirst (pending); failed's stays invalid.
        assert.equal(await ownOrders.expire(at(100), at(0)), 2 + 4);
        const status = async (order: NewAcmeOrder): Promise<[string | undefined, string | undefined]> => [
          (await ownOrders.get(order.id))?.status,
          (await ownOrders.getAuthorization(order.authorizations[0]?.id ?? ''))?.status,
        ];
        assert.deepEqual(await status(pending), ['invalid', 'expired']);
        assert.deepEqual(await status(ready), ['invalid', 'expired']);
        assert.deepEqual(await status(finalized), ['valid', 'expired']);
        assert.deepEqual(await status(later), ['pending', 'pending']);
        assert.deepEqual(await status(authorizationsFirst), ['pending', 'expired']);
        assert.deepEqual(await status(failed), ['invalid', 'invalid']);
        assert.equal(await ownOrders.expire(at(100), at(0)), 0, 'nothing left to mark');

        // Purge: orders expired before 101 go with their authorizations and challenges, but for the valid one
        // whose certificate is in force; `later` stays.
        assert.equal(await ownOrders.expire(at(100), at(101)), 2 + 2);
        for (const gone of [pending, ready]) {
          assert.deepEqual(await status(gone), [undefined, undefined]);
          assert.equal(await ownOrders.getChallenge(challengeId(gone)), undefined);
        }
        assert.equal(
          (await ownOrders.findByCertificate(certificate.issuerId, certificate.serial))?.id,
          finalized.id,
        );
        assert.deepEqual(await status(finalized), ['valid', 'expired']);
        // Expired authorizations still held by a live order are kept.
        assert.deepEqual(await status(authorizationsFirst), ['pending', 'expired']);
        assert.deepEqual(await status(later), ['pending', 'pending']);

        // Once the certificate has expired too, the valid order goes. `later` is marked, then purged.
        assert.equal(await ownOrders.expire(at(400), at(301)), 1 + 1 + 2 + 2);
        for (const gone of [finalized, later]) assert.deepEqual(await status(gone), [undefined, undefined]);
        assert.equal(await ownOrders.findByCertificate(certificate.issuerId, certificate.serial), undefined);
        assert.deepEqual(await status(authorizationsFirst), ['pending', 'expired']);
        assert.deepEqual(await status(failed), ['invalid', 'invalid']);
      });
    });
  });

  describe(`AcmeNonces (${engine.name})`, () => {
    const current = useStore(engine);

    test('a nonce is consumed once', async () => {
      const nonces = current().store.acmeNonces;
      const nonce = randomId();
      assert.equal(await nonces.consume(nonce, at(60)), true);
      assert.equal(await nonces.consume(nonce, at(60)), false);
      assert.equal(await nonces.consume(nonce, at(120)), false);
      assert.equal(await nonces.consume(randomId(), at(60)), true);
    });

    test('uses arriving together are committed together, each told whether its nonce was fresh', async () => {
      const nonces = current().store.acmeNonces;
      const [a, b, c] = [randomId(), randomId(), randomId()];
      assert.equal(await nonces.consume(c, at(60)), true);
      // Submitted in one turn of the event loop: one group commit, with a repeat inside it and an old one.
      const results = await Promise.all([a, b, a, c, b].map((nonce) => nonces.consume(nonce, at(60))));
      assert.deepEqual(results, [true, true, false, false, false]);
      assert.equal(await nonces.consume(a, at(60)), false);
    });

    test('of concurrent consumes of one nonce, on one store and on two, exactly one is true', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        for (const stores of [[store], [store, other]]) {
          const nonce = randomId();
          const results = await Promise.all(
            Array.from({ length: 16 }, (_, i) =>
              (stores[i % stores.length] ?? store).acmeNonces.consume(nonce, at(60)),
            ),
          );
          assert.equal(results.filter(Boolean).length, 1);
        }
      } finally {
        await other.close();
      }
    });

    describe('purgeExpired', () => {
      const own = useStore(engine);

      test('forgets the nonces whose expiry is at or before the time given, and counts them', async () => {
        const nonces = own().store.acmeNonces;
        const [early, onTime, late] = [randomId(), randomId(), randomId()];
        await nonces.consume(early, at(10));
        await nonces.consume(onTime, at(20));
        await nonces.consume(late, at(21));
        assert.equal(await nonces.purgeExpired(at(20)), 2);
        assert.equal(await nonces.purgeExpired(at(20)), 0);
        assert.equal(await nonces.consume(late, at(21)), false, 'still remembered');
        assert.equal(await nonces.consume(early, at(10)), true, 'forgotten (its expiry refuses it)');
      });
    });
  });

  describe(`RenewalWindows (${engine.name})`, () => {
    const current = useStore(engine);

    test('set, get, replace and clear a window', async () => {
      const windows = current().store.renewalWindows;
      const issuerId = uniqueIssuerId();
      const serial = randomSerial();
      const window = { start: at(100), end: at(200), explanationUrl: 'https://example.com/retire' };
      assert.equal(await windows.set([{ issuerId, serial }], window, 'alice', at(1)), 1);
      const expected = { issuerId, serial, ...window, setAt: at(1), setBy: 'alice' };
      assert.deepEqual(await windows.get(issuerId, serial), expected);
      assert.equal(await windows.get(issuerId, randomSerial()), undefined);

      const replacement = { start: at(50), end: at(60), explanationUrl: null };
      assert.equal(
        await windows.set(
          [
            { issuerId, serial },
            { issuerId, serial },
          ],
          replacement,
          'bob',
          at(2),
        ),
        1,
      );
      assert.deepEqual(await windows.get(issuerId, serial), {
        issuerId,
        serial,
        ...replacement,
        setAt: at(2),
        setBy: 'bob',
      });

      assert.equal(await windows.clear(issuerId, serial), true);
      assert.equal(await windows.clear(issuerId, serial), false);
      assert.equal(await windows.get(issuerId, serial), undefined);
      assert.equal(await windows.set([], window, 'alice', at(3)), 0);
    });

    test('a window that does not end after it starts, or a malformed key, is MALFORMED_INPUT', async () => {
      const windows = current().store.renewalWindows;
      const certificate = { issuerId: uniqueIssuerId(), serial: randomSerial() };
      for (const window of [
        { start: at(100), end: at(100), explanationUrl: null },
        { start: at(100), end: at(99), explanationUrl: null },
        { start: new Date(Number.NaN), end: at(99), explanationUrl: null },
      ]) {
        await assert.rejects(windows.set([certificate], window, 'alice', at(1)), malformed);
      }
      const window = { start: at(1), end: at(2), explanationUrl: null };
      for (const bad of [
        { ...certificate, serial: 'AB01' as SerialHex },
        { ...certificate, issuerId: 'Bad Issuer' as IssuerId },
      ]) {
        // Nothing set, not even the good certificate before it.
        await assert.rejects(windows.set([certificate, bad], window, 'alice', at(1)), malformed);
      }
      assert.equal(await windows.get(certificate.issuerId, certificate.serial), undefined);
    });

    test('sets and replaces more windows than one statement can bind', async () => {
      const windows = current().store.renewalWindows;
      const issuerId = uniqueIssuerId();
      // 7 parameters a row: beyond MAX_BIND_PARAMETERS and PostgreSQL's 65 535 alike.
      const count = 10_000;
      assert.ok(count * 7 > Math.max(MAX_BIND_PARAMETERS, 65_535));
      const certificates = Array.from({ length: count }, () => ({ issuerId, serial: randomSerial() }));
      const first = { start: at(100), end: at(200), explanationUrl: null };
      assert.equal(await windows.set(certificates, first, 'alice', at(1)), count);
      for (const { serial } of [certificates[0], certificates[4321], certificates[count - 1]].filter(
        (c) => c !== undefined,
      )) {
        assert.deepEqual(await windows.get(issuerId, serial), {
          issuerId,
          serial,
          ...first,
          setAt: at(1),
          setBy: 'alice',
        });
      }

      // Half again and as many new: the old half replaced, the new ones added.
      const second = { start: at(10), end: at(20), explanationUrl: 'https://example.com/why' };
      const fresh = Array.from({ length: count / 2 }, () => ({ issuerId, serial: randomSerial() }));
      const again = [...certificates.slice(0, count / 2), ...fresh];
      assert.equal(await windows.set(again, second, 'bob', at(2)), count);
      const windowOf = async (serial: SerialHex): Promise<string | undefined> =>
        (await windows.get(issuerId, serial))?.setBy;
      assert.equal(await windowOf(certificates[0]?.serial ?? ('00' as SerialHex)), 'bob');
      assert.equal(await windowOf(certificates[count - 1]?.serial ?? ('00' as SerialHex)), 'alice');
      assert.equal(await windowOf(fresh[count / 2 - 1]?.serial ?? ('00' as SerialHex)), 'bob');

      const cleared = await Promise.all(again.slice(0, 100).map((c) => windows.clear(c.issuerId, c.serial)));
      assert.ok(cleared.every(Boolean));
      assert.equal(await windows.get(issuerId, certificates[0]?.serial ?? ('00' as SerialHex)), undefined);
    });
  });
}
