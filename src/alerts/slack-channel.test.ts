import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelError } from './alert-channel.js';
import { SlackChannel } from './slack-channel.js';
import { sampleNotification, startHttpReceiver } from '../../test/helpers/alert-receivers.js';

describe('SlackChannel (a local incoming-webhook receiver)', () => {
  test('POSTs Block Kit blocks with a fallback text', async () => {
    const receiver = await startHttpReceiver([200]);
    try {
      const channel = new SlackChannel({ name: 'ops', webhookUrl: receiver.url, timeoutMs: 2000 });
      await channel.send(
        sampleNotification({ summary: 'a <b> & c: certificate expires in less than 7 days' }),
      );
      assert.equal(receiver.requests.length, 1);
      const request = receiver.requests[0];
      assert.ok(request);
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/hook');
      assert.equal(request.headers['content-type'], 'application/json');
      const message = JSON.parse(request.body) as { text: string; blocks: Array<Record<string, unknown>> };
      assert.equal(message.text, 'Warning: a <b> & c: certificate expires in less than 7 days');
      assert.deepEqual(
        message.blocks.map((b) => b['type']),
        ['header', 'section', 'context'],
      );
      assert.deepEqual(message.blocks[0], {
        type: 'header',
        text: { type: 'plain_text', text: 'Warning: mqtt.example.com:8883', emoji: true },
      });
      assert.deepEqual(message.blocks[1], {
        type: 'section',
        text: {
          type: 'mrkdwn',
          // mrkdwn escapes &, < and >; the detail line follows the summary.
          text: ':warning: *a &lt;b&gt; &amp; c: certificate expires in less than 7 days*\nnotAfter 2026-12-03T00:00:00.000Z (6 d 0 h left)',
        },
      });
      const context = message.blocks[2] as { elements: Array<{ text: string }> };
      assert.match(context.elements[0]?.text ?? '', /rule expiry \(expiry\) · level 7d · endpoint:mqtt-1/);
    } finally {
      await receiver.close();
    }
  });

  test('a critical notice and a resolved notice are titled so', async () => {
    const receiver = await startHttpReceiver([200]);
    try {
      const channel = new SlackChannel({ name: 'ops', webhookUrl: receiver.url, timeoutMs: 2000 });
      await channel.send(sampleNotification({ critical: true, level: '1d' }));
      await channel.send(sampleNotification({ event: 'resolved', summary: 'Resolved: x' }));
      const texts = receiver.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
      assert.match(texts[0] ?? '', /^Critical: /);
      assert.equal(texts[1], 'Resolved: Resolved: x');
    } finally {
      await receiver.close();
    }
  });

  test('429 and 5xx are retryable; other 4xx are not; the error never repeats the secret URL', async () => {
    for (const [status, retryable] of [
      [429, true],
      [500, true],
      [503, true],
      [400, false],
      [403, false],
      [404, false],
    ] as const) {
      const receiver = await startHttpReceiver([status]);
      try {
        const channel = new SlackChannel({
          name: 'ops',
          webhookUrl: `${receiver.url}/T000/B000/secret`,
          timeoutMs: 2000,
        });
        await assert.rejects(channel.send(sampleNotification()), (error: unknown) => {
          assert.ok(error instanceof ChannelError);
          assert.equal(error.retryable, retryable, `HTTP ${status}`);
          assert.match(error.message, new RegExp(`HTTP ${status}`));
          assert.doesNotMatch(error.message, /secret|T000/);
          return true;
        });
      } finally {
        await receiver.close();
      }
    }
  });

  test('a receiver that never answers times out (retryable)', async () => {
    const receiver = await startHttpReceiver(['hang']);
    try {
      const channel = new SlackChannel({ name: 'ops', webhookUrl: receiver.url, timeoutMs: 300 });
      const started = performance.now();
      await assert.rejects(channel.send(sampleNotification()), (error: unknown) => {
        assert.ok(error instanceof ChannelError);
        assert.equal(error.retryable, true);
        assert.match(error.message, /no answer within 300 ms/);
        return true;
      });
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 290 && elapsed < 2000, `gave up after ${elapsed} ms`);
    } finally {
      await receiver.close();
    }
  });
});
