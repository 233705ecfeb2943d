import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';

/**
 * A device's place in the fleet view, judged at a moment `now`. The first that applies, in this order:
 * - `decommissioned`, `revoked`: the device's recorded state says so;
 * - `expired`: the certificate in use has expired;
 * - `at_risk`: see AtRiskReason;
 * - `renewal_due`: past the renewal point of the newest LDevID, which is the one in use;
 * - `provisioned`: known (by its IDevID) but never onboarded: no certificate in use;
 * - `healthy`: the rest.
 */
export type FleetState =
  'provisioned' | 'healthy' | 'renewal_due' | 'at_risk' | 'expired' | 'revoked' | 'decommissioned';

export const FLEET_STATES: readonly FleetState[] = [
  'provisioned',
  'healthy',
  'renewal_due',
  'at_risk',
  'expired',
  'revoked',
  'decommissioned',
];

/**
 * Why a device is at risk, the first that applies:
 * - `renewed-not-deployed`: two or more newer LDevIDs were issued (one may be a lost answer, see
 *   device-change-queries.ts), but the device still authenticates with an older one, and that one has less
 *   than the margin left;
 * - `repeated-failures`: at least `failureThreshold` failed attempts in a row;
 * - `renewal-overdue`: past its renewal point with less than the margin left.
 */
export type AtRiskReason = 'renewed-not-deployed' | 'repeated-failures' | 'renewal-overdue';

/** The policy a question is asked under, and the moment it is about. */
export interface FleetQuery {
  readonly now: Date;
  /** "Less than the margin left" before the certificate in use expires. */
  readonly marginSeconds: number;
  /** Consecutive failures from which a device is at risk (1 or more). */
  readonly failureThreshold: number;
}

export interface AtRiskQuery extends FleetQuery {
  readonly limit?: number;
  readonly offset?: number;
}

export interface AtRiskDevice {
  readonly deviceId: DeviceId;
  readonly productLine: string | null;
  readonly reason: AtRiskReason;
  /**
   * The certificate the device is believed to use: the newest LDevID issued to it, unless it authenticated
   * since with an older one. Null for a device never onboarded (at risk by its failures).
   */
  readonly inUse: { readonly serial: SerialHex; readonly notAfter: Date } | null;
  /** The newest LDevID issued to the device; differs from `inUse` when renewed but not deployed. */
  readonly newestSerial: SerialHex | null;
  readonly renewAt: Date | null;
  readonly consecutiveFailures: number;
  readonly lastSuccessAt: Date | null;
  readonly lastFailureAt: Date | null;
  readonly lastFailureReason: string | null;
  /** When the device last authenticated with a certificate. */
  readonly lastPresentedAt: Date | null;
}

/**
 * The fleet view's questions, each one indexed query (migration 0004), so they stay fast at a million devices:
 * the devices at risk, most urgent first (soonest expiry, then id), and the number of devices in each state.
 */
export interface FleetReader {
  atRisk(query: AtRiskQuery): Promise<readonly AtRiskDevice[]>;
  countByState(query: FleetQuery): Promise<Readonly<Record<FleetState, number>>>;
  /**
   * Devices with their state by the rules above (one device is in the state countByState counts it in), by
   * id, page by page from a key: the admin API's device list.
   */
  devices(query: FleetDeviceQuery): Promise<readonly FleetDevice[]>;
  /** One device with its state; undefined if it is not registered. */
  device(id: DeviceId, query: FleetQuery): Promise<FleetDevice | undefined>;
  /** {@link atRisk} paged by key (most urgent first) rather than by offset: stable while devices change. */
  atRiskAfter(query: AtRiskPageQuery): Promise<readonly AtRiskDevice[]>;
  /**
   * How many devices' certificates in use expire on each day of [from, from + days), by fleet state or by the
   * issuer of the certificate in use: the dashboard's expiry timeline. Revoked and decommissioned devices are
   * left out (their certificates no longer matter), as are days and keys without a device.
   */
  expiryTimeline(query: ExpiryTimelineQuery): Promise<readonly ExpiryTimelineCount[]>;
}

/** A device in the fleet view: what AtRiskDevice says of it, its state and, when at risk, why. */
export interface FleetDevice extends Omit<AtRiskDevice, 'reason'> {
  readonly state: FleetState;
  /** Set when (and only when) the state is `at_risk`. */
  readonly atRiskReason: AtRiskReason | null;
  /** The issuer and expiry of the newest LDevID (newestSerial). */
  readonly newestIssuerId: IssuerId | null;
  readonly newestNotAfter: Date | null;
  /** The birth certificate, when the device has one. */
  readonly idevidSerial: SerialHex | null;
  readonly idevidIssuerId: IssuerId | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface FleetDeviceQuery extends FleetQuery {
  /** Only devices in one of these states (an empty list matches none). */
  readonly states?: readonly FleetState[];
  readonly productLine?: string;
  /** Only devices whose id starts with this text (case-sensitive). */
  readonly idPrefix?: string;
  /** Only devices whose certificate in use was issued by this issuer. */
  readonly inUseIssuerId?: IssuerId;
  /**
   * Only devices whose certificate in use expires after `now` and at or before this moment (revoked and
   * decommissioned devices excluded: their certificates no longer matter).
   */
  readonly inUseExpiringBy?: Date;
  /** Keyset: only devices whose id sorts after this one. */
  readonly afterId?: DeviceId;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

/** Where a page of devices at risk ends: the expiry of its last device's certificate in use (null: none), and its id. */
export interface AtRiskKey {
  readonly inUseNotAfter: Date | null;
  readonly deviceId: DeviceId;
}

export interface AtRiskPageQuery extends FleetQuery {
  readonly after?: AtRiskKey;
  readonly limit?: number;
}

/** The longest expiry timeline: a year, leap day included. */
export const MAX_TIMELINE_DAYS = 366;

/** What the expiry timeline groups the devices of each day by. */
export type ExpiryTimelineGrouping = 'state' | 'issuer';

export interface ExpiryTimelineQuery extends FleetQuery {
  /** The start of the first day (the dashboard's: midnight UTC today). */
  readonly from: Date;
  /** Days of 24 hours from `from`: 1 to 366. */
  readonly days: number;
  readonly by: ExpiryTimelineGrouping;
}

/** The devices of one day and key whose certificate in use expires that day. */
export interface ExpiryTimelineCount {
  /** Days since `from`: 0 is the first day. */
  readonly day: number;
  /**
   * A FleetState (by state) or an IssuerId (by issuer); by issuer, null when the certificate in use is not in
   * the store (a device record written before its certificate, which the ledger's order should prevent).
   */
  readonly key: string | null;
  readonly count: number;
}
