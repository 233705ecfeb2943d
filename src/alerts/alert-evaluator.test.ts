import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import type { NewAlertRule } from '../store/alert-rules.js';
import type { DeliveryRecord } from '../store/delivery-log.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { AlertFactSet, AlertFacts, ExpiringSubject, FleetFacts } from './alert-facts.js';
import { AlertEvaluator, type EvaluationReport } from './alert-evaluator.js';
import type { AlertNotification } from './alert-notification.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-11-27T12:00:00Z');

/** Facts the test sets before each evaluation. */
class FakeFacts implements AlertFacts {
  subjects: ExpiringSubject[] = [];
  fleet: FleetFacts | undefined;

  collect(): Promise<AlertFactSet> {
    return Promise.resolve(
      this.fleet === undefined ? { subjects: this.subjects } : { subjects: this.subjects, fleet: this.fleet },
    );
  }
}

function rule(
  name: string,
  condition: NewAlertRule['condition'],
  overrides: Partial<NewAlertRule> = {},
): NewAlertRule {
  return {
    name,
    condition,
    subjects: {},
    channels: ['slack', 'mail'],
    enabled: true,
    quietHours: null,
    ...overrides,
  };
}

describe('AlertEvaluator', () => {
  let store: Store;
  let clock: ManualClock;
  let facts: FakeFacts;
  let seen: number;

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    clock = new ManualClock(T0);
    facts = new FakeFacts();
    seen = 0;
  });
  afterEach(async () => {
    await store.close();
  });

  const evaluator = (quietHours: NewAlertRule['quietHours'] = null) =>
    new AlertEvaluator({ rules: store.alertRules, states: store.alertStates, facts, clock, quietHours });

  /** The deliveries enqueued since the last call, oldest first. */
  const newDeliveries = async (): Promise<DeliveryRecord[]> => {
    const all = [...(await store.alertDeliveries.list({ limit: 10_000 }))].reverse();
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  };
  const notices = async () => (await newDeliveries()).map((d) => `${d.event} ${d.level} ${d.channel}`);

  const endpoint = (notAfterMs: number, extra: Partial<ExpiringSubject> = {}): ExpiringSubject => ({
    subjectKey: 'endpoint:mqtt-1',
    label: 'mqtt.example.com:8883',
    kind: 'endpoint',
    notAfter: new Date(notAfterMs),
    ...extra,
  });

  test('expiry: one notice per threshold crossed, none while the level holds, one resolved at renewal', async () => {
    await store.alertRules.add(
      rule('expiry', { kind: 'expiry', thresholdsDays: [30, 14, 7, 1] }),
      clock.now(),
    );
    const notAfter = T0 + 40 * DAY_MS;
    facts.subjects = [endpoint(notAfter)];
    const steps: Array<[string, number, string[]]> = [
      ['40 days left', T0, []],
      ['29 days left: crosses 30', notAfter - 29 * DAY_MS, ['firing 30d slack', 'firing 30d mail']],
      ['20 days left: still 30', notAfter - 20 * DAY_MS, []],
      ['13 days left: crosses 14', notAfter - 13 * DAY_MS, ['firing 14d slack', 'firing 14d mail']],
      ['13 days left again', notAfter - 13 * DAY_MS + 60_000, []],
      ['6.5 days: crosses 7', notAfter - 6.5 * DAY_MS, ['firing 7d slack', 'firing 7d mail']],
      ['12 hours: crosses 1', notAfter - 0.5 * DAY_MS, ['firing 1d slack', 'firing 1d mail']],
      ['expired: the expiry rule stays at 1d', notAfter + DAY_MS, []],
    ];
    for (const [what, at, expected] of steps) {
      clock.set(at);
      await evaluator().evaluate();
      assert.deepEqual(await notices(), expected, what);
    }
    // Renewed: a new certificate with 90 days.
    facts.subjects = [endpoint(clock.now().getTime() + 90 * DAY_MS)];
    const report = await evaluator().evaluate();
    assert.deepEqual(await notices(), ['resolved 1d slack', 'resolved 1d mail']);
    assert.equal(report.resolved, 1);
    await evaluator().evaluate();
    assert.deepEqual(await notices(), [], 'resolved once');

    const state = await store.alertStates.get(
      (await store.alertRules.get('expiry'))?.id ?? '',
      'endpoint:mqtt-1',
    );
    assert.equal(state?.level, null);
    assert.equal(state?.notifiedLevel, '1d');
    assert.deepEqual(state?.resolvedAt, clock.now());
  });

  test('expiry: 30 straight to 7 days notifies once, for 7', async () => {
    await store.alertRules.add(
      rule('expiry', { kind: 'expiry', thresholdsDays: [30, 14, 7, 1] }),
      clock.now(),
    );
    facts.subjects = [endpoint(T0 + 40 * DAY_MS)];
    await evaluator().evaluate();
    facts.subjects = [endpoint(T0 + 5 * DAY_MS)];
    const report = await evaluator().evaluate();
    assert.deepEqual(await notices(), ['firing 7d slack', 'firing 7d mail']);
    assert.deepEqual(report, { at: clock.now(), rules: 1, firing: 1, resolved: 0, silent: 0, conflicts: 0 });
  });

  test('the notification carries the facts, and the payload is what channels get', async () => {
    await store.alertRules.add(
      rule('expiry', { kind: 'expiry', thresholdsDays: [14] }, { channels: ['slack'] }),
      clock.now(),
    );
    facts.subjects = [endpoint(T0 + 10 * DAY_MS)];
    await evaluator().evaluate();
    const [delivery] = await newDeliveries();
    const payload = delivery?.payload as AlertNotification;
    assert.deepEqual(payload, {
      event: 'firing',
      rule: { name: 'expiry', kind: 'expiry' },
      subject: { key: 'endpoint:mqtt-1', label: 'mqtt.example.com:8883', kind: 'endpoint' },
      level: '14d',
      critical: false,
      summary: 'mqtt.example.com:8883: certificate expires in less than 14 days',
      detail: 'notAfter 2026-12-07T12:00:00.000Z (10 d 0 h left)',
      at: '2026-11-27T12:00:00.000Z',
      firingSince: '2026-11-27T12:00:00.000Z',
      notAfter: '2026-12-07T12:00:00.000Z',
    });
    assert.deepEqual(delivery?.nextAttemptAt, clock.now());
  });

  test('a better level that does not clear is silent, and crossing again notifies again', async () => {
    await store.alertRules.add(
      rule('expiry', { kind: 'expiry', thresholdsDays: [30, 7] }, { channels: ['slack'] }),
      clock.now(),
    );
    facts.subjects = [endpoint(T0 + 5 * DAY_MS)];
    await evaluator().evaluate();
    assert.deepEqual(await notices(), ['firing 7d slack']);
    // Renewed with a short certificate: 20 days left, still within 30.
    facts.subjects = [endpoint(T0 + 20 * DAY_MS)];
    const report = await evaluator().evaluate();
    assert.equal(report.silent, 1);
    assert.deepEqual(await notices(), []);
    clock.set(T0 + 14 * DAY_MS);
    await evaluator().evaluate();
    assert.deepEqual(await notices(), ['firing 7d slack']);
  });

  test('expired, invalid chain, hostname mismatch and unreachable fire once and resolve once', async () => {
    const channels = ['slack'];
    await store.alertRules.add(rule('expired', { kind: 'expired' }, { channels }), clock.now());
    await store.alertRules.add(rule('chain', { kind: 'invalid-chain' }, { channels }), clock.now());
    await store.alertRules.add(rule('name', { kind: 'hostname-mismatch' }, { channels }), clock.now());
    await store.alertRules.add(rule('down', { kind: 'unreachable', failures: 3 }, { channels }), clock.now());
    const byRule = async () => (await newDeliveries()).map((d) => `${d.ruleName} ${d.event}`).sort();

    facts.subjects = [
      endpoint(T0 + DAY_MS, { chainValid: true, hostnameMatches: true, consecutiveFailures: 2 }),
    ];
    await evaluator().evaluate();
    assert.deepEqual(await byRule(), []);

    clock.set(T0 + 2 * DAY_MS);
    facts.subjects = [
      endpoint(T0 + DAY_MS, { chainValid: false, hostnameMatches: false, consecutiveFailures: 3 }),
    ];
    await evaluator().evaluate();
    assert.deepEqual(await byRule(), ['chain firing', 'down firing', 'expired firing', 'name firing']);

    facts.subjects = [
      endpoint(T0 + DAY_MS, { chainValid: false, hostnameMatches: false, consecutiveFailures: 7 }),
    ];
    await evaluator().evaluate();
    assert.deepEqual(await byRule(), []);

    // Unknown facts (the endpoint cannot be reached, so nothing is known of its certificate) change nothing.
    facts.subjects = [
      {
        subjectKey: 'endpoint:mqtt-1',
        label: 'mqtt.example.com:8883',
        kind: 'endpoint',
        consecutiveFailures: 8,
      },
    ];
    await evaluator().evaluate();
    assert.deepEqual(await byRule(), []);

    facts.subjects = [
      endpoint(T0 + 90 * DAY_MS, { chainValid: true, hostnameMatches: true, consecutiveFailures: 0 }),
    ];
    await evaluator().evaluate();
    assert.deepEqual(await byRule(), [
      'chain resolved',
      'down resolved',
      'expired resolved',
      'name resolved',
    ]);
  });

  test('a firing subject that leaves the facts (a superseded certificate) resolves', async () => {
    await store.alertRules.add(
      rule('expiry', { kind: 'expiry', thresholdsDays: [30] }, { channels: ['slack'] }),
      clock.now(),
    );
    facts.subjects = [
      {
        subjectKey: 'certificate:operational:0a0b',
        label: 'code-signing build',
        kind: 'certificate',
        notAfter: new Date(T0 + DAY_MS),
      },
    ];
    await evaluator().evaluate();
    assert.deepEqual(await notices(), ['firing 30d slack']);
    facts.subjects = [];
    await evaluator().evaluate();
    const [resolved] = await newDeliveries();
    assert.equal(resolved?.event, 'resolved');
    assert.equal((resolved?.payload as AlertNotification).detail, 'the subject is no longer watched');
    assert.equal((resolved?.payload as AlertNotification).subject.kind, 'certificate');
  });

  test('filters: subject kind and label glob', async () => {
    await store.alertRules.add(
      rule(
        'prod-expiry',
        { kind: 'expiry', thresholdsDays: [30] },
        { channels: ['slack'], subjects: { kind: 'endpoint', labelPattern: '*.prod.example.com:*' } },
      ),
      clock.now(),
    );
    const soon = new Date(T0 + DAY_MS);
    facts.subjects = [
      { subjectKey: 'endpoint:a', label: 'mqtt.prod.example.com:8883', kind: 'endpoint', notAfter: soon },
      { subjectKey: 'endpoint:b', label: 'mqtt.test.example.com:8883', kind: 'endpoint', notAfter: soon },
      {
        subjectKey: 'issuer:operational',
        label: 'x.prod.example.com:1',
        kind: 'certificate',
        notAfter: soon,
      },
    ];
    await evaluator().evaluate();
    assert.deepEqual(
      (await newDeliveries()).map((d) => d.subjectKey),
      ['endpoint:a'],
    );
  });

  test('a disabled rule is not evaluated', async () => {
    await store.alertRules.add(rule('expired', { kind: 'expired' }, { enabled: false }), clock.now());
    facts.subjects = [endpoint(T0 - DAY_MS)];
    const report = await evaluator().evaluate();
    assert.equal(report.rules, 0);
    assert.deepEqual(await notices(), []);
  });

  test('fleet rule by count: above 0 at risk fires once, resolves at 0; unknown fleet changes nothing', async () => {
    await store.alertRules.add(
      rule('fleet', { kind: 'fleet-at-risk', aboveCount: 0 }, { channels: ['slack'] }),
      clock.now(),
    );
    const steps: Array<[FleetFacts | undefined, string[]]> = [
      [{ total: 100, atRisk: 0 }, []],
      [{ total: 100, atRisk: 2 }, ['firing firing slack']],
      [{ total: 100, atRisk: 3 }, []],
      [undefined, []],
      [{ total: 100, atRisk: 0 }, ['resolved firing slack']],
    ];
    for (const [fleet, expected] of steps) {
      facts.fleet = fleet;
      await evaluator().evaluate();
      assert.deepEqual(await notices(), expected, JSON.stringify(fleet));
    }
  });

  test('fleet rule by share: above 5 % of the live fleet', async () => {
    await store.alertRules.add(
      rule('fleet-share', { kind: 'fleet-at-risk', aboveShare: 0.05 }, { channels: ['slack'] }),
      clock.now(),
    );
    for (const [fleet, expected] of [
      [{ total: 100, atRisk: 5 }, []],
      [{ total: 0, atRisk: 0 }, []],
      [{ total: 100, atRisk: 6 }, ['firing firing slack']],
      [{ total: 200, atRisk: 6 }, ['resolved firing slack']],
    ] as Array<[FleetFacts, string[]]>) {
      facts.fleet = fleet;
      await evaluator().evaluate();
      assert.deepEqual(await notices(), expected, JSON.stringify(fleet));
    }
    const [firing] = (await store.alertDeliveries.list({ status: 'pending' })).filter(
      (d) => d.event === 'firing',
    );
    assert.equal(
      (firing?.payload as AlertNotification).detail,
      '6 of 100 devices at risk or expired (6.0 %)',
    );
  });

  test('restart: a new evaluator on the same store notifies nothing already notified', async () => {
    await store.alertRules.add(
      rule('expiry', { kind: 'expiry', thresholdsDays: [30, 14, 7, 1] }),
      clock.now(),
    );
    await store.alertRules.add(rule('fleet', { kind: 'fleet-at-risk', aboveCount: 0 }), clock.now());
    facts.subjects = [endpoint(T0 + 10 * DAY_MS)];
    facts.fleet = { total: 10, atRisk: 1 };
    await evaluator().evaluate();
    assert.equal((await newDeliveries()).length, 4);
    const again: EvaluationReport = await evaluator().evaluate();
    assert.deepEqual(await notices(), []);
    assert.deepEqual(again, { at: clock.now(), rules: 2, firing: 0, resolved: 0, silent: 0, conflicts: 0 });
  });

  test('two evaluators at once (two nodes): each crossing is recorded and enqueued once', async () => {
    await store.alertRules.add(rule('expiry', { kind: 'expiry', thresholdsDays: [30] }), clock.now());
    facts.subjects = [endpoint(T0 + 10 * DAY_MS)];
    const reports = await Promise.all([evaluator().evaluate(), evaluator().evaluate()]);
    assert.deepEqual(await notices(), ['firing 30d slack', 'firing 30d mail']);
    assert.deepEqual(
      reports.map((r) => r.firing + r.conflicts),
      [1, 1],
    );
    assert.equal(reports[0].conflicts + reports[1].conflicts, 1);
  });

  describe('quiet hours (22:00–07:00 Europe/Berlin)', () => {
    const quiet = { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' };
    // 23:30 in Berlin (UTC+1); the quiet hours end at 07:00 Berlin, 06:00 UTC.
    const night = Date.parse('2026-11-27T22:30:00Z');
    const morning = new Date('2026-11-28T06:00:00Z');

    test('a non-critical threshold is held until the end; expired and the last day go now', async () => {
      clock.set(night);
      await store.alertRules.add(
        rule(
          'expiry',
          { kind: 'expiry', thresholdsDays: [14, 1] },
          { quietHours: quiet, channels: ['slack'] },
        ),
        clock.now(),
      );
      await store.alertRules.add(
        rule('expired', { kind: 'expired' }, { quietHours: quiet, channels: ['slack'] }),
        clock.now(),
      );
      facts.subjects = [
        endpoint(night + 10 * DAY_MS),
        { subjectKey: 'endpoint:b', label: 'b', kind: 'endpoint', notAfter: new Date(night + 3600_000) },
        { subjectKey: 'endpoint:c', label: 'c', kind: 'endpoint', notAfter: new Date(night - 3600_000) },
      ];
      await evaluator().evaluate();
      const due = (await newDeliveries()).map(
        (d) => `${d.ruleName} ${d.subjectKey} ${d.level} ${d.nextAttemptAt.toISOString()}`,
      );
      assert.deepEqual(due.sort(), [
        `expired endpoint:c firing ${new Date(night).toISOString()}`,
        `expiry endpoint:b 1d ${new Date(night).toISOString()}`,
        `expiry endpoint:c 1d ${new Date(night).toISOString()}`,
        `expiry endpoint:mqtt-1 14d ${morning.toISOString()}`,
      ]);
      const held = (await store.alertDeliveries.list({})).find((d) => d.level === '14d');
      assert.equal((held?.payload as AlertNotification).critical, false);
    });

    test('the configured default applies to rules without their own; resolved notices wait too', async () => {
      clock.set(T0);
      await store.alertRules.add(
        rule('down', { kind: 'unreachable', failures: 1 }, { channels: ['slack'] }),
        clock.now(),
      );
      facts.subjects = [endpoint(T0 + 90 * DAY_MS, { consecutiveFailures: 1 })];
      await evaluator(quiet).evaluate();
      clock.set(night);
      facts.subjects = [endpoint(T0 + 90 * DAY_MS, { consecutiveFailures: 1 })];
      await evaluator(quiet).evaluate();
      facts.subjects = [endpoint(T0 + 90 * DAY_MS, { consecutiveFailures: 0 })];
      await evaluator(quiet).evaluate();
      const [firing, resolved] = await newDeliveries();
      assert.deepEqual([firing?.event, firing?.nextAttemptAt], ['firing', new Date(T0)]);
      assert.deepEqual([resolved?.event, resolved?.nextAttemptAt], ['resolved', morning]);
    });

    test('outside the quiet hours everything goes now', async () => {
      clock.set(Date.parse('2026-11-28T12:00:00Z'));
      await store.alertRules.add(
        rule('expiry', { kind: 'expiry', thresholdsDays: [14] }, { quietHours: quiet, channels: ['slack'] }),
        clock.now(),
      );
      facts.subjects = [endpoint(clock.now().getTime() + 10 * DAY_MS)];
      await evaluator().evaluate();
      assert.deepEqual(
        (await newDeliveries()).map((d) => d.nextAttemptAt),
        [clock.now()],
      );
    });
  });
});
