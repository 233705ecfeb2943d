import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../../core/clock.js';
import { parsePrometheusText } from '../../../test/helpers/prometheus-text.js';
import type { ProbeMetricsSource, ProbeSample } from './probe-metrics-source.js';
import { ProbeMetrics } from './probe-metrics.js';

const BROKER: ProbeSample = {
  endpoint: 'broker-eu',
  host: 'mqtt.example.com',
  port: 8883,
  protocol: 'mqtts',
  success: true,
  durationSeconds: 0.125,
  earliestCertExpiry: new Date('2030-03-01T00:00:00Z'),
  observedAt: new Date('2029-12-31T23:59:30Z'),
};
const DOWN: ProbeSample = {
  endpoint: 'gateway-7',
  host: '192.0.2.7',
  port: 443,
  protocol: 'https',
  success: false,
  durationSeconds: 5,
  earliestCertExpiry: null,
  observedAt: new Date('2029-12-31T23:58:00Z'),
};

/** The fake the brief asks for: the monitor's latest observations, as the integrator will wire them. */
class FakeProbes implements ProbeMetricsSource {
  calls = 0;
  samples: readonly ProbeSample[] | Error = [BROKER, DOWN];

  latest(): Promise<readonly ProbeSample[]> {
    this.calls += 1;
    return this.samples instanceof Error ? Promise.reject(this.samples) : Promise.resolve(this.samples);
  }
}

function setUp() {
  const registry = new Registry();
  const clock = new ManualClock('2030-01-01T00:00:00Z');
  const source = new FakeProbes();
  const failures: unknown[] = [];
  new ProbeMetrics(registry, {
    source,
    clock,
    refreshSeconds: 15,
    onRefreshFailure: (e) => failures.push(e),
  });
  return { clock, source, failures, scrape: async () => parsePrometheusText(await registry.metrics()) };
}

describe('ProbeMetrics', () => {
  test('blackbox_exporter-shaped gauges per endpoint, labelled endpoint, host, port and protocol', async () => {
    const { scrape } = setUp();
    const metrics = await scrape();
    const broker = { endpoint: 'broker-eu', host: 'mqtt.example.com', port: '8883', protocol: 'mqtts' };
    const gateway = { endpoint: 'gateway-7', host: '192.0.2.7', port: '443', protocol: 'https' };
    assert.equal(metrics.value('certfleet_probe_success', broker), 1);
    assert.equal(metrics.value('certfleet_probe_success', gateway), 0);
    assert.equal(metrics.value('certfleet_probe_duration_seconds', broker), 0.125);
    assert.equal(metrics.value('certfleet_probe_duration_seconds', gateway), 5);
    assert.equal(
      metrics.value('certfleet_probe_ssl_earliest_cert_expiry', broker),
      Date.parse('2030-03-01T00:00:00Z') / 1000,
    );
    assert.deepEqual(
      metrics.find('certfleet_probe_ssl_earliest_cert_expiry', gateway),
      [],
      'no certificate received: no expiry sample (as blackbox_exporter)',
    );
    assert.equal(
      metrics.value('certfleet_probe_observed_timestamp_seconds', gateway),
      Date.parse('2029-12-31T23:58:00Z') / 1000,
    );
    for (const name of [
      'certfleet_probe_success',
      'certfleet_probe_duration_seconds',
      'certfleet_probe_ssl_earliest_cert_expiry',
      'certfleet_probe_observed_timestamp_seconds',
    ]) {
      assert.equal(metrics.types.get(name), 'gauge', name);
    }
  });

  test('the source is asked once per refresh, for all four gauges', async () => {
    const { clock, source, scrape } = setUp();
    await scrape();
    await scrape();
    assert.equal(source.calls, 1);
    clock.advanceSeconds(15);
    source.samples = [DOWN];
    const metrics = await scrape();
    assert.equal(source.calls, 2);
    assert.deepEqual(
      metrics.find('certfleet_probe_success', { endpoint: 'broker-eu' }),
      [],
      'removed endpoint',
    );
  });

  test('a failing source: no probe samples, the failure reported', async () => {
    const { source, failures, scrape } = setUp();
    source.samples = new Error('monitor store down');
    const metrics = await scrape();
    assert.deepEqual(metrics.find('certfleet_probe_success'), []);
    assert.deepEqual(metrics.find('certfleet_probe_duration_seconds'), []);
    assert.equal(failures.length, 1);
  });
});
