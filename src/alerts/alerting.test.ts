import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { openStore } from '../store/open-store.js';
import type { AlertFacts } from './alert-facts.js';
import type { AlertNotification } from './alert-notification.js';
import { Alerting } from './alerting.js';
import type { AlertsConfig } from './alerts-config-schema.js';
import { WebhookChannel } from './webhook-channel.js';
import { startHttpReceiver } from '../../test/helpers/alert-receivers.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function config(overrides: Partial<AlertsConfig> = {}): AlertsConfig {
  return {
    enabled: true,
    intervalSeconds: 60,
    dispatchIntervalSeconds: 1,
    defaultRules: true,
    timeoutSeconds: 2,
    channels: { hook: { type: 'webhook', url: 'http://unused', secretSource: 'env:UNUSED' } },
    retry: { maxAttempts: 3, initialBackoffSeconds: 1, maxBackoffSeconds: 2 },
    ...overrides,
  };
}

describe('Alerting', () => {
  test('start() adds the default rules, evaluates, and delivers; stop() ends both loops', async () => {
    const store = await openStore('sqlite::memory:');
    const receiver = await startHttpReceiver([200]);
    const clock = new ManualClock('2026-11-27T12:00:00Z');
    const facts: AlertFacts = {
      collect: (now) =>
        Promise.resolve({
          subjects: [
            {
              subjectKey: 'endpoint:1',
              label: 'mqtt.example.com:8883',
              kind: 'endpoint',
              notAfter: new Date(now.getTime() + 10 * 86_400_000),
            },
          ],
        }),
    };
    const alerting = new Alerting({
      rules: store.alertRules,
      states: store.alertStates,
      deliveries: store.alertDeliveries,
      facts,
      channels: new Map([
        [
          'hook',
          new WebhookChannel({ name: 'hook', url: receiver.url, secret: 's', timeoutMs: 2000, clock }),
        ],
      ]),
      config: config(),
      clock,
      log: silent,
    });
    try {
      await alerting.start();
      const request = await receiver.nthRequest(1);
      const notice = JSON.parse(request.body) as AlertNotification;
      assert.deepEqual([notice.rule.name, notice.level, notice.subject.key], ['expiry', '14d', 'endpoint:1']);
      assert.deepEqual(
        (await store.alertRules.list()).map((r) => [r.name, r.channels]),
        [
          ['expired', ['hook']],
          ['expiry', ['hook']],
          ['fleet-at-risk', ['hook']],
          ['hostname-mismatch', ['hook']],
          ['invalid-chain', ['hook']],
          ['unreachable', ['hook']],
        ],
      );
    } finally {
      await alerting.stop();
      await receiver.close();
    }
    const [delivery] = await store.alertDeliveries.list({});
    assert.equal(delivery?.status, 'delivered');
    await store.close();
  });

  test('with alerts.enabled off, start() does nothing', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const alerting = new Alerting({
        rules: store.alertRules,
        states: store.alertStates,
        deliveries: store.alertDeliveries,
        facts: { collect: () => Promise.reject(new Error('not to be called')) },
        channels: new Map(),
        config: config({ enabled: false }),
        clock: new ManualClock('2026-11-27T12:00:00Z'),
        log: silent,
      });
      await alerting.start();
      await alerting.stop();
      assert.deepEqual(await store.alertRules.list(), []);
    } finally {
      await store.close();
    }
  });
});
