import type { DeviceId } from '../core/ids.js';
import type { EnrollmentTokenRecord } from './enrollment-tokens.js';

/** Where a page of enrollment tokens ends: the sort key of its last token. */
export interface EnrollmentTokenKey {
  readonly createdAt: Date;
  readonly id: string;
}

export interface EnrollmentTokenPageQuery {
  readonly deviceId?: DeviceId;
  /** Only tokens that are unused, not voided and not expired at this time. */
  readonly usableAt?: Date;
  /** Keyset: only tokens older than this key (newest first). */
  readonly before?: EnrollmentTokenKey;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

export type VoidOutcome = 'voided' | 'already-voided' | 'used';

/**
 * Enrollment tokens as the admin API sees them: page by page, newest first, one by id, and voided one at a
 * time (EnrollmentTokens.voidForDevice voids all of a device's).
 */
export interface EnrollmentTokenCatalog {
  page(query: EnrollmentTokenPageQuery): Promise<readonly EnrollmentTokenRecord[]>;
  get(id: string): Promise<EnrollmentTokenRecord | undefined>;
  /**
   * Voids the token at `at` unless it was used or voided already (an expired one may still be voided: it
   * changes nothing but the record). Undefined if there is no such token; otherwise the token as it now is.
   */
  voidToken(
    id: string,
    at: Date,
  ): Promise<{ readonly outcome: VoidOutcome; readonly token: EnrollmentTokenRecord } | undefined>;
}
