import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyWebhookSignature } from '../../src/alerts/webhook-signature.js';
import { openStore } from '../../src/store/open-store.js';
import {
  type HttpReceiver,
  type SmtpTestServer,
  startHttpReceiver,
  startSmtpTestServer,
} from '../helpers/alert-receivers.js';
import { certfleetInProcess as run, type CliResult } from '../helpers/cli.js';

const SECRET = 'cli-hook-secret';

/** `certfleet alerts …` against a store and configured channels pointing at loopback receivers. */
describe('certfleet alerts CLI', () => {
  let dir: string;
  let hook: HttpReceiver;
  let failing: HttpReceiver;
  let smtp: SmtpTestServer;
  const env = { HOOK_SECRET: SECRET };
  const alerts = (...args: string[]) => run(dir, ['alerts', ...args], env);

  const ok = (r: CliResult, what: string): CliResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };
  const rules = async () =>
    JSON.parse(ok(await alerts('rules', '--json'), 'rules --json').stdout) as Array<{
      name: string;
      enabled: boolean;
      channels: string[];
    }>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-alerts-'));
    hook = await startHttpReceiver([200]);
    failing = await startHttpReceiver([500]);
    smtp = await startSmtpTestServer({ starttls: true });
    // A Slack URL is a secret, read from a private file (relative to the configuration file).
    await writeFile(join(dir, 'slack.url'), `${failing.url}\n`, { mode: 0o600 });
    await chmod(join(dir, 'slack.url'), 0o600);
    await writeFile(join(dir, 'smtp-ca.pem'), smtp.caPem);
    const config = {
      store: { url: 'sqlite:./data/certfleet.db' },
      alerts: {
        timeoutSeconds: 5,
        channels: {
          hook: { type: 'webhook', url: hook.url, secretSource: 'env:HOOK_SECRET' },
          slack: { type: 'slack', webhookUrlSource: 'file:./slack.url' },
          mail: {
            type: 'email',
            host: '127.0.0.1',
            port: smtp.port,
            from: 'certfleet@example.com',
            to: ['ops@example.com'],
            caFile: './smtp-ca.pem',
          },
        },
      },
    };
    await writeFile(join(dir, 'certfleet.json'), JSON.stringify(config, null, 2));
  });
  after(async () => {
    await hook.close();
    await failing.close();
    await smtp.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('no rules at first; add-defaults adds the default rules for every configured channel, once', async () => {
    assert.match(
      ok(await alerts('rules'), 'rules').stdout,
      /No alert rules\. `certfleet alerts rule add-defaults`/,
    );
    assert.match(
      ok(await alerts('rule', 'add-defaults'), 'add-defaults').stdout,
      /^Added: expiry, expired, invalid-chain, hostname-mismatch, unreachable, fleet-at-risk\.$/m,
    );
    const listed = await rules();
    assert.deepEqual(
      listed.map((r) => r.name),
      ['expired', 'expiry', 'fleet-at-risk', 'hostname-mismatch', 'invalid-chain', 'unreachable'],
    );
    for (const r of listed) assert.deepEqual(r.channels, ['hook', 'slack', 'mail']);
    assert.match(
      ok(await alerts('rule', 'add-defaults'), 'again').stdout,
      /Every default rule exists already/,
    );
    const table = ok(await alerts('rules'), 'rules').stdout;
    assert.match(table, /^NAME +KIND +PARAMETERS/m);
    assert.match(table, /^expiry +expiry +30,14,7,1 days +all +hook,slack,mail +yes +-$/m);
    assert.match(table, /^unreachable +unreachable +3 failures +endpoint/m);
    assert.match(table, /^fleet-at-risk +fleet-at-risk +> 0 devices +fleet/m);
  });

  test('rule add with every option; enable, disable and remove', async () => {
    ok(
      await alerts(
        'rule',
        'add',
        'prod-expiry',
        '--kind',
        'expiry',
        '--thresholds',
        '60,30',
        '--subject-kind',
        'endpoint',
        '--label',
        '*.prod.example.com:*',
        '--channel',
        'hook',
        'mail',
        '--quiet-hours',
        '22:00-07:00',
        '--time-zone',
        'Europe/Berlin',
        '--disabled',
      ),
      'rule add',
    );
    const table = ok(await alerts('rules'), 'rules').stdout;
    assert.match(
      table,
      /^prod-expiry +expiry +60,30 days +endpoint '\*\.prod\.example\.com:\*' +hook,mail +no +22:00-07:00 Europe\/Berlin$/m,
    );
    ok(await alerts('rule', 'enable', 'prod-expiry'), 'enable');
    assert.equal((await rules()).find((r) => r.name === 'prod-expiry')?.enabled, true);
    ok(await alerts('rule', 'disable', 'prod-expiry'), 'disable');
    assert.equal((await rules()).find((r) => r.name === 'prod-expiry')?.enabled, false);
    ok(
      await alerts('rule', 'add', 'share', '--kind', 'fleet-at-risk', '--above-share', '0.05'),
      'fleet share',
    );
    ok(await alerts('rule', 'remove', 'share'), 'remove');
    ok(await alerts('rule', 'remove', 'prod-expiry'), 'remove');
    assert.equal(
      (await rules()).some((r) => r.name === 'prod-expiry' || r.name === 'share'),
      false,
    );
  });

  test('bad rules are refused with the reason, and nothing is added', async () => {
    const before = await rules();
    const cases: Array<[string[], number, RegExp]> = [
      [['rule', 'add', 'x1', '--kind', 'bogus'], 2, /Allowed choices are expiry/],
      [['rule', 'add', 'x2'], 2, /--kind <kind>' not specified/],
      [
        ['rule', 'add', 'x3', '--kind', 'expiry', '--thresholds', '7,14'],
        1,
        /descending.*\[MALFORMED_INPUT\]/,
      ],
      [
        ['rule', 'add', 'x4', '--kind', 'expiry', '--thresholds', 'soon'],
        2,
        /comma-separated list of whole days/,
      ],
      [
        ['rule', 'add', 'x5', '--kind', 'expiry', '--failures', '3'],
        2,
        /--failures applies to unreachable rules only/,
      ],
      [['rule', 'add', 'x6', '--kind', 'fleet-at-risk'], 2, /needs --above-count, --above-share or both/],
      [['rule', 'add', 'x7', '--kind', 'fleet-at-risk', '--above-share', '2'], 2, /fraction from 0/],
      [
        ['rule', 'add', 'x8', '--kind', 'expired', '--channel', 'pager'],
        1,
        /no alert channel is named 'pager' \(configured: hook, slack, mail\) \[NOT_FOUND\]/,
      ],
      [
        [
          'rule',
          'add',
          'x9',
          '--kind',
          'expired',
          '--quiet-hours',
          '22:00-07:00',
          '--time-zone',
          'Nowhere/Land',
        ],
        1,
        /not a time zone/,
      ],
      [
        ['rule', 'add', 'x10', '--kind', 'expired', '--time-zone', 'UTC'],
        2,
        /--time-zone goes with --quiet-hours/,
      ],
      [['rule', 'add', 'expiry', '--kind', 'expired'], 1, /'expiry' exists already \[CONFLICT\]/],
      [['rule', 'add', 'bad name', '--kind', 'expired'], 1, /not a rule name/],
      [['rule', 'remove', 'nope'], 1, /no alert rule is named 'nope' \[NOT_FOUND\]/],
      [['rule', 'enable', 'nope'], 1, /\[NOT_FOUND\]/],
      [['deliveries', '--status', 'lost'], 2, /Allowed choices are pending, delivered, failed/],
    ];
    for (const [args, code, message] of cases) {
      const result = await alerts(...args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.deepEqual(await rules(), before);
  });

  test('alerts test sends through the webhook (signed), e-mail (STARTTLS), and reports a failing Slack', async () => {
    const sent = ok(await alerts('test', 'hook'), 'test hook');
    assert.equal(sent.stdout, 'Sent a test notice through webhook channel hook.\n');
    const request = await hook.nthRequest(1);
    const verified = verifyWebhookSignature({
      secret: SECRET,
      timestamp: request.headers['x-certfleet-timestamp'] as string,
      signature: request.headers['x-certfleet-signature'] as string,
      body: request.body,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    assert.deepEqual(verified, { ok: true });
    assert.equal(
      (JSON.parse(request.body) as { summary: string }).summary,
      'certfleet test notice for channel hook',
    );

    ok(await alerts('test', 'mail'), 'test mail');
    assert.equal(smtp.mails.length, 1);
    assert.equal(smtp.mails[0]?.secure, true);
    assert.match(
      smtp.mails[0]?.raw ?? '',
      /Subject: \[certfleet WARNING\] certfleet test notice for channel mail/,
    );

    const refused = await alerts('test', 'slack');
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /test notice through slack channel slack failed: Slack webhook of channel slack answered HTTP 500/,
    );
    assert.match(refused.stderr, /\[UNAVAILABLE\]/);
    assert.doesNotMatch(refused.stderr, /127\.0\.0\.1/, 'the Slack URL is a secret');
    assert.equal(failing.requests.length, 1);

    const unknown = await alerts('test', 'pager');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no alert channel is named 'pager'/);

    const noSecret = await run(dir, ['alerts', 'test', 'hook'], {});
    assert.equal(noSecret.code, 1);
    assert.match(
      noSecret.stderr,
      /alerts\.channels\.hook\.secretSource: environment variable HOOK_SECRET .* is not set \[CONFIG_INVALID\]/,
    );
    assert.equal(hook.requests.length, 1, 'nothing sent without the secret');
  });

  test('alerts deliveries lists the log, filtered, and --json carries every attempt', async () => {
    const store = await openStore(`sqlite:${join(dir, 'data', 'certfleet.db')}`);
    try {
      const t = new Date('2026-11-27T10:00:00Z');
      const base = {
        ruleId: 'r1',
        ruleName: 'expiry',
        subjectKey: 'endpoint:mqtt-1',
        event: 'firing' as const,
        level: '7d',
        payload: { summary: 'x' },
        nextAttemptAt: t,
      };
      await store.alertDeliveries.enqueue(
        [
          { ...base, channel: 'hook' },
          { ...base, channel: 'slack' },
        ],
        t,
      );
      const [first, second] = await store.alertDeliveries.claimDue(t, { limit: 10, leaseMs: 60_000 });
      assert.ok(first && second);
      await store.alertDeliveries.recordAttempt(first, { outcome: 'delivered' }, t, 12);
      await store.alertDeliveries.recordAttempt(second, { outcome: 'failed', error: 'HTTP 400: bad' }, t, 7);
    } finally {
      await store.close();
    }
    const table = ok(await alerts('deliveries'), 'deliveries').stdout;
    assert.match(table, /^ID +CREATED +RULE +SUBJECT +EVENT +LEVEL +CHANNEL +STATUS +ATTEMPTS/m);
    assert.match(
      table,
      /^2 +2026-11-27T10:00:00Z +expiry +endpoint:mqtt-1 +firing +7d +slack +failed +1 +2026-11-27T10:00:00Z +HTTP 400: bad$/m,
    );
    assert.match(table, /^1 .* hook +delivered +1 +2026-11-27T10:00:00Z +-$/m);
    const failed = ok(await alerts('deliveries', '--status', 'failed'), 'failed').stdout;
    assert.doesNotMatch(failed, /delivered/);
    const json = JSON.parse(
      ok(await alerts('deliveries', '--json', '--channel', 'hook'), 'json').stdout,
    ) as Array<{
      id: number;
      status: string;
      attemptLog: Array<{ attempt: number; outcome: string; durationMs: number }>;
    }>;
    assert.deepEqual(
      json.map((d) => [d.id, d.status, d.attemptLog]),
      [
        [
          1,
          'delivered',
          [{ attempt: 1, at: '2026-11-27T10:00:00.000Z', outcome: 'delivered', error: null, durationMs: 12 }],
        ],
      ],
    );
  });
});
