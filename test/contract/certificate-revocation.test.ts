import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { RevocationRequest } from '../../src/store/certificate-lifecycle.js';
import type { PreparedCertificate } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import {
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  randomSerial,
  revocationRequest,
  revokedAudit,
  signedCertificate,
} from './store-records.js';

/** Records `count` certificates of a new issuer; signs them unless `signed` is false. */
async function certificates(store: Store, count: number, signed = true): Promise<PreparedCertificate[]> {
  const issuer = issuerRecord();
  await store.issuers.add(issuer);
  return issue(store, issuer.id, count, signed);
}

async function issue(
  store: Store,
  issuerId: IssuerId,
  count: number,
  signed = true,
): Promise<PreparedCertificate[]> {
  const entries = Array.from({ length: count }, () => preparedCertificate(issuerId));
  await store.ledger.recordPrepared(entries, at(0));
  if (signed) await store.ledger.recordSigned(entries.map(signedCertificate), at(1), issuedAudit(at(1)));
  return entries;
}

/** The subjects of the `cert.revoked` audit events appended after `afterSeq`, oldest first. */
async function revokedSubjects(store: Store, afterSeq: number): Promise<string[]> {
  const records = await store.audit.list({ event: 'cert.revoked', afterSeq, limit: 10_000 });
  return records.map((r) => r.subject ?? '');
}

async function lastSeq(store: Store): Promise<number> {
  return (await store.audit.verifyChain()).checked;
}

function subject(entry: Pick<RevocationRequest, 'issuerId' | 'serial'>): string {
  return `cert:${entry.issuerId}/${entry.serial}`;
}

