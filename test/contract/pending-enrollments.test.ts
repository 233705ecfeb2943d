import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { PendingEnrollmentRecord } from '../../src/store/pending-enrollments.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, newPendingEnrollment, randomSerial, randomSha256 } from './store-records.js';

const OPERATIONAL = 'operational' as IssuerId;

for (const engine of storeEngines) {
  describe(`PendingEnrollments (${engine.name})`, () => {
    const current = useStore(engine);

    async function pending(): Promise<PendingEnrollmentRecord> {
      return current().store.pendingEnrollments.findOrCreate(newPendingEnrollment(), at(1));
    }

    test('findOrCreate records a pending request and reads it back exactly', async () => {
      const { store } = current();
      const request = newPendingEnrollment();
      const created = await store.pendingEnrollments.findOrCreate(request, at(1));
      const expected: PendingEnrollmentRecord = {
        ...request,
        status: 'pending',
        createdAt: at(1),
        decidedAt: null,
        decidedBy: null,
        reason: null,
        certificateIssuerId: null,
        certificateSerial: null,
      };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.pendingEnrollments.get(request.id), expected);
      assert.equal(await store.pendingEnrollments.get('pend-unknown'), undefined);
    });

    test('a repeated request finds the recorded one, whatever its status', async () => {
      const { store } = current();
      const request = newPendingEnrollment({ deviceId: null });
      const first = await store.pendingEnrollments.findOrCreate(request, at(1));
      const repeat = {
        ...newPendingEnrollment(),
        label: request.label,
        requestSha256: request.requestSha256,
      };
      assert.deepEqual(await store.pendingEnrollments.findOrCreate(repeat, at(9)), first);

      await store.pendingEnrollments.decide(request.id, 'rejected', 'operator:bob', 'unknown device', at(10));
      const again = await store.pendingEnrollments.findOrCreate(repeat, at(11));
      assert.equal(again.id, request.id);
      assert.equal(again.status, 'rejected');
      assert.equal(again.reason, 'unknown device');

      // The same request at another label is another request.
      const elsewhere = await store.pendingEnrollments.findOrCreate({ ...repeat, label: 'plant-b' }, at(12));
      assert.equal(elsewhere.id, repeat.id);
      assert.equal(elsewhere.status, 'pending');
    });

    test('concurrent repeats, on two stores, yield one record', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const { label, requestSha256 } = newPendingEnrollment();
        const records = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            (i % 2 === 0 ? store : other).pendingEnrollments.findOrCreate(
              { ...newPendingEnrollment(), label, requestSha256 },
              at(i),
            ),
          ),
        );
        const ids = new Set(records.map((r) => r.id));
        assert.equal(ids.size, 1);
        for (const record of records) assert.deepEqual(record, records[0]);
      } finally {
        await other.close();
      }
    });

    test('an id taken by another request is CONFLICT; a hash that is not SHA-256 hex MALFORMED_INPUT', async () => {
      const { store } = current();
      const first = await pending();
      await assert.rejects(
        store.pendingEnrollments.findOrCreate({ ...newPendingEnrollment(), id: first.id }, at(2)),
        (e) => isPkiError(e, 'CONFLICT'),
      );
      await assert.rejects(
        store.pendingEnrollments.findOrCreate(newPendingEnrollment({ requestSha256: 'xyz' }), at(2)),
        (e) => isPkiError(e, 'MALFORMED_INPUT'),
      );
    });

    test('pending → approved → issued', async () => {
      const { store } = current();
      const request = await pending();
      const approved = await store.pendingEnrollments.decide(
        request.id,
        'approved',
        'operator:bob',
        null,
        at(5),
      );
      assert.deepEqual(approved, {
        ...request,
        status: 'approved',
        decidedAt: at(5),
        decidedBy: 'operator:bob',
        reason: null,
      });
      const serial = randomSerial();
      await store.pendingEnrollments.markIssued(request.id, { issuerId: OPERATIONAL, serial }, at(6));
      assert.deepEqual(await store.pendingEnrollments.get(request.id), {
        ...approved,
        status: 'issued',
        certificateIssuerId: OPERATIONAL,
        certificateSerial: serial,
      });
    });

    test('pending → rejected, with the reason', async () => {
      const { store } = current();
      const request = await pending();
      const rejected = await store.pendingEnrollments.decide(
        request.id,
        'rejected',
        'operator:eve',
        'stolen',
        at(7),
      );
      assert.equal(rejected.status, 'rejected');
      assert.equal(rejected.reason, 'stolen');
      assert.deepEqual(rejected.decidedAt, at(7));
      assert.deepEqual(await store.pendingEnrollments.get(request.id), rejected);
    });

    test('decide: NOT_FOUND for an unknown id, CONFLICT unless pending, and nothing changes', async () => {
      const { store } = current();
      await assert.rejects(
        store.pendingEnrollments.decide('pend-unknown', 'approved', 'operator:bob', null, at(1)),
        (e) => isPkiError(e, 'NOT_FOUND'),
      );
      const request = await pending();
      const approved = await store.pendingEnrollments.decide(
        request.id,
        'approved',
        'operator:bob',
        null,
        at(2),
      );
      for (const decision of ['approved', 'rejected'] as const) {
        await assert.rejects(
          store.pendingEnrollments.decide(request.id, decision, 'operator:eve', 'late', at(3)),
          (e) => isPkiError(e, 'CONFLICT'),
        );
      }
      assert.deepEqual(await store.pendingEnrollments.get(request.id), approved);
    });

    test('markIssued: NOT_FOUND for an unknown id, CONFLICT unless approved', async () => {
      const { store } = current();
      const certificate = { issuerId: OPERATIONAL, serial: randomSerial() };
      await assert.rejects(store.pendingEnrollments.markIssued('pend-unknown', certificate, at(1)), (e) =>
        isPkiError(e, 'NOT_FOUND'),
      );
      const stillPending = await pending();
      await assert.rejects(store.pendingEnrollments.markIssued(stillPending.id, certificate, at(2)), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      const rejected = await pending();
      await store.pendingEnrollments.decide(rejected.id, 'rejected', 'operator:bob', null, at(2));
      await assert.rejects(store.pendingEnrollments.markIssued(rejected.id, certificate, at(3)), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      const issued = await pending();
      await store.pendingEnrollments.decide(issued.id, 'approved', 'operator:bob', null, at(2));
      await store.pendingEnrollments.markIssued(issued.id, certificate, at(3));
      const other = { issuerId: OPERATIONAL, serial: randomSerial() };
      await assert.rejects(store.pendingEnrollments.markIssued(issued.id, other, at(4)), (e) =>
        isPkiError(e, 'CONFLICT'),
      );
      assert.equal((await store.pendingEnrollments.get(issued.id))?.certificateSerial, certificate.serial);
      assert.equal((await store.pendingEnrollments.get(stillPending.id))?.status, 'pending');
    });

    test('of concurrent deciders and of concurrent issuers, on two stores, exactly one succeeds', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const stores = [store, other];
        const request = await pending();
        const decisions = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            stores[i % 2]!.pendingEnrollments.decide(
              request.id,
              i % 3 === 0 ? 'rejected' : 'approved',
              `operator:${i}`,
              null,
              at(2),
            ),
          ),
        );
        const decided = decisions.filter((d) => d.status === 'fulfilled');
        assert.equal(decided.length, 1);
        for (const d of decisions) if (d.status === 'rejected') assert.ok(isPkiError(d.reason, 'CONFLICT'));
        const winner = decided[0]!.value;
        assert.deepEqual(await store.pendingEnrollments.get(request.id), winner);

        const approved = await pending();
        await store.pendingEnrollments.decide(approved.id, 'approved', 'operator:bob', null, at(3));
        const serials = Array.from({ length: 8 }, () => randomSerial());
        const issues = await Promise.allSettled(
          serials.map((serial, i) =>
            stores[i % 2]!.pendingEnrollments.markIssued(
              approved.id,
              { issuerId: OPERATIONAL, serial },
              at(4),
            ),
          ),
        );
        const issuedIndex = issues.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        assert.equal(issuedIndex.length, 1);
        for (const r of issues) if (r.status === 'rejected') assert.ok(isPkiError(r.reason, 'CONFLICT'));
        const record = await store.pendingEnrollments.get(approved.id);
        assert.equal(record?.certificateSerial, serials[issuedIndex[0]!]);
      } finally {
        await other.close();
      }
    });

    test('lists newest first, by status, with a limit', async () => {
      const { store } = current();
      const label = `label-${randomSha256().slice(0, 8)}`;
      const created = [];
      for (let i = 0; i < 4; i += 1) {
        created.push(
          await store.pendingEnrollments.findOrCreate(newPendingEnrollment({ label }), at(1000 + i)),
        );
      }
      await store.pendingEnrollments.decide(created[1]!.id, 'approved', 'operator:bob', null, at(2000));
      const mine = (records: readonly PendingEnrollmentRecord[]) =>
        records.filter((r) => r.label === label).map((r) => r.id);
      const all = await store.pendingEnrollments.list({ limit: 10_000 });
      assert.deepEqual(mine(all), [created[3]!.id, created[2]!.id, created[1]!.id, created[0]!.id]);
      const approved = await store.pendingEnrollments.list({ status: 'approved', limit: 10_000 });
      assert.deepEqual(mine(approved), [created[1]!.id]);
      assert.ok(approved.every((r) => r.status === 'approved'));
      assert.equal((await store.pendingEnrollments.list({ limit: 2 })).length, 2);
    });
  });
}
