import type { DeviceId } from '../core/ids.js';

/**
 * A one-time enrollment token for a device without a birth certificate ("brownfield"). Only the SHA-256 of the
 * secret is stored; the secret is shown once to the operator who made it.
 */
export interface EnrollmentTokenRecord {
  readonly id: string;
  readonly deviceId: DeviceId;
  /** The profile the token may obtain, e.g. `ldevid`. */
  readonly profile: string;
  /** The EST label (or other front-end scope) it is valid for; null for any. */
  readonly label: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly voidedAt: Date | null;
}

export interface NewEnrollmentToken {
  readonly id: string;
  /** Lower-case hex SHA-256 of the secret. */
  readonly secretSha256: string;
  readonly deviceId: DeviceId;
  readonly profile: string;
  readonly label: string | null;
  readonly createdBy: string;
  readonly expiresAt: Date;
}

export interface EnrollmentTokenQuery {
  readonly deviceId?: DeviceId;
  /** Only tokens that are unused, not voided and not expired at this time. */
  readonly usableAt?: Date;
  readonly limit?: number;
}

export interface EnrollmentTokens {
  /** CONFLICT if the id or the secret's hash exists already. */
  create(token: NewEnrollmentToken, at: Date): Promise<EnrollmentTokenRecord>;
  /** The token with this secret if it is usable at `at` (unused, not voided, not expired); nothing changes. */
  findUsable(secretSha256: string, at: Date): Promise<EnrollmentTokenRecord | undefined>;
  /**
   * Atomically marks the token with this secret used, if it is usable at `at`, and returns it. Of two
   * concurrent calls (on any number of nodes) exactly one gets the token; the other gets undefined.
   */
  consume(secretSha256: string, at: Date): Promise<EnrollmentTokenRecord | undefined>;
  /** Voids every usable token of the device (decommissioning, a new token replacing old ones); returns how many. */
  voidForDevice(deviceId: DeviceId, at: Date): Promise<number>;
  /** Newest first; default 100. */
  list(query: EnrollmentTokenQuery): Promise<readonly EnrollmentTokenRecord[]>;
}