for (const engine of storeEngines) {
  describe(`CertificateLifecycle.revoke (${engine.name})`, () => {
    const current = useStore(engine);

    test('revokes an issued certificate with its time, reason and invalidity date, and audits it', async () => {
      const { store } = current();
      const [entry] = (await certificates(store, 1)) as [PreparedCertificate];
      const before = await store.certificates.get(entry.issuerId, entry.serial);
      const seq = await lastSeq(store);
      const invalidityDate = new Date('2029-12-31T23:59:59.999Z');
      const results = await store.lifecycle.revoke(
        [revocationRequest(entry, { reason: 'keyCompromise', invalidityDate })],
        at(5),
        revokedAudit(at(5)),
      );
      assert.deepEqual(results, ['revoked']);
      const after = await store.certificates.get(entry.issuerId, entry.serial);
      assert.deepEqual(after, {
        ...before,
        status: 'revoked',
        revokedAt: at(5),
        revocationReason: 'keyCompromise',
        invalidityDate,
      });
      assert.deepEqual(await store.certificates.status(entry.issuerId, entry.serial), {
        status: 'revoked',
        revokedAt: at(5),
        revocationReason: 'keyCompromise',
      });
      const [record, ...others] = await store.audit.list({ afterSeq: seq });
      assert.equal(others.length, 0);
      assert.deepEqual(
        { ...record, seq: 0, hash: '', prevHash: '' },
        {
          ...revokedAudit(at(5))(revocationRequest(entry, { invalidityDate })),
          seq: 0,
          hash: '',
          prevHash: '',
        },
      );
      assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: seq + 1 });
    });

    test('is idempotent: a revoked certificate keeps its first revocation and gets no audit event', async () => {
      const { store } = current();
      const [entry] = (await certificates(store, 1)) as [PreparedCertificate];
      await store.lifecycle.revoke([revocationRequest(entry)], at(5), revokedAudit(at(5)));
      const first = await store.certificates.get(entry.issuerId, entry.serial);
      const seq = await lastSeq(store);
      const again = await store.lifecycle.revoke(
        [revocationRequest(entry, { reason: 'superseded', invalidityDate: at(1) })],
        at(9),
        revokedAudit(at(9)),
      );
      assert.deepEqual(again, ['already-revoked']);
      assert.deepEqual(await store.certificates.get(entry.issuerId, entry.serial), first);
      assert.equal(await lastSeq(store), seq);
    });

    test('a prepared certificate is revocable, and can then no longer be signed', async () => {
      const { store } = current();
      const [entry] = (await certificates(store, 1, false)) as [PreparedCertificate];
      assert.deepEqual(await store.lifecycle.revoke([revocationRequest(entry)], at(5), revokedAudit(at(5))), [
        'revoked',
      ]);
      const revoked = await store.certificates.get(entry.issuerId, entry.serial);
      assert.equal(revoked?.status, 'revoked');
      assert.equal(revoked?.der, null);
      await assert.rejects(
        store.ledger.recordSigned([signedCertificate(entry)], at(6), issuedAudit(at(6))),
        (e) => isPkiError(e, 'CONFLICT'),
      );
      assert.deepEqual(await store.certificates.get(entry.issuerId, entry.serial), revoked);
    });

    test('results are in request order: unknown ones not-found, a repeat already-revoked', async () => {
      const { store } = current();
      const [issued, prepared, revokedBefore] = (await certificates(store, 3)) as [
        PreparedCertificate,
        PreparedCertificate,
        PreparedCertificate,
      ];
      await store.lifecycle.revoke([revocationRequest(revokedBefore)], at(2), revokedAudit(at(2)));
      const seq = await lastSeq(store);
      const requests = [
        revocationRequest(issued, { reason: 'cessationOfOperation' }),
        revocationRequest({ issuerId: issued.issuerId, serial: randomSerial() }),
        revocationRequest(issued, { reason: 'superseded' }),
        revocationRequest(revokedBefore),
        revocationRequest({ issuerId: 'no-such-issuer' as IssuerId, serial: prepared.serial }),
        revocationRequest(prepared, { reason: 'affiliationChanged' }),
      ];
      const results = await store.lifecycle.revoke(requests, at(5), revokedAudit(at(5)));
      assert.deepEqual(results, [
        'revoked',
        'not-found',
        'already-revoked',
        'already-revoked',
        'not-found',
        'revoked',
      ]);
      // The first request naming a certificate is the one applied.
      assert.equal(
        (await store.certificates.get(issued.issuerId, issued.serial))?.revocationReason,
        'cessationOfOperation',
      );
      assert.equal(
        (await store.certificates.get(prepared.issuerId, prepared.serial))?.revocationReason,
        'affiliationChanged',
      );
      assert.deepEqual(await revokedSubjects(store, seq), [subject(issued), subject(prepared)]);
      assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: seq + 2 });
    });

    test('an empty request list changes nothing', async () => {
      const { store } = current();
      const seq = await lastSeq(store);
      assert.deepEqual(await store.lifecycle.revoke([], at(5), revokedAudit(at(5))), []);
      assert.equal(await lastSeq(store), seq);
    });

    test('a failing audit callback or an invalid time writes nothing', async () => {
      const { store } = current();
      const [a, b] = (await certificates(store, 2)) as [PreparedCertificate, PreparedCertificate];
      const seq = await lastSeq(store);
      const requests = [revocationRequest(a), revocationRequest(b)];
      await assert.rejects(
        store.lifecycle.revoke(requests, at(5), (request) => {
          if (request.serial === b.serial) throw new Error('no audit event');
          return revokedAudit(at(5))(request);
        }),
        /no audit event/,
      );
      await assert.rejects(
        store.lifecycle.revoke(
          [requests[0] as RevocationRequest, revocationRequest(b, { invalidityDate: new Date(Number.NaN) })],
          at(5),
          revokedAudit(at(5)),
        ),
        (e) => isPkiError(e, 'MALFORMED_INPUT'),
      );
      for (const entry of [a, b]) {
        assert.equal((await store.certificates.get(entry.issuerId, entry.serial))?.status, 'issued');
      }
      assert.equal(await lastSeq(store), seq);
    });

    test('revokes many certificates in one call', async () => {
      const { store } = current();
      const entries = await certificates(store, 600);
      const seq = await lastSeq(store);
      const results = await store.lifecycle.revoke(
        entries.map((e) => revocationRequest(e, { reason: 'cACompromise' })),
        at(5),
        revokedAudit(at(5)),
      );
      assert.deepEqual(results, Array<string>(600).fill('revoked'));
      assert.equal(
        await store.certificates.count({ issuerId: entries[0]?.issuerId as IssuerId, status: 'revoked' }),
        600,
      );
      assert.deepEqual(await revokedSubjects(store, seq), entries.map(subject));
      assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: seq + 600 });
    });

    test('of concurrent revokers of one certificate, on two stores, exactly one revokes it', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const [entry] = (await certificates(store, 1)) as [PreparedCertificate];
        const seq = await lastSeq(store);
        const reasons = [
          'keyCompromise',
          'superseded',
          'affiliationChanged',
          'cessationOfOperation',
        ] as const;
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 === 0 ? store : other).lifecycle.revoke(
              [revocationRequest(entry, { reason: reasons[i % reasons.length] ?? 'unspecified' })],
              at(5 + i),
              revokedAudit(at(5 + i)),
            ),
          ),
        );
        const flat = results.flat();
        assert.equal(flat.filter((r) => r === 'revoked').length, 1, flat.join());
        assert.equal(flat.filter((r) => r === 'already-revoked').length, 7, flat.join());
        const winner = flat.indexOf('revoked');
        const record = await store.certificates.get(entry.issuerId, entry.serial);
        assert.equal(record?.revocationReason, reasons[winner % reasons.length]);
        assert.deepEqual(record?.revokedAt, at(5 + winner));
        assert.deepEqual(await revokedSubjects(store, seq), [subject(entry)]);
        assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: seq + 1 });
      } finally {
        await other.close();
      }
    });

    test('concurrent batches naming the same certificates in opposite orders neither deadlock nor double-revoke', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const entries = await certificates(store, 50);
        const seq = await lastSeq(store);
        const forward = entries.map((e) => revocationRequest(e));
        const backward = [...forward].reverse();
        const [a, b, c, d] = await Promise.all([
          store.lifecycle.revoke(forward, at(5), revokedAudit(at(5))),
          other.lifecycle.revoke(backward, at(6), revokedAudit(at(6))),
          other.lifecycle.revoke(forward, at(7), revokedAudit(at(7))),
          store.lifecycle.revoke(backward, at(8), revokedAudit(at(8))),
        ]);
        const byKey = new Map<string, number>();
        for (const [results, order] of [
          [a, forward],
          [b, backward],
          [c, forward],
          [d, backward],
        ] as const) {
          results.forEach((r, i) => {
            const key = subject(order[i] as RevocationRequest);
            if (r === 'revoked') byKey.set(key, (byKey.get(key) ?? 0) + 1);
            else assert.equal(r, 'already-revoked');
          });
        }
        assert.equal(byKey.size, 50);
        for (const count of byKey.values()) assert.equal(count, 1);
        const audited = await revokedSubjects(store, seq);
        assert.deepEqual([...audited].sort(), entries.map(subject).sort());
        assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: seq + 50 });
      } finally {
        await other.close();
      }
    });

    test('revokes while certificates are being issued, on the same store and on another node', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      let issuing = true;
      let issuers: Promise<void>[] = [];
      try {
        const targets = await certificates(store, 40);
        const issuerId = targets[0]?.issuerId as IssuerId;
        const seq = await lastSeq(store);
        let issued = 0;
        const issueUntilStopped = async (on: Store): Promise<void> => {
          while (issuing) {
            await issue(on, issuerId, 8);
            issued += 8;
          }
        };
        issuers = [store, store, other, other].map(issueUntilStopped);
        const started = issuers.map((p) => p.then(() => undefined));
        // Let issuance get going before the first revocation.
        while (issued < 32) await Promise.race([...started, new Promise((r) => setImmediate(r))]);

        const results: string[] = [];
        // One at a time, then in concurrent groups, alternating stores, each between issuance commits.
        for (const [i, target] of targets.slice(0, 20).entries()) {
          const on = i % 2 === 0 ? store : other;
          results.push(
            ...(await on.lifecycle.revoke([revocationRequest(target)], at(5), revokedAudit(at(5)))),
          );
        }
        const groups = await Promise.all(
          [0, 1, 2, 3].map((g) =>
            (g % 2 === 0 ? store : other).lifecycle.revoke(
              targets.slice(20 + g * 5, 25 + g * 5).map((t) => revocationRequest(t)),
              at(6),
              revokedAudit(at(6)),
            ),
          ),
        );
        results.push(...groups.flat());
        issuing = false;
        await Promise.all(issuers);

        assert.deepEqual(results, Array<string>(40).fill('revoked'));
        assert.ok(issued >= 32);
        for (const target of targets) {
          assert.equal((await store.certificates.get(target.issuerId, target.serial))?.status, 'revoked');
        }
        assert.equal(await store.certificates.count({ issuerId, status: 'issued' }), issued);
        assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: seq + issued + 40 });
      } finally {
        issuing = false;
        await Promise.allSettled(issuers);
        await other.close();
      }
    });

    test('a certificate known under another issuer only is not found', async () => {
      const { store } = current();
      const [entry] = (await certificates(store, 1)) as [PreparedCertificate];
      const elsewhere = issuerRecord();
      await store.issuers.add(elsewhere);
      const results = await store.lifecycle.revoke(
        [revocationRequest({ issuerId: elsewhere.id, serial: entry.serial })],
        at(5),
        revokedAudit(at(5)),
      );
      assert.deepEqual(results, ['not-found']);
      assert.equal((await store.certificates.get(entry.issuerId, entry.serial))?.status, 'issued');
    });
  });
}
