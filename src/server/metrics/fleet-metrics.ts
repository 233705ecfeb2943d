import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import { FLEET_STATES, type FleetCounts, type FleetStatus } from '../../fleet/fleet-status.js';
import { RefreshingValue } from './refreshing-value.js';

export interface FleetMetricsOptions {
  readonly fleet: Pick<FleetStatus, 'countByState'>;
  readonly clock: Clock;
  /** The counts are recomputed at most this often, however often Prometheus scrapes. */
  readonly refreshSeconds: number;
  readonly onRefreshFailure: (error: unknown) => void;
}

/**
 * The fleet in two gauges, from one FleetStatus.countByState (one indexed statement) per refresh:
 * - `certfleet_fleet_devices{state}`: devices per state, every state present (0 included), summing to the fleet;
 * - `certfleet_fleet_at_risk_devices`: the at-risk count alone, for alert rules.
 * Devices are counted, never listed: one series per device would be a million series. When a refresh fails the
 * gauges have no samples (an `absent()` alert sees it) rather than stale counts.
 */
export class FleetMetrics {
  private readonly counts: RefreshingValue<FleetCounts>;

  constructor(registry: Registry, options: FleetMetricsOptions) {
    this.counts = new RefreshingValue((now) => options.fleet.countByState(now), {
      clock: options.clock,
      maxAgeSeconds: options.refreshSeconds,
      onFailure: options.onRefreshFailure,
    });
    const devices: Gauge<'state'> = new Gauge({
      name: 'certfleet_fleet_devices',
      help: 'Devices in each fleet state (provisioned, healthy, renewal_due, at_risk, expired, revoked, decommissioned).',
      labelNames: ['state'],
      registers: [registry],
      collect: async () => {
        const counts = await this.counts.getOrUndefined();
        devices.reset();
        if (counts) for (const state of FLEET_STATES) devices.set({ state }, counts[state]);
      },
    });
    const atRisk: Gauge = new Gauge({
      name: 'certfleet_fleet_at_risk_devices',
      help: 'Devices at risk: little time left and renewal overdue or not deployed, or repeated enrollment failures.',
      registers: [registry],
      collect: async () => {
        const counts = await this.counts.getOrUndefined();
        // Without labels, reset() would leave a 0: remove the sample instead.
        if (counts) atRisk.set(counts.at_risk);
        else atRisk.remove({});
      },
    });
  }
}
