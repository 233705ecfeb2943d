import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { NewDelivery } from '../store/delivery-log.js';
import type { AlertChannel } from './alert-channel.js';
import { DeliveryDispatcher } from './delivery-dispatcher.js';
import { EmailChannel } from './email-channel.js';
import type { RetryPolicy } from './retry-policy.js';
import { SlackChannel } from './slack-channel.js';
import { WebhookChannel } from './webhook-channel.js';
import {
  type HttpReceiver,
  type ReceiverAnswer,
  sampleNotification,
  type SmtpTestServer,
  startHttpReceiver,
  startSmtpTestServer,
} from '../../test/helpers/alert-receivers.js';

const T0 = '2026-11-27T10:00:00Z';
const RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffSeconds: 10, maxBackoffSeconds: 15 };

describe('DeliveryDispatcher with real channels and loopback peers', () => {
  let store: Store;
  let smtp: SmtpTestServer;
  const receivers: HttpReceiver[] = [];

  before(async () => {
    smtp = await startSmtpTestServer({ starttls: true });
  });
  after(async () => {
    await smtp.close();
  });
  // A store per test, so no test sees another's deliveries fall due.
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await store.close();
  });

  const receiver = async (answers: readonly ReceiverAnswer[]) => {
    const r = await startHttpReceiver(answers);
    receivers.push(r);
    return r;
  };

  const delivery = (channel: string, at: Date): NewDelivery => ({
    ruleId: 'rule-1',
    ruleName: 'expiry',
    subjectKey: 'endpoint:mqtt-1',
    event: 'firing',
    level: '7d',
    channel,
    payload: sampleNotification(),
    nextAttemptAt: at,
  });

  const dispatcher = (channels: Record<string, AlertChannel>, clock: ManualClock, timeoutMs = 2000) =>
    new DeliveryDispatcher({
      deliveries: store.alertDeliveries,
      channels: new Map(Object.entries(channels)),
      retry: RETRY,
      clock,
      sendTimeoutMs: timeoutMs,
      pollIntervalMs: 50,
    });

  test('a hanging channel delays no other: Slack and e-mail are delivered while the webhook times out', async () => {
    const clock = new ManualClock(T0);
    const slack = await receiver([200]);
    const hanging = await receiver(['hang']);
    const timeoutMs = 1500;
    const channels = {
      slack: new SlackChannel({ name: 'slack', webhookUrl: slack.url, timeoutMs }),
      hook: new WebhookChannel({ name: 'hook', url: hanging.url, secret: 's3cret', timeoutMs, clock }),
      mail: new EmailChannel({
        name: 'mail',
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        from: 'certfleet@example.com',
        to: ['ops@example.com'],
        ca: smtp.caPem,
        timeoutMs,
      }),
    };
    const [hook, slackDelivery, mail] = await store.alertDeliveries.enqueue(
      [delivery('hook', clock.now()), delivery('slack', clock.now()), delivery('mail', clock.now())],
      clock.now(),
    );
    assert.ok(hook && slackDelivery && mail);
    const mailsBefore = smtp.mails.length;
    const started = Date.now();
    const outcomes = await dispatcher(channels, clock, timeoutMs).dispatchDue();
    const elapsed = Date.now() - started;

    assert.ok(elapsed >= timeoutMs - 50, `dispatchDue waited for the hanging send (${elapsed} ms)`);
    const slackArrival = (await slack.nthRequest(1)).atMs - started;
    assert.ok(
      slackArrival < timeoutMs / 2,
      `Slack got its message after ${slackArrival} ms, not after the timeout`,
    );
    assert.equal(smtp.mails.length, mailsBefore + 1);
    assert.equal(hanging.requests.length, 1, 'the webhook receiver got the request and never answered');

    const byChannel = new Map(outcomes.map((o) => [o.channel, o]));
    assert.equal(byChannel.get('slack')?.outcome, 'delivered');
    assert.equal(byChannel.get('mail')?.outcome, 'delivered');
    assert.equal(byChannel.get('hook')?.outcome, 'retry');
    assert.match(byChannel.get('hook')?.error ?? '', /no answer within 1500 ms/);

    const stored = await store.alertDeliveries.get(hook.id);
    assert.equal(stored?.status, 'pending');
    assert.equal(stored?.attempts, 1);
    assert.deepEqual(stored?.nextAttemptAt, new Date(Date.parse(T0) + 10_000));
    assert.equal((await store.alertDeliveries.get(slackDelivery.id))?.status, 'delivered');
    assert.equal((await store.alertDeliveries.get(mail.id))?.status, 'delivered');
  });

  test('the running loop sends new deliveries while an earlier one hangs', async () => {
    const clock = new ManualClock(T0);
    const slack = await receiver([200]);
    const hanging = await receiver(['hang']);
    const timeoutMs = 3000;
    const running = dispatcher(
      {
        slack2: new SlackChannel({ name: 'slack2', webhookUrl: slack.url, timeoutMs }),
        hook2: new WebhookChannel({ name: 'hook2', url: hanging.url, secret: 's', timeoutMs, clock }),
      },
      clock,
      timeoutMs,
    );
    await store.alertDeliveries.enqueue([delivery('hook2', clock.now())], clock.now());
    running.start();
    try {
      await hanging.nthRequest(1);
      const enqueuedAt = Date.now();
      const [later] = await store.alertDeliveries.enqueue([delivery('slack2', clock.now())], clock.now());
      const arrived = await slack.nthRequest(1);
      assert.ok(
        arrived.atMs - enqueuedAt < 1000,
        `sent ${arrived.atMs - enqueuedAt} ms after it was enqueued`,
      );
      assert.ok(later);
    } finally {
      await running.stop();
    }
    const hook = (await store.alertDeliveries.list({ channel: 'hook2' }))[0];
    assert.equal(hook?.status, 'pending', 'stop() waited for the hanging attempt to be recorded');
    assert.equal(hook?.attempts, 1);
  });

  test('500 then 200: retried after the backoff, delivered on attempt 2, both attempts logged', async () => {
    const clock = new ManualClock(T0);
    const flaky = await receiver([500, 200]);
    const send = dispatcher(
      { flaky: new SlackChannel({ name: 'flaky', webhookUrl: flaky.url, timeoutMs: 2000 }) },
      clock,
    );
    const [queued] = await store.alertDeliveries.enqueue([delivery('flaky', clock.now())], clock.now());
    assert.ok(queued);

    assert.deepEqual(
      (await send.dispatchDue()).map((o) => o.outcome),
      ['retry'],
    );
    clock.advanceSeconds(9);
    assert.deepEqual(await send.dispatchDue(), [], 'not due before the backoff');
    clock.advanceSeconds(1);
    assert.deepEqual(
      (await send.dispatchDue()).map((o) => o.outcome),
      ['delivered'],
    );
    assert.equal(flaky.requests.length, 2);

    const stored = await store.alertDeliveries.get(queued.id);
    assert.equal(stored?.status, 'delivered');
    assert.equal(stored?.attempts, 2);
    assert.deepEqual(stored?.deliveredAt, new Date(Date.parse(T0) + 10_000));
    const attempts = await store.alertDeliveries.attempts(queued.id);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.outcome, a.at.toISOString()]),
      [
        [1, 'retry', '2026-11-27T10:00:00.000Z'],
        [2, 'delivered', '2026-11-27T10:00:10.000Z'],
      ],
    );
    assert.match(attempts[0]?.error ?? '', /HTTP 500/);
    assert.equal(attempts[1]?.error, null);
  });

  test('400 is not retried: failed at the first attempt', async () => {
    const clock = new ManualClock(T0);
    const refusing = await receiver([400]);
    const send = dispatcher(
      { refusing: new SlackChannel({ name: 'refusing', webhookUrl: refusing.url, timeoutMs: 2000 }) },
      clock,
    );
    const [queued] = await store.alertDeliveries.enqueue([delivery('refusing', clock.now())], clock.now());
    assert.ok(queued);
    assert.deepEqual(
      (await send.dispatchDue()).map((o) => o.outcome),
      ['failed'],
    );
    clock.advanceSeconds(3600);
    assert.deepEqual(await send.dispatchDue(), []);
    assert.equal(refusing.requests.length, 1);
    const stored = await store.alertDeliveries.get(queued.id);
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.attempts, 1);
    assert.match(stored?.lastError ?? '', /HTTP 400/);
  });

  test('always 503: backoff doubles up to the cap, then fails after maxAttempts, every attempt recorded', async () => {
    const clock = new ManualClock(T0);
    const down = await receiver([503]);
    const send = dispatcher(
      { down: new SlackChannel({ name: 'down', webhookUrl: down.url, timeoutMs: 2000 }) },
      clock,
    );
    const [queued] = await store.alertDeliveries.enqueue([delivery('down', clock.now())], clock.now());
    assert.ok(queued);
    assert.deepEqual(
      (await send.dispatchDue()).map((o) => o.outcome),
      ['retry'],
    );
    assert.deepEqual(
      (await store.alertDeliveries.get(queued.id))?.nextAttemptAt,
      new Date(Date.parse(T0) + 10_000),
    );
    clock.advanceSeconds(10);
    assert.deepEqual(
      (await send.dispatchDue()).map((o) => o.outcome),
      ['retry'],
    );
    // 20 s capped at 15 s.
    assert.deepEqual(
      (await store.alertDeliveries.get(queued.id))?.nextAttemptAt,
      new Date(Date.parse(T0) + 25_000),
    );
    clock.advanceSeconds(15);
    assert.deepEqual(
      (await send.dispatchDue()).map((o) => o.outcome),
      ['failed'],
    );
    clock.advanceSeconds(3600);
    assert.deepEqual(await send.dispatchDue(), []);

    assert.equal(down.requests.length, 3);
    const stored = await store.alertDeliveries.get(queued.id);
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.attempts, 3);
    assert.match(stored?.lastError ?? '', /HTTP 503.*gave up after 3 attempts/);
    assert.deepEqual(
      (await store.alertDeliveries.attempts(queued.id)).map((a) => a.outcome),
      ['retry', 'retry', 'failed'],
    );
  });

  test('a delivery for a channel no longer configured fails, recorded', async () => {
    const clock = new ManualClock(T0);
    const [queued] = await store.alertDeliveries.enqueue([delivery('removed', clock.now())], clock.now());
    assert.ok(queued);
    const outcomes = await dispatcher({}, clock).dispatchDue();
    assert.deepEqual(
      outcomes.map((o) => [o.id, o.outcome]),
      [[queued.id, 'failed']],
    );
    assert.equal(
      (await store.alertDeliveries.get(queued.id))?.lastError,
      "channel 'removed' is not configured",
    );
  });
});
