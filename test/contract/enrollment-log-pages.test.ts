import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import type { EnrollmentEventRecord } from '../../src/store/records.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import { at, enrollmentEvent, uniqueDeviceId } from './store-records.js';

/** The dashboard's questions of the EnrollmentLog: a device's events by page, recent failures by cause. */
for (const engine of storeEngines) {
  describe(`EnrollmentLog device pages and failures by cause (${engine.name})`, () => {
    const current = useStore(engine);
    const device = uniqueDeviceId('events');
    const other = uniqueDeviceId('other');

    before(async () => {
      const { store } = current();
      const append = (overrides: Parameters<typeof enrollmentEvent>[0]) =>
        store.enrollments.append(enrollmentEvent(overrides));
      // The device: five events, two of them in the same millisecond (appended in this order).
      await append({ deviceId: device, at: at(10), operation: 'simpleenroll', reason: 'first' });
      await append({
        deviceId: device,
        at: at(20),
        outcome: 'refused',
        reasonCode: 'RATE_LIMITED',
        reason: 'a',
      });
      await append({
        deviceId: device,
        at: at(20),
        outcome: 'refused',
        reasonCode: 'RATE_LIMITED',
        reason: 'b',
      });
      await append({ deviceId: device, at: at(30), outcome: 'pending', reasonCode: 'manual-approval' });
      await append({ deviceId: device, at: at(40), operation: 'simplereenroll', reason: 'last' });
      // Another device, and an attempt nobody could be named for.
      await append({ deviceId: other, at: at(25), outcome: 'error', reasonCode: 'INTERNAL', reason: 'boom' });
      await append({
        deviceId: null,
        at: at(35),
        outcome: 'refused',
        reasonCode: null,
        reason: 'no identity',
      });
      // Before the failures' window (since at(15)).
      await append({
        deviceId: other,
        at: at(5),
        outcome: 'refused',
        reasonCode: 'CERT_REVOKED',
        reason: 'old',
      });
    });

    const reasons = (events: readonly EnrollmentEventRecord[]) => events.map((e) => e.reason);

    test("a device's events, newest first, ties in reverse order of appending", async () => {
      const events = await current().store.enrollments.devicePage({ deviceId: device });
      assert.deepEqual(reasons(events), ['last', null, 'b', 'a', 'first']);
      assert.ok(events.every((e) => e.deviceId === device));
      assert.equal(events[0]?.operation, 'simplereenroll');
      assert.deepEqual(events[0]?.at, at(40));
    });

    test('pages by key: each event once, across the shared millisecond', async () => {
      const { store } = current();
      const seen: EnrollmentEventRecord[] = [];
      let page = await store.enrollments.devicePage({ deviceId: device, limit: 2 });
      while (page.length > 0) {
        seen.push(...page);
        const last = page[page.length - 1]!;
        page = await store.enrollments.devicePage({
          deviceId: device,
          before: { at: last.at, id: last.id },
          limit: 2,
        });
      }
      assert.deepEqual(reasons(seen), ['last', null, 'b', 'a', 'first']);
      // Starting between the two events of at(20): only the older one of them, then the rest.
      const b = seen[2]!;
      assert.deepEqual(
        reasons(await store.enrollments.devicePage({ deviceId: device, before: { at: b.at, id: b.id } })),
        ['a', 'first'],
      );
    });

    test('an unknown device has no events; bad keys and limits are refused', async () => {
      const { store } = current();
      assert.deepEqual(await store.enrollments.devicePage({ deviceId: uniqueDeviceId() }), []);
      const malformed = (error: unknown) => isPkiError(error) && error.code === 'MALFORMED_INPUT';
      await assert.rejects(
        store.enrollments.devicePage({ deviceId: device, before: { at: new Date(Number.NaN), id: 1 } }),
        malformed,
      );
      await assert.rejects(
        store.enrollments.devicePage({ deviceId: device, before: { at: at(1), id: 1.5 } }),
        malformed,
      );
      await assert.rejects(store.enrollments.devicePage({ deviceId: device, limit: 0 }), malformed);
    });

    test('failures since a moment, by cause, newest cause first; issued and pending are not failures', async () => {
      const causes = await current().store.enrollments.failuresByCause(at(15));
      assert.deepEqual(causes, [
        { reasonCode: null, count: 1, lastAt: at(35), lastReason: 'no identity' },
        { reasonCode: 'INTERNAL', count: 1, lastAt: at(25), lastReason: 'boom' },
        // Two in the same millisecond: the one appended last is the newest.
        { reasonCode: 'RATE_LIMITED', count: 2, lastAt: at(20), lastReason: 'b' },
      ]);
    });

    test('the window: from its first millisecond on; an empty one; a bad one', async () => {
      const { store } = current();
      const all = await store.enrollments.failuresByCause(at(5));
      assert.deepEqual(
        all.map((c) => [c.reasonCode, c.count]),
        [
          [null, 1],
          ['INTERNAL', 1],
          ['RATE_LIMITED', 2],
          ['CERT_REVOKED', 1],
        ],
      );
      assert.deepEqual(await store.enrollments.failuresByCause(at(36)), []);
      await assert.rejects(
        store.enrollments.failuresByCause(new Date(Number.NaN)),
        (error) => isPkiError(error) && error.code === 'MALFORMED_INPUT',
      );
    });
  });
}
