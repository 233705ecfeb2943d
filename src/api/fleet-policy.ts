import Type from 'typebox';
import { type AtRiskPolicy, atRiskPolicy } from '../fleet/at-risk-policy.js';
import type { FleetQuery } from '../store/fleet-reader.js';

/**
 * The at-risk policy parameters of the fleet questions, as `certfleet fleet --margin/--within --failures`
 * take them: the default policy unless the request names its own.
 */
export const POLICY_QUERY = {
  marginSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'At risk with less than this many seconds left on the certificate in use (default 7 days).',
    }),
  ),
  failureThreshold: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'At risk after this many failed attempts in a row (default 3).',
    }),
  ),
};

export interface PolicyQuery {
  readonly marginSeconds?: number;
  readonly failureThreshold?: number;
}

/** The policy a request asks under: the deployment's (or the default) with the request's overrides. */
export function policyOf(query: PolicyQuery, base: Partial<AtRiskPolicy> = {}): AtRiskPolicy {
  return atRiskPolicy({
    ...base,
    ...(query.marginSeconds === undefined ? {} : { marginSeconds: query.marginSeconds }),
    ...(query.failureThreshold === undefined ? {} : { failureThreshold: query.failureThreshold }),
  });
}

export function fleetQuery(now: Date, policy: AtRiskPolicy): FleetQuery {
  return { now, marginSeconds: policy.marginSeconds, failureThreshold: policy.failureThreshold };
}
