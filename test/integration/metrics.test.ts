import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { toIssuerId } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { csr, type EstTestServer, startEstServer } from '../helpers/est-server.js';
import { type Exposition, parsePrometheusText } from '../helpers/prometheus-text.js';
import { run } from '../helpers/run.js';
import { testConfig } from '../helpers/test-deployment.js';

const TOKEN_ENV = 'CERTFLEET_TEST_METRICS_TOKEN';
const TOKEN = 'c2NyYXBlLW1lLWlmLXlvdS1jYW4';
const UPSTREAM_LINT =
  /^certfleet_nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

async function scrape(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('GET /metrics on a running server', () => {
  let est: EstTestServer;
  let metricsUrl: string;
  let text: string;
  let metrics: Exposition;
  before(async () => {
    est = await startEstServer({ metrics: { port: 0 } });
    metricsUrl = est.server.metricsUrl ?? '';

    // A device onboards over EST with its IDevID; a request without a station certificate is refused.
    const idevid = await est.issue('idevid', 'serialNumber=SN-METRICS-1,CN=meter');
    const enrolled = await est.client({ as: idevid }).simpleenroll(csr('CN=meter').der);
    assert.equal(enrolled.status, 'issued');
    await assert.rejects(est.client({ label: 'factory' }).simpleenroll(csr('serialNumber=SN-X').der));
    await est.issue('code-signing', 'CN=Firmware signer,O=Acme');

    const response = await scrape(metricsUrl);
    assert.equal(response.status, 200);
    assert.equal(response.type, 'text/plain; version=0.0.4; charset=utf-8');
    text = response.body;
    metrics = parsePrometheusText(text);
  });
  after(() => est.close());

  test('listens on loopback at the URL the server reports', () => {
    assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.notEqual(new URL(metricsUrl).port, '9464', 'port 0 in the test configuration');
  });

  test('the enrollment counter rose for EST: the onboarding issued, the station-less request refused', () => {
    assert.equal(
      metrics.value('certfleet_enrollments_total', {
        protocol: 'est',
        operation: 'simpleenroll',
        outcome: 'issued',
        reason: 'none',
      }),
      1,
    );
    assert.equal(
      metrics.value('certfleet_enrollments_total', {
        protocol: 'est',
        operation: 'simpleenroll',
        outcome: 'refused',
      }),
      1,
    );
    // The operator's issuances through the RA are counted under their own front end.
    assert.equal(metrics.value('certfleet_enrollments_total', { protocol: 'test', outcome: 'issued' }), 2);
  });

  test('the fleet gauge counts the onboarded device as healthy, and nothing else', () => {
    assert.equal(metrics.value('certfleet_fleet_devices', { state: 'healthy' }), 1);
    const total = metrics.find('certfleet_fleet_devices').reduce((sum, s) => sum + s.value, 0);
    assert.equal(total, 1);
    assert.equal(metrics.value('certfleet_fleet_at_risk_devices'), 0);
  });

  test("each issuer certificate's series equals its notAfter; the TLS and code-signing certificates have theirs", async () => {
    const { runtime } = est.server;
    for (const id of ['factory', 'operational']) {
      const issuer = runtime.issuers.get(toIssuerId(id)!)!;
      const series = metrics.find('certfleet_certificate_expiry_timestamp_seconds', {
        profile: 'intermediate-ca',
        serial: issuer.certificate.serial,
      });
      assert.equal(series.length, 1, id);
      assert.equal(series[0]?.labels['issuer'], 'root');
      assert.equal(series[0]?.labels['subject'], issuer.certificate.subjectText);
      assert.equal(series[0]?.value, issuer.certificate.notAfter.getTime() / 1000);
    }
    const root = parseCertificate(est.rootPem);
    assert.equal(
      metrics.value('certfleet_certificate_expiry_timestamp_seconds', {
        profile: 'root-ca',
        serial: root.serial,
      }),
      root.notAfter.getTime() / 1000,
    );
    const tls = parseCertificate(await readFile(runtime.config.server.tls.certFile, 'utf8'));
    assert.equal(
      metrics.value('certfleet_certificate_expiry_timestamp_seconds', {
        profile: 'tls-server',
        serial: tls.serial,
        issuer: 'operational',
      }),
      tls.notAfter.getTime() / 1000,
    );
    const signing = metrics.find('certfleet_certificate_expiry_timestamp_seconds', {
      profile: 'code-signing',
    });
    assert.equal(signing.length, 1);
    assert.equal(signing[0]?.labels['subject'], 'CN=Firmware signer,O=Acme');
    // Device certificates are counted by the fleet gauges, never listed one by one.
    for (const profile of ['idevid', 'ldevid']) {
      assert.deepEqual(metrics.find('certfleet_certificate_expiry_timestamp_seconds', { profile }), []);
    }
  });

  test('process metrics carry the certfleet_ prefix; no probe samples before an endpoint is probed', () => {
    assert.equal(metrics.types.get('certfleet_process_cpu_user_seconds_total'), 'counter');
    assert.ok(metrics.find('certfleet_nodejs_heap_size_used_bytes').length === 1);
    assert.equal(metrics.types.get('certfleet_probe_success'), 'gauge');
    assert.deepEqual(metrics.find('certfleet_probe_success'), []);
    assert.ok(!metrics.samples.some((s) => s.name.startsWith('process_') || s.name.startsWith('nodejs_')));
  });

  test('promtool check metrics accepts the exposition', async () => {
    const result = await run('promtool', ['check', 'metrics'], { stdin: text });
    const problems = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
    // prom-client's default metrics name three gauges `…_total`, which promtool's lint reports (exit 3).
    // Everything of certfleet's own must pass without a remark; a parse error (exit 1) fails too.
    const ours = problems.filter((line) => !UPSTREAM_LINT.test(line));
    assert.deepEqual(ours, []);
    assert.ok(result.code === 0 || result.code === 3, `promtool exited ${result.code}`);
  });
});

describe('the metrics listener off loopback', () => {
  let dir: string;
  let server: RunningServer;
  const lines: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-metrics-'));
    const config = testConfig(dir, {
      log: { level: 'silent' },
      metrics: { host: '0.0.0.0', port: 0, bearerTokenSource: `env:${TOKEN_ENV}` },
    });
    server = await serve(config, systemClock, { [TOKEN_ENV]: TOKEN }, (line) => lines.push(line));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('`certfleet serve` prints where the metrics are', () => {
    assert.ok(server.metricsUrl);
    assert.ok(lines.includes(`Prometheus metrics on ${server.metricsUrl}`), lines.join('\n'));
  });

  test('requires the bearer token: 401 without it or with another, 200 with it', async () => {
    const url = server.metricsUrl!.replace('0.0.0.0', '127.0.0.1');
    const without = await scrape(url);
    assert.equal(without.status, 401);
    assert.doesNotMatch(without.body, /certfleet_/);
    assert.equal((await scrape(url, { authorization: `Bearer ${TOKEN}-not` })).status, 401);
    const ok = await scrape(url, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.ok(parsePrometheusText(ok.body).types.has('certfleet_enrollments_total'));
  });
});

describe('metrics settings at start', () => {
  test('a listener off loopback without a token is refused before anything is created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certfleet-metrics-refused-'));
    try {
      // The configuration check refuses it (certfleet config check, and every start from a file)…
      assert.throws(
        () => testConfig(dir, { log: { level: 'silent' }, metrics: { host: '0.0.0.0', port: 0 } }),
        /\/metrics\/bearerTokenSource: required when metrics\.host \(0\.0\.0\.0\)/,
      );
      // …and so does serve, given such a configuration by an embedder that skipped the check.
      const valid = testConfig(dir, { log: { level: 'silent' } });
      const config = { ...valid, metrics: { ...valid.metrics, host: '0.0.0.0' } };
      const lines: string[] = [];
      await assert.rejects(
        serve(config, systemClock, {}, (line) => lines.push(line)),
        (error: unknown) => {
          assert.ok(isPkiError(error, 'CONFIG_INVALID'));
          assert.match(
            error.message,
            /\/metrics\/bearerTokenSource: required when metrics\.host \(0\.0\.0\.0\)/,
          );
          return true;
        },
      );
      assert.deepEqual(await readdir(dir), [], 'no PKI, store or key was created');
      assert.deepEqual(lines, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('metrics.enabled false: no listener, metricsUrl null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certfleet-metrics-off-'));
    const lines: string[] = [];
    const server = await serve(
      testConfig(dir, { log: { level: 'silent' }, metrics: { enabled: false } }),
      systemClock,
      {},
      (line) => lines.push(line),
    );
    try {
      assert.equal(server.metricsUrl, null);
      assert.ok(!lines.some((l) => l.includes('Prometheus')), lines.join('\n'));
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
