import type { FleetCounts } from '../fleet/fleet-status.js';
import type { AlertFactSet, AlertFacts } from './alert-facts.js';

/** The question of the fleet view that fleet rules need; FleetStatus answers it. */
export interface FleetCounter {
  countByState(now: Date): Promise<FleetCounts>;
}

/**
 * The fleet's facts from the fleet view: live devices are those not revoked or decommissioned; at risk
 * counts the devices at risk and those already expired (worse than at risk, and still to be dealt with).
 */
export class FleetAlertFacts implements AlertFacts {
  constructor(private readonly fleet: FleetCounter) {}

  async collect(now: Date): Promise<AlertFactSet> {
    const counts = await this.fleet.countByState(now);
    return {
      subjects: [],
      fleet: {
        total: counts.total - counts.revoked - counts.decommissioned,
        atRisk: counts.at_risk + counts.expired,
      },
    };
  }
}
