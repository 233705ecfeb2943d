import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceId, IssuerId, SerialHex } from '../../src/core/ids.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import type { DeviceChange } from '../../src/store/enrollment-recorder.js';
import { openStore } from '../../src/store/open-store.js';
import type { PresentedCertificate } from '../../src/store/records.js';
import { certfleetInProcess as run, type CliResult } from '../helpers/cli.js';
import { opensslCsr } from '../helpers/openssl.js';

const HOUR = 3600;
const DAY = 86_400;
const OPERATIONAL = 'operational' as IssuerId;

/** `certfleet fleet status` and `fleet at-risk` over a store holding one device per situation. */
describe('certfleet fleet CLI', () => {
  let dir: string;
  const serials: Record<string, string> = {};

  const ok = (r: CliResult, what: string): CliResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-fleet-'));
    ok(await run(dir, ['init']), 'init');
    // LDevIDs of two hours by default: within the profile's bounds, so no short lifetimes are needed.
    const file = join(dir, 'certfleet.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as { pki: Record<string, unknown> };
    config.pki['lifetimes'] = { ldevid: 2 * HOUR };
    await writeFile(file, JSON.stringify(config, null, 2));

    // One device issued through the CLI, with the configured lifetime.
    const csr = await opensslCsr(dir, 'cli-1', '/CN=cli-1');
    const issued = ok(
      await run(dir, ['cert', 'issue', '--profile', 'ldevid', '--csr', csr, '--device-id', 'cli-1']),
      'cert issue',
    );
    const cert = parseCertificate(issued.stdout);
    const lifetime = (cert.notAfter.getTime() - Date.now()) / 1000;
    assert.ok(Math.abs(lifetime - 2 * HOUR) < 60, `a two-hour LDevID, not ${lifetime} s`);

    // The others as the server would have recorded them, relative to now.
    const store = await openStore(`sqlite:${join(dir, 'data', 'certfleet.db')}`);
    try {
      const now = Date.now();
      const t = (seconds: number) => new Date(now + seconds * 1000);
      const record = (id: string, steps: Array<[DeviceChange, number]>) =>
        store.enrollmentRecorder.record(
          steps.map(([change, offset]) => ({
            event: {
              at: t(offset),
              deviceId: id as DeviceId,
              protocol: 'est',
              operation: 'simplereenroll',
              profile: 'ldevid',
              issuerId: OPERATIONAL,
              outcome: change.kind === 'failure' ? 'refused' : 'issued',
              reasonCode: null,
              reason: null,
              requester: `test:${id}`,
              certificateSerial: null,
            },
            device: { id: id as DeviceId, change },
          })),
        );
      const ldevid = (name: string, issuedAt: number, presented?: PresentedCertificate) => {
        const serial = `${(Object.keys(serials).length + 0x10).toString(16)}a1b2c3d4` as SerialHex;
        serials[name] = serial;
        const change: DeviceChange = {
          kind: 'ldevid',
          issuerId: OPERATIONAL,
          serial,
          notAfter: t(issuedAt + 30 * DAY),
          renewAt: t(issuedAt + 20 * DAY),
          ...(presented === undefined ? {} : { presented }),
        };
        return { step: [change, issuedAt] as [DeviceChange, number], presented: presentedOf(change) };
      };
      const presentedOf = (change: DeviceChange): PresentedCertificate => {
        assert.equal(change.kind, 'ldevid');
        return { profile: 'ldevid', issuerId: OPERATIONAL, serial: change.serial, notAfter: change.notAfter };
      };

      await record('ok-1', [ldevid('ok-1', -DAY).step]);
      await record('due-1', [ldevid('due-1', -21 * DAY).step]);
      await record('overdue-1', [ldevid('overdue-1', -25 * DAY).step]);
      const stuck = ldevid('stuck-1', -28 * DAY);
      await record('stuck-1', [
        stuck.step,
        ldevid('stuck-2', -8 * DAY, stuck.presented).step,
        ldevid('stuck-3', -2 * HOUR, stuck.presented).step,
        ldevid('stuck-4', -HOUR, stuck.presented).step,
      ]);
      const failing = ldevid('failing-1', -2 * DAY);
      await record('failing-1', [
        failing.step,
        [{ kind: 'failure', reason: 'CERT_REVOKED', presented: failing.presented }, -3 * HOUR],
        [{ kind: 'failure', reason: 'CERT_REVOKED', presented: failing.presented }, -2 * HOUR],
        [
          {
            kind: 'failure',
            reason: 'renewal: the public key is the current one',
            presented: failing.presented,
          },
          -HOUR,
        ],
      ]);
      await record('expired-1', [ldevid('expired-1', -40 * DAY).step]);
      await store.devices.recordIdevid(
        'idle-1' as DeviceId,
        { issuerId: 'factory' as IssuerId, serial: '0abc' as SerialHex, productLine: null },
        t(-DAY),
      );
      await record('gone-1', [ldevid('gone-1', -25 * DAY).step]);
      await store.devices.decommission('gone-1' as DeviceId, t(-HOUR));
    } finally {
      await store.close();
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('--help names every option', async () => {
    const cases: Array<{ args: string[]; mentions: RegExp[] }> = [
      { args: ['fleet'], mentions: [/status/, /at-risk/] },
      { args: ['fleet', 'status'], mentions: [/--margin <duration>/, /--failures <n>/, /--json/] },
      {
        args: ['fleet', 'at-risk'],
        mentions: [/--within <duration>/, /--failures <n>/, /--limit <n>/, /--offset <n>/, /--json/],
      },
    ];
    for (const c of cases) {
      const r = ok(await run(dir, [...c.args, '--help']), c.args.join(' '));
      for (const mention of c.mentions) assert.match(r.stdout, mention, `${c.args.join(' ')}: ${mention}`);
    }
  });

  test('fleet status counts the devices per state', async () => {
    const table = ok(await run(dir, ['fleet', 'status']), 'fleet status').stdout;
    assert.match(table, /at risk: less than 1w left, or 3 failures in a row/);
    const counts: Record<string, number> = {};
    for (const m of table.matchAll(
      /^(healthy|renewal due|at risk|expired|provisioned|revoked|decommissioned|total)\s+(\d+)$/gm,
    )) {
      counts[m[1] ?? ''] = Number(m[2]);
    }
    assert.deepEqual(counts, {
      healthy: 2, // ok-1 and the device issued through the CLI
      'renewal due': 1,
      'at risk': 3,
      expired: 1,
      provisioned: 1,
      revoked: 0,
      decommissioned: 1,
      total: 9,
    });

    const json = JSON.parse(
      ok(await run(dir, ['fleet', 'status', '--margin', '10d', '--json']), 'json').stdout,
    ) as {
      marginSeconds: number;
      failureThreshold: number;
      counts: Record<string, number>;
    };
    assert.equal(json.marginSeconds, 10 * DAY);
    assert.equal(json.failureThreshold, 3);
    assert.equal(json.counts['at_risk'], 4, 'the device due has 9 days left');
    assert.equal(json.counts['renewal_due'], 0);
    assert.equal(json.counts['total'], 9);
  });

  test('fleet at-risk lists each device with its reason and the certificate in use', async () => {
    const out = ok(await run(dir, ['fleet', 'at-risk']), 'fleet at-risk').stdout;
    const rows = out.trim().split('\n');
    assert.match(
      rows[0] ?? '',
      /^DEVICE\s+REASON\s+CERTIFICATE IN USE\s+NOT AFTER\s+LEFT\s+LAST SUCCESS\s+LAST FAILURE/,
    );
    assert.deepEqual(
      rows.slice(1).map((r) => r.split(/\s+/).slice(0, 3)),
      [
        ['stuck-1', 'renewed-not-deployed', serials['stuck-1']], // the first LDevID, 2 days left
        ['overdue-1', 'renewal-overdue', serials['overdue-1']], // 5 days left
        ['failing-1', 'repeated-failures', serials['failing-1']], // 28 days left
      ],
    );
    assert.match(rows[1] ?? '', /\s1d\s/, 'time left, rounded down');
    assert.match(rows[3] ?? '', /\s3\s+renewal: the public key is the current one$/);
  });

  test('--within, --failures, --limit and --offset change what is listed; --json', async () => {
    const listed = async (...args: string[]) =>
      ok(await run(dir, ['fleet', 'at-risk', ...args]), args.join(' '))
        .stdout.trim()
        .split('\n')
        .slice(1)
        .map((r) => r.split(/\s+/)[0]);
    assert.deepEqual(await listed('--within', '10d'), ['stuck-1', 'overdue-1', 'due-1', 'failing-1']);
    assert.deepEqual(await listed('--within', '1d'), ['failing-1']);
    assert.deepEqual(await listed('--failures', '4'), ['stuck-1', 'overdue-1']);
    assert.deepEqual(await listed('--limit', '1'), ['stuck-1']);
    assert.deepEqual(await listed('--limit', '1', '--offset', '1'), ['overdue-1']);
    const limited = await run(dir, ['fleet', 'at-risk', '--limit', '2']);
    assert.match(limited.stderr, /--offset 2 for more/);

    const none = ok(await run(dir, ['fleet', 'at-risk', '--within', '1s', '--failures', '9']), 'none');
    assert.match(none.stdout, /^No devices at risk/);

    const json = JSON.parse(ok(await run(dir, ['fleet', 'at-risk', '--json']), 'json').stdout) as {
      marginSeconds: number;
      devices: Array<Record<string, unknown> & { inUse: { serial: string; secondsLeft: number } | null }>;
    };
    assert.equal(json.marginSeconds, 7 * DAY);
    const stuck = json.devices[0];
    assert.equal(stuck?.['deviceId'], 'stuck-1');
    assert.equal(stuck?.['reason'], 'renewed-not-deployed');
    assert.equal(stuck?.inUse?.serial, serials['stuck-1']);
    assert.equal(stuck?.['newestSerial'], serials['stuck-4']);
    assert.ok(Math.abs((stuck?.inUse?.secondsLeft ?? 0) - 2 * DAY) < 120);
    assert.equal(json.devices[2]?.['consecutiveFailures'], 3);
  });

  test('a bad duration or count is a usage error', async () => {
    for (const args of [
      ['fleet', 'at-risk', '--within', 'soon'],
      ['fleet', 'status', '--margin', '-1d'],
      ['fleet', 'at-risk', '--limit', '0'],
      ['fleet', 'status', '--failures', 'x'],
    ]) {
      const r = await run(dir, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  test('config check refuses a lifetime out of bounds with its JSON path, unless short lifetimes are allowed', async () => {
    const file = join(dir, 'certfleet.json');
    const original = await readFile(file, 'utf8');
    const config = JSON.parse(original) as { pki: Record<string, unknown> };
    try {
      config.pki['lifetimes'] = { ldevid: 90 };
      await writeFile(file, JSON.stringify(config));
      const refused = await run(dir, ['config', 'check']);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /\/pki\/lifetimes\/ldevid: 90s is shorter than the ldevid profile's minimum 1h/,
      );
      assert.match(refused.stderr, /allowShortLifetimes/);

      config.pki['allowShortLifetimes'] = true;
      await writeFile(file, JSON.stringify(config));
      ok(await run(dir, ['config', 'check']), 'config check with short lifetimes');
    } finally {
      await writeFile(file, original);
    }
  });
});
