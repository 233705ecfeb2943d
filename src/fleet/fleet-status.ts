import type { AtRiskDevice, AtRiskReason, FleetReader, FleetState } from '../store/fleet-reader.js';
import { FLEET_STATES } from '../store/fleet-reader.js';
import { type AtRiskPolicy, atRiskPolicy } from './at-risk-policy.js';

export type { AtRiskDevice, AtRiskReason, FleetState };
export { FLEET_STATES };

/** Devices per state, and all of them. */
export type FleetCounts = Readonly<Record<FleetState, number>> & { readonly total: number };

export interface AtRiskPage extends Partial<AtRiskPolicy> {
  /** At most this many devices (default 100, at most 10 000). */
  readonly limit?: number;
  readonly offset?: number;
}

/** Devices asked for per query by allAtRisk: the store's largest page. */
const PAGE = 10_000;

/**
 * The fleet view: which devices are at risk, and how many are in each state, at a given moment and under an
 * at-risk policy (the default one, or per question). The rules are those of FleetState and AtRiskReason; the
 * store answers each question with one indexed query, so asking is cheap at a million devices.
 */
export class FleetStatus {
  readonly policy: AtRiskPolicy;

  constructor(
    private readonly reader: FleetReader,
    policy: Partial<AtRiskPolicy> = {},
  ) {
    this.policy = atRiskPolicy(policy);
  }

  /** One page of the devices at risk at `now`, most urgent first (soonest expiry, then device id). */
  atRisk(now: Date, page: AtRiskPage = {}): Promise<readonly AtRiskDevice[]> {
    const { limit, offset, ...overrides } = page;
    return this.reader.atRisk({
      now,
      ...this.policyWith(overrides),
      ...(limit === undefined ? {} : { limit }),
      ...(offset === undefined ? {} : { offset }),
    });
  }

  /** Every device at risk at `now`, page by page, each device once (the fleet may change between pages). */
  async allAtRisk(now: Date, overrides: Partial<AtRiskPolicy> = {}): Promise<readonly AtRiskDevice[]> {
    const policy = this.policyWith(overrides);
    const seen = new Map<string, AtRiskDevice>();
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.reader.atRisk({ now, ...policy, limit: PAGE, offset });
      for (const device of page) if (!seen.has(device.deviceId)) seen.set(device.deviceId, device);
      if (page.length < PAGE) return [...seen.values()];
    }
  }

  /** How many devices are in each state at `now`; the states partition the fleet. */
  async countByState(now: Date, overrides: Partial<AtRiskPolicy> = {}): Promise<FleetCounts> {
    const counts = await this.reader.countByState({ now, ...this.policyWith(overrides) });
    return { ...counts, total: FLEET_STATES.reduce((sum, state) => sum + counts[state], 0) };
  }

  private policyWith(overrides: Partial<AtRiskPolicy>): AtRiskPolicy {
    return atRiskPolicy({ ...this.policy, ...overrides });
  }
}
