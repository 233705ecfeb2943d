import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import type { AlertNotification } from './alert-notification.js';
import { WebhookChannel } from './webhook-channel.js';
import { verifyWebhookSignature, webhookSignature } from './webhook-signature.js';
import { sampleNotification, startHttpReceiver } from '../../test/helpers/alert-receivers.js';

const SECRET = 'whsec-test-0123456789';

/** What a receiver does, written out without our helper: HMAC-SHA256 over "<timestamp>.<raw body>". */
function receiverAccepts(
  headers: Record<string, string | string[] | undefined>,
  body: string,
  nowSeconds: number,
) {
  const timestamp = headers['x-certfleet-timestamp'];
  const signature = headers['x-certfleet-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
  return (
    expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
  );
}

describe('WebhookChannel (a local receiver verifying the signature)', () => {
  test('POSTs the notification as JSON, signed over the timestamp and the raw body', async () => {
    const receiver = await startHttpReceiver([204]);
    const clock = new ManualClock('2026-11-27T10:00:00.500Z');
    try {
      const channel = new WebhookChannel({
        name: 'siem',
        url: receiver.url,
        secret: SECRET,
        timeoutMs: 2000,
        clock,
      });
      const notification = sampleNotification();
      await channel.send(notification);
      const request = receiver.requests[0];
      assert.ok(request);
      assert.equal(
        request.headers['x-certfleet-timestamp'],
        String(Date.parse('2026-11-27T10:00:00Z') / 1000),
      );
      assert.match(String(request.headers['x-certfleet-signature']), /^sha256=[0-9a-f]{64}$/);
      const now = Date.parse('2026-11-27T10:01:00Z') / 1000;
      assert.equal(receiverAccepts(request.headers, request.body, now), true);
      assert.deepEqual(JSON.parse(request.body) as AlertNotification, notification);
      // The same check through the exported helper.
      const verified = verifyWebhookSignature({
        secret: SECRET,
        timestamp: String(request.headers['x-certfleet-timestamp']),
        signature: String(request.headers['x-certfleet-signature']),
        body: request.body,
        nowSeconds: now,
      });
      assert.deepEqual(verified, { ok: true });
    } finally {
      await receiver.close();
    }
  });

  test('a receiver refuses a tampered body, a wrong secret, and a replay outside the window', async () => {
    const receiver = await startHttpReceiver([200]);
    const clock = new ManualClock('2026-11-27T10:00:00Z');
    try {
      await new WebhookChannel({
        name: 'siem',
        url: receiver.url,
        secret: SECRET,
        timeoutMs: 2000,
        clock,
      }).send(sampleNotification());
      const request = receiver.requests[0];
      assert.ok(request);
      const now = Date.parse('2026-11-27T10:00:00Z') / 1000;
      const timestamp = request.headers['x-certfleet-timestamp'] as string;
      const signature = request.headers['x-certfleet-signature'] as string;
      const tampered = request.body.replace('7d', '1d');
      assert.notEqual(tampered, request.body);
      assert.equal(receiverAccepts(request.headers, tampered, now), false);
      assert.equal(receiverAccepts(request.headers, request.body, now + 301), false);
      const check = (input: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
        verifyWebhookSignature({
          secret: SECRET,
          timestamp,
          signature,
          body: request.body,
          nowSeconds: now,
          ...input,
        });
      assert.deepEqual(check({ body: tampered }), { ok: false, reason: 'bad signature' });
      assert.deepEqual(check({ secret: 'another' }), { ok: false, reason: 'bad signature' });
      assert.deepEqual(check({ nowSeconds: now + 301 }), {
        ok: false,
        reason: 'timestamp outside the window',
      });
      assert.deepEqual(check({ nowSeconds: now - 301 }), {
        ok: false,
        reason: 'timestamp outside the window',
      });
      assert.deepEqual(check({ timestamp: undefined }), { ok: false, reason: 'no timestamp' });
      assert.deepEqual(check({ signature: undefined }), { ok: false, reason: 'no signature' });
      assert.deepEqual(check({ signature: 'sha256=00' }), { ok: false, reason: 'bad signature' });
    } finally {
      await receiver.close();
    }
  });

  test('each attempt is signed with its own time', async () => {
    const receiver = await startHttpReceiver([200]);
    const clock = new ManualClock('2026-11-27T10:00:00Z');
    try {
      const channel = new WebhookChannel({
        name: 'siem',
        url: receiver.url,
        secret: SECRET,
        timeoutMs: 2000,
        clock,
      });
      await channel.send(sampleNotification());
      clock.advanceSeconds(3600);
      await channel.send(sampleNotification());
      const [first, second] = receiver.requests;
      assert.ok(first && second);
      assert.equal(
        Number(second.headers['x-certfleet-timestamp']) - Number(first.headers['x-certfleet-timestamp']),
        3600,
      );
      assert.notEqual(first.headers['x-certfleet-signature'], second.headers['x-certfleet-signature']);
    } finally {
      await receiver.close();
    }
  });

  test('the signature is the documented one (a fixed vector)', () => {
    // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret'
    assert.equal(
      webhookSignature('secret', '1700000000', '{"a":1}'),
      'sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686',
    );
  });
});
