import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import type { AlertRuleRecord } from '../../src/store/alert-rules.js';
import type { AlertStateValue, AlertTransition } from '../../src/store/alert-states.js';
import type { NewDelivery } from '../../src/store/delivery-log.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';

const T0 = new Date('2030-01-01T00:00:00.123Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function addRule(store: Store): Promise<AlertRuleRecord> {
  return store.alertRules.add(
    {
      name: `rule-${randomBytes(4).toString('hex')}`,
      condition: { kind: 'expiry', thresholdsDays: [30, 7] },
      subjects: {},
      channels: ['slack', 'mail'],
      enabled: true,
      quietHours: null,
    },
    T0,
  );
}

function firing(level: string, since: Date): AlertStateValue {
  return {
    label: 'mqtt.example.com:8883',
    level,
    firingSince: since,
    notifiedLevel: level,
    resolvedAt: null,
  };
}

function deliveriesFor(rule: AlertRuleRecord, subjectKey: string, level: string, when: Date): NewDelivery[] {
  return rule.channels.map((channel) => ({
    ruleId: rule.id,
    ruleName: rule.name,
    subjectKey,
    event: 'firing',
    level,
    channel,
    payload: { summary: `${subjectKey} ${level}` },
    nextAttemptAt: when,
  }));
}

function transition(rule: AlertRuleRecord, overrides: Partial<AlertTransition> = {}): AlertTransition {
  return {
    ruleId: rule.id,
    subjectKey: 'endpoint:e1',
    expectedVersion: null,
    next: firing('30d', at(0)),
    deliveries: deliveriesFor(rule, 'endpoint:e1', '30d', at(0)),
    at: at(0),
    ...overrides,
  };
}

