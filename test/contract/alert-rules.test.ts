import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import type { AlertRuleRecord, NewAlertRule } from '../../src/store/alert-rules.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';

const T0 = new Date('2030-01-01T00:00:00.123Z');

function uniqueName(prefix = 'rule'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function newRule(overrides: Partial<NewAlertRule> = {}): NewAlertRule {
  return {
    name: uniqueName(),
    condition: { kind: 'expiry', thresholdsDays: [30, 14, 7, 1] },
    subjects: {},
    channels: ['slack', 'ops-mail'],
    enabled: true,
    quietHours: null,
    ...overrides,
  };
}

for (const engine of storeEngines) {
  describe(`AlertRules (${engine.name})`, () => {
    const current = useStore(engine);

    test('adds rules of every kind and reads them back exactly', async () => {
      const { store } = current();
      const rules: NewAlertRule[] = [
        newRule({ subjects: { kind: 'endpoint', labelPattern: '*.example.com:*' } }),
        newRule({ condition: { kind: 'expired' }, enabled: false }),
        newRule({ condition: { kind: 'invalid-chain' }, channels: [] }),
        newRule({
          condition: { kind: 'hostname-mismatch' },
          quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
        }),
        newRule({ condition: { kind: 'unreachable', failures: 3 }, subjects: { kind: 'endpoint' } }),
        newRule({ condition: { kind: 'fleet-at-risk', aboveCount: 0 }, subjects: { kind: 'fleet' } }),
        newRule({ condition: { kind: 'fleet-at-risk', aboveShare: 0.05 } }),
        newRule({ condition: { kind: 'fleet-at-risk', aboveCount: 10, aboveShare: 0.5 } }),
      ];
      for (const rule of rules) {
        const added = await store.alertRules.add(rule, T0);
        const expected: AlertRuleRecord = { ...rule, id: added.id, createdAt: T0 };
        assert.deepEqual(added, expected);
        assert.deepEqual(await store.alertRules.get(rule.name), expected);
      }
      const listed = (await store.alertRules.list()).filter((r) =>
        rules.some((rule) => rule.name === r.name),
      );
      assert.deepEqual(
        listed.map((r) => r.name),
        rules.map((r) => r.name).sort(),
      );
      assert.equal(await store.alertRules.get(uniqueName()), undefined);
    });

    test('a name is taken once: CONFLICT, and the first rule is unchanged', async () => {
      const { store } = current();
      const first = await store.alertRules.add(newRule(), T0);
      await assert.rejects(
        store.alertRules.add(newRule({ name: first.name, condition: { kind: 'expired' } }), T0),
        (error: unknown) => isPkiError(error, 'CONFLICT') && /exists already/.test(error.message),
      );
      assert.deepEqual(await store.alertRules.get(first.name), first);
    });

    test('a rule that fails its checks is refused with the reason, and nothing is written', async () => {
      const { store } = current();
      const before = await store.alertRules.list();
      const cases: Array<[Partial<NewAlertRule>, RegExp]> = [
        [{ name: 'has space' }, /not a rule name/],
        [{ name: '' }, /not a rule name/],
        [{ condition: { kind: 'expiry', thresholdsDays: [] } }, /1 to 16 thresholds/],
        [{ condition: { kind: 'expiry', thresholdsDays: [7, 14] } }, /descending/],
        [{ condition: { kind: 'expiry', thresholdsDays: [7, 7] } }, /descending/],
        [{ condition: { kind: 'expiry', thresholdsDays: [30, 0] } }, /whole days from 1/],
        [{ condition: { kind: 'expiry', thresholdsDays: [1.5] } }, /whole days from 1/],
        [{ condition: { kind: 'unreachable', failures: 0 } }, /failed probes/],
        [{ condition: { kind: 'fleet-at-risk' } }, /count, a share or both/],
        [{ condition: { kind: 'fleet-at-risk', aboveShare: 1 } }, /share/],
        [{ condition: { kind: 'fleet-at-risk', aboveCount: -1 } }, /count/],
        [
          { condition: { kind: 'fleet-at-risk', aboveCount: 1 }, subjects: { kind: 'endpoint' } },
          /judges the fleet/,
        ],
        [{ condition: { kind: 'expired' }, subjects: { kind: 'fleet' } }, /not the fleet/],
        [{ condition: { kind: 'bogus' } as unknown as NewAlertRule['condition'] }, /kind must be one of/],
        [{ subjects: { kind: 'device' as 'endpoint' } }, /subject kind/],
        [{ subjects: { labelPattern: '' } }, /label pattern/],
        [{ channels: ['ok', 'not ok'] }, /not a channel name/],
        [{ channels: ['ok', 'ok'] }, /listed twice/],
        [{ quietHours: { start: '22:00', end: '24:00', timeZone: 'UTC' } }, /HH:MM/],
        [{ quietHours: { start: '7:00', end: '08:00', timeZone: 'UTC' } }, /HH:MM/],
        [{ quietHours: { start: '08:00', end: '08:00', timeZone: 'UTC' } }, /different times/],
        [{ quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus' } }, /not a time zone/],
      ];
      for (const [overrides, message] of cases) {
        const rule = newRule(overrides);
        await assert.rejects(
          store.alertRules.add(rule, T0),
          (error: unknown) => isPkiError(error, 'MALFORMED_INPUT') && message.test(error.message),
          JSON.stringify(overrides),
        );
        if (rule.name !== '') assert.equal(await store.alertRules.get(rule.name), undefined);
      }
      assert.deepEqual(await store.alertRules.list(), before);
    });

    test('setEnabled disables and enables; an unknown name is NOT_FOUND', async () => {
      const { store } = current();
      const rule = await store.alertRules.add(newRule(), T0);
      assert.equal((await store.alertRules.setEnabled(rule.name, false)).enabled, false);
      assert.equal((await store.alertRules.get(rule.name))?.enabled, false);
      assert.deepEqual(await store.alertRules.setEnabled(rule.name, true), rule);
      const before = await store.alertRules.list();
      await assert.rejects(store.alertRules.setEnabled(uniqueName(), false), (error: unknown) =>
        isPkiError(error, 'NOT_FOUND'),
      );
      assert.deepEqual(await store.alertRules.list(), before);
    });

    test('remove takes the rule and its states, keeps its deliveries; an unknown name is NOT_FOUND', async () => {
      const { store } = current();
      const rule = await store.alertRules.add(newRule(), T0);
      const recorded = await store.alertStates.transition({
        ruleId: rule.id,
        subjectKey: 'endpoint:e1',
        expectedVersion: null,
        next: { label: 'e1', level: '30d', firingSince: T0, notifiedLevel: '30d', resolvedAt: null },
        deliveries: [
          {
            ruleId: rule.id,
            ruleName: rule.name,
            subjectKey: 'endpoint:e1',
            event: 'firing',
            level: '30d',
            channel: 'slack',
            payload: { summary: 'x' },
            nextAttemptAt: T0,
          },
        ],
        at: T0,
      });
      assert.equal(recorded, true);
      await store.alertRules.remove(rule.name);
      assert.equal(await store.alertRules.get(rule.name), undefined);
      assert.deepEqual(await store.alertStates.listForRule(rule.id), []);
      assert.equal((await store.alertDeliveries.list({ ruleName: rule.name })).length, 1);

      const before = await store.alertRules.list();
      await assert.rejects(store.alertRules.remove(rule.name), (error: unknown) =>
        isPkiError(error, 'NOT_FOUND'),
      );
      assert.deepEqual(await store.alertRules.list(), before);
    });
  });

  describe(`AlertRules.addIfNone (${engine.name})`, () => {
    const current = useStore(engine);

    test('refuses a batch with one bad rule, writing nothing', async () => {
      const { store } = current();
      await assert.rejects(
        store.alertRules.addIfNone([newRule(), newRule({ channels: ['bad name'] })], T0),
        (error: unknown) => isPkiError(error, 'MALFORMED_INPUT'),
      );
      assert.deepEqual(await store.alertRules.list(), []);
    });

    test('adds the rules to an empty store once, even from two nodes at once; then never again', async () => {
      const { store, openAnother } = current();
      const other = await openAnother();
      try {
        const defaults = [
          newRule({ name: 'expiry' }),
          newRule({ name: 'expired', condition: { kind: 'expired' } }),
        ];
        const [a, b] = await Promise.all([
          store.alertRules.addIfNone(defaults, T0),
          other.alertRules.addIfNone(defaults, T0),
        ]);
        assert.deepEqual([...a, ...b].map((r) => r.name).sort(), ['expired', 'expiry']);
        assert.deepEqual(
          (await store.alertRules.list()).map((r) => r.name),
          ['expired', 'expiry'],
        );
        await store.alertRules.remove('expired');
        assert.deepEqual(
          await store.alertRules.addIfNone(defaults, T0),
          [],
          'only when there is no rule at all',
        );
        assert.deepEqual(
          (await store.alertRules.list()).map((r) => r.name),
          ['expiry'],
        );
      } finally {
        await other.close();
      }
    });
  });
}
