import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { CrlRecord } from '../../src/store/crl-store.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, crlRecord, issuerRecord } from './store-records.js';

async function newIssuer(store: Store): Promise<IssuerId> {
  const issuer = issuerRecord();
  await store.issuers.add(issuer);
  return issuer.id;
}

for (const engine of storeEngines) {
  describe(`CrlStore (${engine.name})`, () => {
    const current = useStore(engine);

    test('an issuer without CRLs has none of either kind and highest number 0', async () => {
      const { store } = current();
      const issuerId = await newIssuer(store);
      assert.equal(await store.crls.latest(issuerId, 'full'), undefined);
      assert.equal(await store.crls.latest(issuerId, 'delta'), undefined);
      assert.equal(await store.crls.highestNumber(issuerId), 0);
    });

    test('latest is the highest-numbered CRL of the kind; highestNumber spans both kinds', async () => {
      const { store } = current();
      const [issuerId, otherId] = [await newIssuer(store), await newIssuer(store)];
      const crl = (crlNumber: number, baseCrlNumber: number | null): CrlRecord =>
        crlRecord(issuerId, {
          crlNumber,
          baseCrlNumber,
          thisUpdate: at(crlNumber),
          nextUpdate: at(crlNumber + 60),
        });
      // Added out of order: the number decides, not the order of recording.
      const published = [
        crl(1, null),
        crl(2, 1),
        crl(4, null),
        crl(3, 1),
        crl(5, 4),
        crl(7, 4),
        crl(6, null),
      ];
      for (const c of published) await store.crls.add(c);
      await store.crls.add(crlRecord(otherId, { crlNumber: 40 }));

      assert.deepEqual(await store.crls.latest(issuerId, 'full'), published[6]);
      assert.deepEqual(await store.crls.latest(issuerId, 'delta'), published[5]);
      assert.equal(await store.crls.highestNumber(issuerId), 7);
      assert.equal(await store.crls.highestNumber(otherId), 40);
      assert.equal(await store.crls.latest(otherId, 'delta'), undefined);
    });

    test('a number already used by the issuer, of either kind, is CONFLICT and changes nothing', async () => {
      const { store } = current();
      const [issuerId, otherId] = [await newIssuer(store), await newIssuer(store)];
      const full = crlRecord(issuerId, { crlNumber: 10 });
      await store.crls.add(full);
      for (const again of [
        crlRecord(issuerId, { crlNumber: 10 }),
        crlRecord(issuerId, { crlNumber: 10, baseCrlNumber: 9 }),
      ]) {
        await assert.rejects(store.crls.add(again), (e) => isPkiError(e, 'CONFLICT'));
      }
      assert.deepEqual(await store.crls.latest(issuerId, 'full'), full);
      assert.equal(await store.crls.latest(issuerId, 'delta'), undefined);
      // Numbers are per issuer.
      await store.crls.add(crlRecord(otherId, { crlNumber: 10 }));
    });

    test('of two nodes publishing the same number, exactly one succeeds', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const issuerId = await newIssuer(store);
        const candidates = Array.from({ length: 6 }, () => crlRecord(issuerId, { crlNumber: 3 }));
        const results = await Promise.allSettled(
          candidates.map((c, i) => (i % 2 === 0 ? store : other).crls.add(c)),
        );
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [candidates[i]] : []));
        assert.equal(won.length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(isPkiError(r.reason, 'CONFLICT'));
        assert.deepEqual(await other.crls.latest(issuerId, 'full'), won[0]);
      } finally {
        await other.close();
      }
    });

    test('bytes, dates and numbers round-trip exactly', async () => {
      const { store } = current();
      const issuerId = await newIssuer(store);
      const der = new Uint8Array(70_000);
      for (let i = 0; i < der.length; i += 1) der[i] = (i * 7919) % 256;
      der[0] = 0;
      der[der.length - 1] = 0;
      const full = crlRecord(issuerId, {
        crlNumber: Number.MAX_SAFE_INTEGER - 1,
        thisUpdate: new Date('2031-02-03T04:05:06.789Z'),
        nextUpdate: new Date('2031-02-10T04:05:06.001Z'),
        der,
      });
      const delta = crlRecord(issuerId, {
        crlNumber: Number.MAX_SAFE_INTEGER,
        baseCrlNumber: Number.MAX_SAFE_INTEGER - 1,
        der: new Uint8Array([0x30, 0x00]),
      });
      await store.crls.add(full);
      await store.crls.add(delta);
      const [readFull, readDelta] = [
        await store.crls.latest(issuerId, 'full'),
        await store.crls.latest(issuerId, 'delta'),
      ];
      assert.deepEqual(readFull, full);
      assert.deepEqual(readDelta, delta);
      assert.equal(Object.getPrototypeOf(readFull?.der), Uint8Array.prototype);
      assert.equal(await store.crls.highestNumber(issuerId), Number.MAX_SAFE_INTEGER);
    });

    test('an unknown issuer is NOT_FOUND; an invalid number or time is MALFORMED_INPUT', async () => {
      const { store } = current();
      await assert.rejects(store.crls.add(crlRecord('no-such-issuer' as IssuerId)), (e) =>
        isPkiError(e, 'NOT_FOUND'),
      );
      const issuerId = await newIssuer(store);
      for (const bad of [
        { crlNumber: -1 },
        { crlNumber: 1.5 },
        { crlNumber: 2 ** 53 },
        { baseCrlNumber: -2 },
        { thisUpdate: new Date(Number.NaN) },
        { nextUpdate: new Date(Number.NaN) },
      ]) {
        await assert.rejects(
          store.crls.add(crlRecord(issuerId, bad)),
          (e) => isPkiError(e, 'MALFORMED_INPUT'),
          JSON.stringify(bad),
        );
      }
      assert.equal(await store.crls.highestNumber(issuerId), 0);
    });
  });
}
