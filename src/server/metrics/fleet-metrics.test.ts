import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../../core/clock.js';
import { PkiError } from '../../core/pki-error.js';
import type { FleetCounts } from '../../fleet/fleet-status.js';
import { parsePrometheusText } from '../../../test/helpers/prometheus-text.js';
import { FleetMetrics } from './fleet-metrics.js';

const COUNTS: FleetCounts = {
  provisioned: 3,
  healthy: 90,
  renewal_due: 2,
  at_risk: 1,
  expired: 4,
  revoked: 5,
  decommissioned: 6,
  total: 111,
};

/** A FleetStatus that counts how often it is asked, and at what time. */
class FakeFleet {
  readonly asked: Date[] = [];
  counts: FleetCounts | Error = COUNTS;

  countByState(now: Date): Promise<FleetCounts> {
    this.asked.push(now);
    return this.counts instanceof Error ? Promise.reject(this.counts) : Promise.resolve(this.counts);
  }
}

function setUp(refreshSeconds = 30) {
  const registry = new Registry();
  const clock = new ManualClock('2030-01-01T00:00:00Z');
  const fleet = new FakeFleet();
  const failures: unknown[] = [];
  new FleetMetrics(registry, {
    fleet,
    clock,
    refreshSeconds,
    onRefreshFailure: (e) => failures.push(e),
  });
  return {
    registry,
    clock,
    fleet,
    failures,
    scrape: async () => parsePrometheusText(await registry.metrics()),
  };
}

describe('FleetMetrics', () => {
  test('devices per state, every state, and the at-risk count, from one count at the clock time', async () => {
    const { fleet, scrape } = setUp();
    const metrics = await scrape();
    assert.equal(metrics.types.get('certfleet_fleet_devices'), 'gauge');
    for (const state of [
      'provisioned',
      'healthy',
      'renewal_due',
      'at_risk',
      'expired',
      'revoked',
      'decommissioned',
    ] as const) {
      assert.equal(metrics.value('certfleet_fleet_devices', { state }), COUNTS[state], state);
    }
    assert.equal(metrics.find('certfleet_fleet_devices').length, 7);
    assert.equal(metrics.value('certfleet_fleet_at_risk_devices'), 1);
    assert.deepEqual(
      fleet.asked.map((d) => d.toISOString()),
      ['2030-01-01T00:00:00.000Z'],
    );
  });

  test('scrapes within refreshSeconds reuse the count; the next one after it counts again', async () => {
    const { fleet, clock, scrape } = setUp(30);
    await scrape();
    clock.advanceSeconds(29);
    await scrape();
    await scrape();
    assert.equal(fleet.asked.length, 1);
    fleet.counts = { ...COUNTS, at_risk: 9, healthy: 82 };
    clock.advanceSeconds(1);
    const metrics = await scrape();
    assert.equal(fleet.asked.length, 2);
    assert.equal(metrics.value('certfleet_fleet_at_risk_devices'), 9);
    assert.equal(metrics.value('certfleet_fleet_devices', { state: 'healthy' }), 82);
  });

  test('when the count fails, no samples (not zeros, not stale counts), one failure reported', async () => {
    const { fleet, clock, failures, scrape } = setUp(30);
    await scrape();
    clock.advanceSeconds(30);
    fleet.counts = new PkiError('UNAVAILABLE', 'the store is down');
    const metrics = await scrape();
    assert.deepEqual(metrics.find('certfleet_fleet_devices'), []);
    assert.deepEqual(metrics.find('certfleet_fleet_at_risk_devices'), []);
    assert.equal(failures.length, 1);
    assert.ok(metrics.types.has('certfleet_fleet_devices'), 'the family is still described');
    fleet.counts = COUNTS;
    assert.equal((await scrape()).value('certfleet_fleet_at_risk_devices'), 1);
  });
});
