import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { parsePrometheusText } from '../helpers/prometheus-text.js';
import { testConfig } from '../helpers/test-deployment.js';

/** `serve` runs the monitor's schedule when monitor.enabled, exposes it, and stops it on close. */
describe('the monitor in a running server', () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-monitor-serve-'));
    const config = testConfig(dir, { log: { level: 'silent' } });
    server = await serve(config, systemClock, {}, () => undefined);
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('probes the server’s own listener: a chain of this deployment, valid and linked', async () => {
    assert.ok(server.monitor, 'monitor.enabled is on by default');
    const { store } = server.runtime;
    await store.endpoints.add(
      { name: 'self', host: '127.0.0.1', port: server.port, sni: 'localhost', protocol: 'https' },
      systemClock.now(),
    );
    const round = await server.monitor.schedule.runRound();
    assert.equal(round.probed, 1);
    const [latest] = await store.observations.latest({ limit: 10 });
    assert.equal(latest?.endpoint.name, 'self');
    const o = latest?.observation;
    assert.equal(o?.outcome, 'ok', o?.errorMessage ?? '');
    assert.equal(o?.chainValid, true, o?.chainError ?? '');
    assert.equal(o?.hostnameMatches, true);
    assert.match(o?.protocolResult ?? '', /^HTTP \d{3}$/);
    assert.notEqual(o?.linked, null, 'the listener certificate was issued by this deployment');

    // The same observation, as Prometheus reads it (blackbox_exporter's shape).
    assert.ok(server.metricsUrl);
    const scraped = parsePrometheusText(await (await fetch(server.metricsUrl)).text());
    const labels = { endpoint: 'self', host: '127.0.0.1', port: String(server.port), protocol: 'https' };
    assert.deepEqual(
      scraped.find('certfleet_probe_success', labels).map((x) => x.value),
      [1],
    );
    assert.deepEqual(
      scraped.find('certfleet_probe_ssl_earliest_cert_expiry', labels).map((x) => x.value),
      [Math.floor((o?.chainNotAfter?.getTime() ?? 0) / 1000)],
    );
  });

  test('monitor.enabled false: no monitor', async () => {
    const off = join(dir, 'off');
    const other = await serve(
      testConfig(off, { log: { level: 'silent' }, metrics: { enabled: false }, monitor: { enabled: false } }),
      systemClock,
      {},
      () => undefined,
    );
    try {
      assert.equal(other.monitor, null);
    } finally {
      await other.close();
    }
  });
});