for (const engine of storeEngines) {
  describe(`AlertStates (${engine.name})`, () => {
    const current = useStore(engine);

    test('a first transition writes the state and enqueues its deliveries together', async () => {
      const { store } = current();
      const rule = await addRule(store);
      assert.equal(await store.alertStates.transition(transition(rule)), true);
      assert.deepEqual(await store.alertStates.get(rule.id, 'endpoint:e1'), {
        ruleId: rule.id,
        subjectKey: 'endpoint:e1',
        label: 'mqtt.example.com:8883',
        level: '30d',
        firingSince: at(0),
        notifiedLevel: '30d',
        resolvedAt: null,
        updatedAt: at(0),
        version: 1,
      });
      const deliveries = await store.alertDeliveries.list({ ruleName: rule.name });
      assert.deepEqual(
        deliveries.map((d) => [d.channel, d.event, d.level, d.status, d.attempts]),
        [
          ['mail', 'firing', '30d', 'pending', 0],
          ['slack', 'firing', '30d', 'pending', 0],
        ],
      );
      assert.deepEqual(deliveries[0]?.payload, { summary: 'endpoint:e1 30d' });
    });

    test('a transition from a version that is no longer current writes nothing', async () => {
      const { store } = current();
      const rule = await addRule(store);
      assert.equal(await store.alertStates.transition(transition(rule)), true);
      // Another evaluator read "no row" too: its insert loses.
      assert.equal(
        await store.alertStates.transition(transition(rule, { next: firing('7d', at(5)) })),
        false,
      );
      const step = transition(rule, {
        expectedVersion: 1,
        next: firing('7d', at(0)),
        deliveries: deliveriesFor(rule, 'endpoint:e1', '7d', at(10)),
        at: at(10),
      });
      assert.equal(await store.alertStates.transition(step), true);
      assert.equal(await store.alertStates.transition({ ...step, at: at(11) }), false, 'version 1 is gone');
      const state = await store.alertStates.get(rule.id, 'endpoint:e1');
      assert.equal(state?.version, 2);
      assert.equal(state?.level, '7d');
      assert.deepEqual(state?.updatedAt, at(10));
      assert.deepEqual(
        (await store.alertDeliveries.list({ ruleName: rule.name })).map((d) => d.level),
        ['7d', '7d', '30d', '30d'],
      );
    });

    test('two evaluators recording the same crossing at once: one wins, its deliveries enqueued once', async () => {
      const { store, openAnother } = current();
      // PostgreSQL: a second node. SQLite: the same store (one node per SQLite file); a second connection in
      // this thread would wait in SQLite's busy handler, blocking the thread, while the first transaction
      // awaits its next statement (see sql-alert-states.ts).
      const other = engine.name === 'postgres' ? await openAnother() : store;
      try {
        const rule = await addRule(store);
        const results = await Promise.all([
          store.alertStates.transition(transition(rule)),
          other.alertStates.transition(transition(rule)),
        ]);
        assert.deepEqual([...results].sort(), [false, true]);
        assert.equal((await store.alertDeliveries.list({ ruleName: rule.name })).length, 2);
        const again = await Promise.all([
          store.alertStates.transition(transition(rule, { expectedVersion: 1, next: firing('7d', at(0)) })),
          other.alertStates.transition(transition(rule, { expectedVersion: 1, next: firing('7d', at(0)) })),
        ]);
        assert.deepEqual([...again].sort(), [false, true]);
        assert.equal((await store.alertDeliveries.list({ ruleName: rule.name })).length, 4);
      } finally {
        if (other !== store) await other.close();
      }
    });

    test('a rule that does not exist is NOT_FOUND, and nothing is enqueued', async () => {
      const { store } = current();
      const rule = await addRule(store);
      const ghost = { ...rule, id: 'no-such-rule', name: `ghost-${rule.name}` };
      await assert.rejects(store.alertStates.transition(transition(ghost)), (error: unknown) =>
        isPkiError(error, 'NOT_FOUND'),
      );
      assert.deepEqual(await store.alertDeliveries.list({ ruleName: ghost.name }), []);
      assert.equal(await store.alertStates.get('no-such-rule', 'endpoint:e1'), undefined);
    });

    test('a bad delivery or time fails the transition before anything is written', async () => {
      const { store } = current();
      const rule = await addRule(store);
      const [good] = deliveriesFor(rule, 'endpoint:e1', '30d', at(0));
      assert.ok(good);
      const bad: Array<[Partial<AlertTransition>, RegExp]> = [
        [{ deliveries: [good, { ...good, payload: 10n }] }, /not storable JSON/],
        [{ deliveries: [good, { ...good, payload: undefined }] }, /not storable JSON/],
        [{ deliveries: [{ ...good, event: 'maybe' as 'firing' }] }, /firing or resolved/],
        [
          { deliveries: [{ ...good, nextAttemptAt: new Date(Number.NaN) }] },
          /nextAttemptAt is not a valid time/,
        ],
        [{ at: new Date(Number.NaN) }, /at is not a valid time/],
        [{ next: { ...firing('30d', at(0)), firingSince: new Date(Number.NaN) } }, /firingSince/],
      ];
      for (const [overrides, message] of bad) {
        await assert.rejects(
          store.alertStates.transition(transition(rule, overrides)),
          (error: unknown) => isPkiError(error, 'MALFORMED_INPUT') && message.test(error.message),
        );
      }
      assert.equal(await store.alertStates.get(rule.id, 'endpoint:e1'), undefined);
      assert.deepEqual(await store.alertDeliveries.list({ ruleName: rule.name }), []);
    });

    test('listForRule returns the states of one rule, by subject key', async () => {
      const { store } = current();
      const rule = await addRule(store);
      const otherRule = await addRule(store);
      for (const key of ['endpoint:b', 'endpoint:a', 'issuer:root']) {
        await store.alertStates.transition(transition(rule, { subjectKey: key, deliveries: [] }));
      }
      await store.alertStates.transition(transition(otherRule, { subjectKey: 'endpoint:z', deliveries: [] }));
      assert.deepEqual(
        (await store.alertStates.listForRule(rule.id)).map((s) => s.subjectKey),
        ['endpoint:a', 'endpoint:b', 'issuer:root'],
      );
      // A resolved state keeps when it fired and what it last notified.
      const resolved = transition(rule, {
        subjectKey: 'endpoint:a',
        expectedVersion: 1,
        next: { label: 'a', level: null, firingSince: at(0), notifiedLevel: '30d', resolvedAt: at(50) },
        deliveries: [],
        at: at(50),
      });
      assert.equal(await store.alertStates.transition(resolved), true);
      const state = await store.alertStates.get(rule.id, 'endpoint:a');
      assert.deepEqual(
        [state?.level, state?.notifiedLevel, state?.firingSince, state?.resolvedAt, state?.version],
        [null, '30d', at(0), at(50), 2],
      );
    });

    test('firing lists the states with a level, by rule id and subject key, in keyset pages', async () => {
      const { store } = current();
      const rule = await addRule(store);
      const otherRule = await addRule(store);
      for (const key of ['endpoint:c', 'endpoint:a', 'endpoint:b']) {
        await store.alertStates.transition(transition(rule, { subjectKey: key, deliveries: [] }));
      }
      await store.alertStates.transition(transition(otherRule, { subjectKey: 'endpoint:z', deliveries: [] }));
      // endpoint:b resolves: no longer firing.
      await store.alertStates.transition(
        transition(rule, {
          subjectKey: 'endpoint:b',
          expectedVersion: 1,
          next: { label: 'b', level: null, firingSince: at(0), notifiedLevel: '30d', resolvedAt: at(5) },
          deliveries: [],
          at: at(5),
        }),
      );
      const pages: string[][] = [];
      let after: { ruleId: string; subjectKey: string } | undefined;
      for (;;) {
        const page = await store.alertStates.firing({
          ruleId: rule.id,
          ...(after ? { after } : {}),
          limit: 1,
        });
        if (page.length === 0) break;
        pages.push(page.map((s) => s.subjectKey));
        const last = page[page.length - 1]!;
        after = { ruleId: last.ruleId, subjectKey: last.subjectKey };
      }
      assert.deepEqual(pages, [['endpoint:a'], ['endpoint:c']]);
      // Across rules: each firing state once, in (rule id, subject key) order.
      const all = await store.alertStates.firing({ limit: 10_000 });
      const keys = all.map((s) => `${s.ruleId} ${s.subjectKey}`);
      assert.deepEqual(keys, [...keys].sort());
      assert.ok(all.every((s) => s.level !== null));
      const ours = all.filter((s) => s.ruleId === rule.id || s.ruleId === otherRule.id);
      assert.equal(ours.length, 3);
      const afterRule = await store.alertStates.firing({
        after: { ruleId: rule.id, subjectKey: 'endpoint:c' },
        limit: 10_000,
      });
      assert.ok(afterRule.every((s) => s.ruleId > rule.id));
      assert.deepEqual(await store.alertStates.firing({ ruleId: 'no-such-rule' }), []);
      await assert.rejects(store.alertStates.firing({ limit: 0 }), (error) =>
        isPkiError(error, 'MALFORMED_INPUT'),
      );
    });
  });
}
