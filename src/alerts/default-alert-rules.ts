import { DEFAULT_EXPIRY_THRESHOLDS_DAYS } from '../store/alert-rules.js';
import type { NewAlertRule } from '../store/alert-rules.js';

/** Failed probes in a row before the default `unreachable` rule fires. */
export const DEFAULT_UNREACHABLE_FAILURES = 3;

/**
 * The rules a new deployment starts with (docs/alerts.md#default-rules), notifying `channels` (every configured
 * channel, by default). The server adds them at start when the store holds no rule at all and
 * alerts.defaultRules is on; `certfleet alerts rule add-defaults` adds the missing ones on demand.
 */
export function defaultAlertRules(channels: readonly string[]): readonly NewAlertRule[] {
  const rule = (
    name: string,
    condition: NewAlertRule['condition'],
    kind?: 'endpoint' | 'fleet',
  ): NewAlertRule => ({
    name,
    condition,
    subjects: kind === undefined ? {} : { kind },
    channels: [...channels],
    enabled: true,
    quietHours: null,
  });
  return [
    // Endpoints and our own certificates (issuers, code signing) alike.
    rule('expiry', { kind: 'expiry', thresholdsDays: DEFAULT_EXPIRY_THRESHOLDS_DAYS }),
    rule('expired', { kind: 'expired' }),
    rule('invalid-chain', { kind: 'invalid-chain' }, 'endpoint'),
    rule('hostname-mismatch', { kind: 'hostname-mismatch' }, 'endpoint'),
    rule('unreachable', { kind: 'unreachable', failures: DEFAULT_UNREACHABLE_FAILURES }, 'endpoint'),
    rule('fleet-at-risk', { kind: 'fleet-at-risk', aboveCount: 0 }, 'fleet'),
  ];
}
