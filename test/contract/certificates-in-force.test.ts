import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import {
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  revocationRequest,
  revokedAudit,
  signedCertificate,
  T0,
} from './store-records.js';

const DAY = 86_400;

/** CertificateCatalog.countInForceByIssuer: what the issuers' `dependents` count. */
for (const engine of storeEngines) {
  describe(`CertificateCatalog.countInForceByIssuer (${engine.name})`, () => {
    const current = useStore(engine);
    const [first, second, idle] = [issuerRecord(), issuerRecord(), issuerRecord()];

    before(async () => {
      const { store } = current();
      for (const issuer of [first, second, idle]) await store.issuers.add(issuer);
      const cert = (issuerId: IssuerId, days: number) =>
        preparedCertificate(issuerId, { notAfter: at(days * DAY) });
      const inForce = [cert(first.id, 30), cert(first.id, 60), cert(second.id, 30)];
      const expiring = cert(first.id, 10);
      const revoked = cert(first.id, 30);
      const unsigned = cert(second.id, 30);
      await store.ledger.recordPrepared([...inForce, expiring, revoked, unsigned], T0);
      await store.ledger.recordSigned(
        [...inForce, expiring, revoked].map(signedCertificate),
        at(1),
        issuedAudit(at(1)),
      );
      await store.lifecycle.revoke([revocationRequest(revoked)], at(2), revokedAudit(at(2)));
    });

    test('issued, not revoked, not expired, per issuer; issuers without any are absent', async () => {
      const counts = await current().store.certificateCatalog.countInForceByIssuer(at(DAY));
      assert.deepEqual(
        [...counts].sort(([a], [b]) => a.localeCompare(b)),
        [
          [first.id, 3],
          [second.id, 1],
        ].sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
      assert.equal(counts.has(idle.id), false);
    });

    test('at a later moment, the expired ones no longer count; at their notAfter they are expired', async () => {
      const { store } = current();
      assert.equal((await store.certificateCatalog.countInForceByIssuer(at(10 * DAY))).get(first.id), 2);
      assert.equal((await store.certificateCatalog.countInForceByIssuer(at(30 * DAY))).get(first.id), 1);
      assert.equal((await store.certificateCatalog.countInForceByIssuer(at(60 * DAY))).size, 0);
    });

    test('a bad moment is refused', async () => {
      await assert.rejects(
        current().store.certificateCatalog.countInForceByIssuer(new Date(Number.NaN)),
        (error) => isPkiError(error) && error.code === 'MALFORMED_INPUT',
      );
    });
  });
}
