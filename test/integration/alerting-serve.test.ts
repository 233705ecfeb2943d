import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { verifyWebhookSignature } from '../../src/alerts/webhook-signature.js';
import { systemClock } from '../../src/core/clock.js';
import { encodePem } from '../../src/pki/pem.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { type HttpReceiver, startHttpReceiver } from '../helpers/alert-receivers.js';
import { makeTestCertificate } from '../helpers/pki-fixtures.js';
import { testConfig } from '../helpers/test-deployment.js';

const DAY_MS = 86_400_000;
const SECRET = 'alerting-serve-secret';

/**
 * The watching flow end to end in a running server: the monitor probes an endpoint whose certificate expires
 * in five days, the alert rules (the defaults, created at start) judge the observation, and the signed webhook
 * receives one notice per crossing; a second evaluation sends nothing more.
 */
describe('alerting in a running server', () => {
  let dir: string;
  let server: RunningServer;
  let receiver: HttpReceiver;
  let endpoint: TlsServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-alerting-serve-'));
    receiver = await startHttpReceiver([200]);
    const now = Date.now();
    const leaf = makeTestCertificate({
      subject: 'ota.test',
      altNames: [{ type: 'dns', value: 'ota.test' }],
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 5 * DAY_MS),
    });
    endpoint = createTlsServer({
      cert: encodePem('CERTIFICATE', leaf.cert.der),
      key: leaf.key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const config = testConfig(dir, {
      log: { level: 'silent' },
      metrics: { enabled: false },
      alerts: { channels: { ops: { type: 'webhook', url: receiver.url, secretSource: 'env:HOOK_SECRET' } } },
    });
    server = await serve(config, systemClock, { HOOK_SECRET: SECRET }, () => undefined);
  });
  after(async () => {
    await server?.close();
    await receiver?.close();
    endpoint?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a probed certificate five days from expiry is announced once, signed, on the configured channel', async () => {
    const { store } = server.runtime;
    assert.ok(server.monitor);
    assert.deepEqual(
      (await store.alertRules.list()).map((r) => r.name).sort(),
      ['expired', 'expiry', 'fleet-at-risk', 'hostname-mismatch', 'invalid-chain', 'unreachable'],
      'the default rules, created at start',
    );
    const { port } = endpoint.address() as AddressInfo;
    await store.endpoints.add({ name: 'ota', host: '127.0.0.1', port, sni: 'ota.test' }, systemClock.now());
    await server.monitor.schedule.runRound();

    await server.alerting.evaluator.evaluate();
    await server.alerting.dispatcher.dispatchDue();
    const notices = receiver.requests.map((r) => {
      const check = verifyWebhookSignature({
        secret: SECRET,
        timestamp: r.headers['x-certfleet-timestamp'] as string | undefined,
        signature: r.headers['x-certfleet-signature'] as string | undefined,
        body: r.body,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      assert.deepEqual(check, { ok: true });
      return JSON.parse(r.body) as {
        rule: { name: string };
        event: string;
        level: string;
        subject: { label: string };
      };
    });
    const about = (rule: string) => notices.filter((n) => n.rule.name === rule);
    assert.equal(about('expiry').length, 1, JSON.stringify(notices));
    assert.equal(about('expiry')[0]?.event, 'firing');
    assert.equal(
      about('expiry')[0]?.level,
      '7d',
      'five days left: past the 7-day threshold, not the 1-day one',
    );
    assert.match(about('expiry')[0]?.subject.label ?? '', /^ota \(127\.0\.0\.1:\d+\)$/);
    assert.equal(about('invalid-chain').length, 1, 'self-signed: not chained to our trust');
    assert.equal(about('hostname-mismatch').length, 0, 'the certificate names ota.test');

    // Nothing crossed since: no second notice.
    const before = receiver.requests.length;
    await server.alerting.evaluator.evaluate();
    await server.alerting.dispatcher.dispatchDue();
    assert.equal(receiver.requests.length, before);
  });
});
