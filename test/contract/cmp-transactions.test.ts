import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type {
  CmpTransactionChange,
  CmpTransactionRecord,
  CmpTransactions,
  NewCmpTransaction,
} from '../../src/store/cmp-transactions.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, fakeDer, newCmpTransaction, randomSerial } from './store-records.js';

const OPERATIONAL = 'operational' as IssuerId;

function nonce(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

/** What `begin(transaction, createdAt)` should read back as. */
function recordOf(transaction: NewCmpTransaction, createdAt: Date): CmpTransactionRecord {
  return { ...transaction, createdAt, updatedAt: createdAt };
}

/** The change that closes a transaction (certConf received), keeping the other fields. */
function closing(expiresAt = at(900)): CmpTransactionChange {
  return { state: 'closed', serverNonce: nonce(), expiresAt };
}

for (const engine of storeEngines) {
  describe(`CmpTransactions (${engine.name})`, () => {
    const current = useStore(engine);
    const transactions = (): CmpTransactions => current().store.cmpTransactions;

    test('begin records every field and get reads it back exactly', async () => {
      const held = newCmpTransaction({
        state: 'waiting-approval',
        requestType: 'p10cr',
        certReqId: -1,
        certificate: null,
        held: { requestDer: fakeDer(420), credentialChain: [fakeDer(700), fakeDer(40)] },
        sender: `signature:${randomBytes(32).toString('hex')}`,
        label: 'plant-b',
        expiresAt: at(86_400),
      });
      const issued = newCmpTransaction();
      const macHeld = newCmpTransaction({
        state: 'waiting-approval',
        certificate: null,
        held: { requestDer: fakeDer(), credentialChain: [] },
      });
      for (const transaction of [held, issued, macHeld]) {
        const expected = recordOf(transaction, at(1));
        assert.deepEqual(await transactions().begin(transaction, at(1)), expected);
        assert.deepEqual(await transactions().get(transaction.transactionId), expected);
      }
      assert.equal(await transactions().get(randomBytes(16).toString('hex')), undefined);
    });

    test('a transactionID is refused while it is known, closed ones too', async () => {
      const first = newCmpTransaction();
      await transactions().begin(first, at(1));
      const again = newCmpTransaction({ transactionId: first.transactionId, sender: 'mac:other' });
      await assert.rejects(transactions().begin(again, at(2)), (e) => isPkiError(e, 'CONFLICT'));
      assert.deepEqual(await transactions().get(first.transactionId), recordOf(first, at(1)));

      const closed = await transactions().advance(
        first.transactionId,
        { state: first.state, serverNonce: first.serverNonce },
        closing(),
        at(3),
      );
      assert.equal(closed?.state, 'closed');
      await assert.rejects(transactions().begin(again, at(4)), (e) => isPkiError(e, 'CONFLICT'));
    });

    test('a transactionID that is not lower-case hex is MALFORMED_INPUT', async () => {
      for (const transactionId of ['', 'ABCD', 'abc', 'zz00']) {
        await assert.rejects(transactions().begin(newCmpTransaction({ transactionId }), at(1)), (e) =>
          isPkiError(e, 'MALFORMED_INPUT'),
        );
      }
    });

    test('advance moves on once; a stale state or nonce changes nothing', async () => {
      const transaction = newCmpTransaction();
      await transactions().begin(transaction, at(1));
      const expected = { state: transaction.state, serverNonce: transaction.serverNonce };
      const change = closing(at(600));

      const advanced = await transactions().advance(transaction.transactionId, expected, change, at(5));
      const after: CmpTransactionRecord = {
        ...recordOf(transaction, at(1)),
        state: 'closed',
        serverNonce: change.serverNonce,
        updatedAt: at(5),
        expiresAt: at(600),
      };
      assert.deepEqual(advanced, after);
      assert.deepEqual(await transactions().get(transaction.transactionId), after);

      // The same message again (a replay): the expected state and nonce are gone.
      assert.equal(
        await transactions().advance(transaction.transactionId, expected, closing(), at(6)),
        undefined,
      );
      // The right nonce with the wrong state, the right state with the wrong nonce.
      const stale = [
        { state: 'awaiting-confirmation' as const, serverNonce: change.serverNonce },
        { state: 'closed' as const, serverNonce: transaction.serverNonce },
        { state: 'closed' as const, serverNonce: nonce() },
      ];
      for (const wrong of stale) {
        assert.equal(
          await transactions().advance(transaction.transactionId, wrong, closing(), at(7)),
          undefined,
        );
      }
      assert.deepEqual(await transactions().get(transaction.transactionId), after);
      assert.equal(
        await transactions().advance(randomBytes(16).toString('hex'), expected, closing(), at(8)),
        undefined,
      );
    });

    test('of concurrent advances from the same state, on two stores, exactly one wins', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const transaction = newCmpTransaction();
        await store.cmpTransactions.begin(transaction, at(1));
        const expected = { state: transaction.state, serverNonce: transaction.serverNonce };
        const changes = Array.from({ length: 8 }, () => closing());
        const results = await Promise.all(
          changes.map((change, i) =>
            (i % 2 === 0 ? store : other).cmpTransactions.advance(
              transaction.transactionId,
              expected,
              change,
              at(2),
            ),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        assert.equal(winners.length, 1);
        assert.deepEqual(await store.cmpTransactions.get(transaction.transactionId), winners[0]);
      } finally {
        await other.close();
      }
    });

    test('two concurrent advances on one store: exactly one wins', async () => {
      const transaction = newCmpTransaction();
      await transactions().begin(transaction, at(1));
      const expected = { state: transaction.state, serverNonce: transaction.serverNonce };
      const [a, b] = await Promise.all([
        transactions().advance(transaction.transactionId, expected, closing(), at(2)),
        transactions().advance(transaction.transactionId, expected, closing(), at(2)),
      ]);
      assert.equal([a, b].filter((r) => r !== undefined).length, 1);
    });

    test('advance keeps the fields the change leaves out and clears those it sets to null', async () => {
      const chain = [fakeDer(500), fakeDer(60)];
      const transaction = newCmpTransaction({
        state: 'waiting-approval',
        certificate: null,
        held: { requestDer: fakeDer(), credentialChain: chain },
      });
      await transactions().begin(transaction, at(1));

      // pollReq while still waiting: a new nonce and expiry, the held request kept.
      const polled = await transactions().advance(
        transaction.transactionId,
        { state: 'waiting-approval', serverNonce: transaction.serverNonce },
        { state: 'waiting-approval', serverNonce: nonce(), expiresAt: at(120) },
        at(2),
      );
      assert.deepEqual(polled?.held, transaction.held);
      assert.equal(polled?.certificate, null);
      assert.deepEqual(polled?.expiresAt, at(120));

      // Approved and issued: the certificate set, the held request dropped.
      assert.ok(polled);
      const certificate = { issuerId: OPERATIONAL, serial: randomSerial() };
      const issued = await transactions().advance(
        transaction.transactionId,
        { state: polled.state, serverNonce: polled.serverNonce },
        { state: 'awaiting-confirmation', serverNonce: nonce(), certificate, held: null, expiresAt: at(300) },
        at(3),
      );
      assert.deepEqual(issued?.certificate, certificate);
      assert.equal(issued?.held, null);

      // certConf: closed, the certificate kept.
      assert.ok(issued);
      const closed = await transactions().advance(
        transaction.transactionId,
        { state: issued.state, serverNonce: issued.serverNonce },
        closing(at(900)),
        at(4),
      );
      assert.deepEqual(closed?.certificate, certificate);
      assert.equal(closed?.held, null);
      assert.deepEqual(closed?.createdAt, at(1));
      assert.deepEqual(closed?.updatedAt, at(4));
      assert.deepEqual(await transactions().get(transaction.transactionId), closed);
    });

    // Both list the whole table: each gets a store of its own.
    describe('listExpiredOpen', () => {
      const own = useStore(engine);

      test('lists open transactions at or past expiry, oldest first, at most limit', async () => {
        const cmp = own().store.cmpTransactions;
        const begin = async (overrides: Partial<NewCmpTransaction>): Promise<CmpTransactionRecord> =>
          cmp.begin(newCmpTransaction(overrides), at(0));
        const unconfirmed = await begin({ expiresAt: at(20) });
        const unpolled = await begin({ state: 'waiting-approval', certificate: null, expiresAt: at(10) });
        const atTheLimit = await begin({ expiresAt: at(30) });
        await begin({ expiresAt: at(31) });
        await begin({ state: 'waiting-approval', certificate: null, expiresAt: at(3600) });
        await begin({ state: 'closed', expiresAt: at(5) });

        const ids = (records: readonly CmpTransactionRecord[]): string[] =>
          records.map((r) => r.transactionId);
        assert.deepEqual(
          await cmp.listExpiredOpen(at(30), 100),
          [unpolled, unconfirmed, atTheLimit],
          'oldest first, records in full',
        );
        assert.deepEqual(ids(await cmp.listExpiredOpen(at(30), 2)), ids([unpolled, unconfirmed]));
        assert.deepEqual(ids(await cmp.listExpiredOpen(at(9), 100)), []);
        await assert.rejects(cmp.listExpiredOpen(at(30), 0), (e) => isPkiError(e, 'MALFORMED_INPUT'));

        // Closing one takes it off the list.
        await cmp.advance(
          unconfirmed.transactionId,
          { state: unconfirmed.state, serverNonce: unconfirmed.serverNonce },
          closing(at(20)),
          at(25),
        );
        assert.deepEqual(ids(await cmp.listExpiredOpen(at(30), 100)), ids([unpolled, atTheLimit]));
      });
    });

    describe('purgeClosed', () => {
      const own = useStore(engine);

      test('deletes closed transactions at or past expiry and counts them', async () => {
        const cmp = own().store.cmpTransactions;
        const begin = async (overrides: Partial<NewCmpTransaction>): Promise<CmpTransactionRecord> =>
          cmp.begin(newCmpTransaction(overrides), at(0));
        const purged = [
          await begin({ state: 'closed', expiresAt: at(10) }),
          await begin({ state: 'closed', expiresAt: at(30) }),
        ];
        const closedLater = await begin({ state: 'closed', expiresAt: at(31) });
        const openExpired = await begin({ expiresAt: at(5) });
        const waitingExpired = await begin({
          state: 'waiting-approval',
          certificate: null,
          expiresAt: at(5),
        });
        // Closed by advance rather than begun closed.
        const advanced = await begin({ expiresAt: at(1) });
        await cmp.advance(
          advanced.transactionId,
          { state: advanced.state, serverNonce: advanced.serverNonce },
          closing(at(20)),
          at(2),
        );

        assert.equal(await cmp.purgeClosed(at(30)), 3);
        for (const gone of [...purged, advanced]) assert.equal(await cmp.get(gone.transactionId), undefined);
        for (const kept of [closedLater, openExpired, waitingExpired]) {
          assert.deepEqual(await cmp.get(kept.transactionId), kept);
        }
        assert.equal(await cmp.purgeClosed(at(30)), 0);

        // Once purged, a transactionID may be used again.
        const reused = newCmpTransaction({ transactionId: advanced.transactionId });
        assert.deepEqual(await cmp.begin(reused, at(40)), recordOf(reused, at(40)));
      });
    });
  });
}
