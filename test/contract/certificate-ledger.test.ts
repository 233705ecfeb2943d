import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import { GroupCommitLedger } from '../../src/store/group-commit-ledger.js';
import type { PreparedCertificate, SignedCertificate } from '../../src/store/records.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import {
  T0,
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  signedCertificate,
  uniqueDeviceId,
} from './store-records.js';

for (const engine of storeEngines) {
  describe(`CertificateLedger (${engine.name})`, () => {
    const current = useStore(engine);

    async function newIssuer() {
      const issuer = issuerRecord();
      await current().store.issuers.add(issuer);
      return issuer.id;
    }

    test('records prepared certificates and reads them back exactly', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const entry = preparedCertificate(issuerId, {
        deviceId: uniqueDeviceId(),
        notBefore: new Date('2030-02-03T04:05:06.789Z'),
        notAfter: new Date('2031-02-03T04:05:06.001Z'),
        sans: ['uri:urn:dev:ops:1-2', 'dns:gw1.example', 'ip:10.0.0.1'],
      });
      assert.deepEqual(await store.ledger.recordPrepared([entry], at(1)), []);
      assert.deepEqual(await store.certificates.get(issuerId, entry.serial), {
        ...entry,
        status: 'prepared',
        der: null,
        fingerprintSha256: null,
        preparedAt: at(1),
        issuedAt: null,
        revokedAt: null,
        revocationReason: null,
        invalidityDate: null,
        supersededBy: null,
      });
    });

    test('reports serials already recorded for the issuer, and records the others', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const taken = preparedCertificate(issuerId);
      await store.ledger.recordPrepared([taken], T0);

      const fresh = preparedCertificate(issuerId);
      const clash = preparedCertificate(issuerId, { serial: taken.serial, profile: 'other' });
      const repeated = preparedCertificate(issuerId);
      const conflicted = await store.ledger.recordPrepared([fresh, clash, repeated, repeated], at(5));

      assert.deepEqual(conflicted, [taken.serial, repeated.serial]);
      assert.equal((await store.certificates.get(issuerId, taken.serial))?.profile, taken.profile);
      assert.equal((await store.certificates.get(issuerId, fresh.serial))?.status, 'prepared');
      assert.equal((await store.certificates.get(issuerId, repeated.serial))?.status, 'prepared');
    });

    test('the same serial under two issuers is two certificates', async () => {
      const { store } = current();
      const [first, second] = [await newIssuer(), await newIssuer()];
      const a = preparedCertificate(first);
      const b = preparedCertificate(second, { serial: a.serial });
      assert.deepEqual(await store.ledger.recordPrepared([a, b], T0), []);
      const found = await store.certificates.findBySerial(a.serial);
      assert.deepEqual(found.map((c) => c.issuerId).sort(), [first, second].sort());
    });

    test('an unregistered issuer is NOT_FOUND and records nothing', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const good = preparedCertificate(issuerId);
      const orphan = preparedCertificate(issuerRecord().id);
      await assert.rejects(store.ledger.recordPrepared([good, orphan], T0), (e) =>
        isPkiError(e, 'NOT_FOUND'),
      );
      assert.equal(await store.certificates.get(issuerId, good.serial), undefined);
    });

    test('large batches are recorded in one call', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const entries = Array.from({ length: 3000 }, () => preparedCertificate(issuerId));
      assert.deepEqual(await store.ledger.recordPrepared(entries, T0), []);
      await store.ledger.recordSigned(entries.map(signedCertificate), at(1), issuedAudit(at(1)));
      assert.equal(await store.certificates.count({ issuerId, status: 'issued' }), 3000);
      assert.equal((await store.audit.verifyChain()).ok, true);
    });

    test('records the signed DER, fingerprint and time, with one audit event each', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const entries = [preparedCertificate(issuerId), preparedCertificate(issuerId)];
      await store.ledger.recordPrepared(entries, at(1));
      const signed = entries.map(signedCertificate);
      const before = await lastSeq();
      await store.ledger.recordSigned(signed, at(2), issuedAudit(at(2)));

      for (const s of signed) {
        const record = await store.certificates.get(issuerId, s.serial);
        assert.equal(record?.status, 'issued');
        assert.deepEqual(record?.der, s.der);
        assert.equal(record?.fingerprintSha256, s.fingerprintSha256);
        assert.deepEqual(record?.issuedAt, at(2));
        assert.deepEqual(record?.preparedAt, at(1));
      }
      const events = await store.audit.list({ afterSeq: before });
      assert.deepEqual(
        events.map((e) => [e.event, e.subject, e.at]),
        signed.map((s) => ['cert.issued', `cert:${issuerId}/${s.serial}`, at(2)]),
      );
      assert.deepEqual(events[0]?.data, {
        serial: signed[0]?.serial,
        fingerprintSha256: signed[0]?.fingerprintSha256,
      });
      assert.equal((await store.audit.verifyChain()).ok, true);

      async function lastSeq(): Promise<number> {
        const all = await store.audit.list({ limit: 10_000 });
        return all.at(-1)?.seq ?? 0;
      }
    });

    test('a serial never prepared fails the whole call with CONFLICT and changes nothing', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const prepared = preparedCertificate(issuerId);
      await store.ledger.recordPrepared([prepared], T0);
      const unknown = signedCertificate({ issuerId, serial: '7f01' as SerialHex });
      await assertConflictChangesNothing([signedCertificate(prepared), unknown], [prepared]);
    });

    test('an already signed serial fails the whole call with CONFLICT and changes nothing', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const [done, pending] = [preparedCertificate(issuerId), preparedCertificate(issuerId)];
      await store.ledger.recordPrepared([done, pending], T0);
      const first = signedCertificate(done);
      await store.ledger.recordSigned([first], at(1), issuedAudit(at(1)));
      await assertConflictChangesNothing([signedCertificate(pending), signedCertificate(done)], [pending]);
      assert.deepEqual((await store.certificates.get(issuerId, done.serial))?.der, first.der);
      // The same serial twice in one call: the second is no longer awaiting its signature.
      await assertConflictChangesNothing([signedCertificate(pending), signedCertificate(pending)], [pending]);
    });

    async function assertConflictChangesNothing(
      signed: readonly SignedCertificate[],
      stillPrepared: readonly PreparedCertificate[],
    ): Promise<void> {
      const { store } = current();
      const auditBefore = await store.audit.list({ limit: 10_000 });
      await assert.rejects(store.ledger.recordSigned(signed, at(9), issuedAudit(at(9))), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      for (const entry of stillPrepared) {
        const record = await store.certificates.get(entry.issuerId, entry.serial);
        assert.equal(record?.status, 'prepared');
        assert.equal(record?.der, null);
        assert.equal(record?.issuedAt, null);
      }
      assert.equal((await store.audit.list({ limit: 10_000 })).length, auditBefore.length);
    }

    test('empty calls do nothing', async () => {
      const { store } = current();
      assert.deepEqual(await store.ledger.recordPrepared([], T0), []);
      await store.ledger.recordSigned([], T0, () => assert.fail('no audit event for no entry'));
    });

    test('through a GroupCommitLedger, concurrent callers each get their own conflicts', async () => {
      const { store } = current();
      const issuerId = await newIssuer();
      const ledger = new GroupCommitLedger(store.ledger, { maxBatchEntries: 64 });
      const taken = preparedCertificate(issuerId);
      await store.ledger.recordPrepared([taken], T0);
      const calls = Array.from({ length: 50 }, (_, i) =>
        i === 7 ? [preparedCertificate(issuerId, { serial: taken.serial })] : [preparedCertificate(issuerId)],
      );
      const results = await Promise.all(calls.map((entries) => ledger.recordPrepared(entries, T0)));
      assert.deepEqual(
        results.map((r, i) => (i === 7 ? r : r.length)),
        calls.map((_, i) => (i === 7 ? [taken.serial] : 0)),
      );
      const signedCalls = calls.filter((_, i) => i !== 7).map((entries) => entries.map(signedCertificate));
      await Promise.all(signedCalls.map((s) => ledger.recordSigned(s, at(1), issuedAudit(at(1)))));
      assert.equal(await store.certificates.count({ issuerId, status: 'issued' }), 49);
      assert.equal((await store.audit.verifyChain()).ok, true);
    });
  });
}
