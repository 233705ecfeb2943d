import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import type { PreparedCertificate } from '../../src/store/records.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, issuerRecord, preparedCertificate, randomSerial } from './store-records.js';

for (const engine of storeEngines) {
  describe(`CertificateLifecycle (${engine.name})`, () => {
    const current = useStore(engine);

    async function recorded(): Promise<PreparedCertificate> {
      const { store } = current();
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      const entry = preparedCertificate(issuer.id);
      await store.ledger.recordPrepared([entry], at(0));
      return entry;
    }

    test('markSuperseded records the successor; the same one again is a no-op', async () => {
      const { store } = current();
      const old = await recorded();
      const successor = randomSerial();
      await store.lifecycle.markSuperseded(old.issuerId, old.serial, successor, at(1));
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, successor);
      await store.lifecycle.markSuperseded(old.issuerId, old.serial, successor, at(2));
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, successor);
    });

    test('another successor is CONFLICT and changes nothing', async () => {
      const { store } = current();
      const old = await recorded();
      const successor = randomSerial();
      await store.lifecycle.markSuperseded(old.issuerId, old.serial, successor, at(1));
      await assert.rejects(
        store.lifecycle.markSuperseded(old.issuerId, old.serial, randomSerial(), at(2)),
        (e) => isPkiError(e, 'CONFLICT'),
      );
      assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, successor);
    });

    test('an unknown certificate is NOT_FOUND', async () => {
      const { store } = current();
      const known = await recorded();
      await assert.rejects(
        store.lifecycle.markSuperseded(known.issuerId, randomSerial(), randomSerial(), at(1)),
        (e) => isPkiError(e, 'NOT_FOUND'),
      );
      await assert.rejects(
        store.lifecycle.markSuperseded(issuerRecord().id, known.serial, randomSerial(), at(1)),
        (e) => isPkiError(e, 'NOT_FOUND'),
      );
      assert.equal((await store.certificates.get(known.issuerId, known.serial))?.supersededBy, null);
    });

    test('of concurrent renewals naming different successors, on two stores, exactly one wins', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const old = await recorded();
        const successors = Array.from({ length: 8 }, () => randomSerial());
        const results = await Promise.allSettled(
          successors.map((serial, i) =>
            (i % 2 === 0 ? store : other).lifecycle.markSuperseded(old.issuerId, old.serial, serial, at(1)),
          ),
        );
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [successors[i]] : []));
        assert.equal(won.length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(isPkiError(r.reason, 'CONFLICT'));
        assert.equal((await store.certificates.get(old.issuerId, old.serial))?.supersededBy, won[0]);
      } finally {
        await other.close();
      }
    });
  });
}
