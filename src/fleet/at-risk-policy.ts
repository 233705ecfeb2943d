import { SECONDS_PER_DAY } from '../core/duration.js';
import { PkiError } from '../core/pki-error.js';

/** When a device counts as at risk (see AtRiskReason in store/fleet-reader.ts). */
export interface AtRiskPolicy {
  /** A device is at risk when its certificate in use has less than this left (and is overdue or not deployed). */
  readonly marginSeconds: number;
  /** …or when this many enrollment attempts in a row have failed. */
  readonly failureThreshold: number;
}

export const DEFAULT_AT_RISK_POLICY: AtRiskPolicy = {
  marginSeconds: 7 * SECONDS_PER_DAY,
  failureThreshold: 3,
};

/** The default policy with `overrides` applied; a margin below 0 or a threshold below 1 is MALFORMED_INPUT. */
export function atRiskPolicy(overrides: Partial<AtRiskPolicy> = {}): AtRiskPolicy {
  const policy = { ...DEFAULT_AT_RISK_POLICY, ...overrides };
  if (!Number.isSafeInteger(policy.marginSeconds) || policy.marginSeconds < 0) {
    throw new PkiError('MALFORMED_INPUT', 'the at-risk margin must be a whole number of seconds, 0 or more');
  }
  if (!Number.isSafeInteger(policy.failureThreshold) || policy.failureThreshold < 1) {
    throw new PkiError('MALFORMED_INPUT', 'the failure threshold must be a positive integer');
  }
  return policy;
}
