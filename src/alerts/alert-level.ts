import { SECONDS_PER_DAY } from '../core/duration.js';
import type { AlertCondition } from '../store/alert-rules.js';
import type { ExpiringSubject, FleetFacts } from './alert-facts.js';

/** The level of a rule that is simply on: every kind but expiry. */
export const FIRING = 'firing';

/**
 * A rule's level for a subject now: a level string while it fires, null when clear, undefined when the facts
 * it needs are unknown (the state is then left alone).
 *
 * Expiry levels are `<days>d`: the smallest threshold crossed, i.e. less than that many days left. A
 * certificate past its notAfter stays at the smallest threshold; the `expired` kind says it expired.
 */
export function levelFor(
  condition: AlertCondition,
  subject: ExpiringSubject | FleetFacts,
  now: Date,
): string | null | undefined {
  if (condition.kind === 'fleet-at-risk') {
    if (!('atRisk' in subject)) return undefined;
    const overCount = condition.aboveCount !== undefined && subject.atRisk > condition.aboveCount;
    const overShare =
      condition.aboveShare !== undefined &&
      subject.total > 0 &&
      subject.atRisk / subject.total > condition.aboveShare;
    return overCount || overShare ? FIRING : null;
  }
  if ('atRisk' in subject) return undefined;
  switch (condition.kind) {
    case 'expiry': {
      if (subject.notAfter === undefined) return undefined;
      const secondsLeft = (subject.notAfter.getTime() - now.getTime()) / 1000;
      let level: string | null = null;
      for (const days of condition.thresholdsDays) {
        if (secondsLeft <= days * SECONDS_PER_DAY) level = expiryLevel(days);
      }
      return level;
    }
    case 'expired':
      if (subject.notAfter === undefined) return undefined;
      return subject.notAfter.getTime() <= now.getTime() ? FIRING : null;
    case 'invalid-chain':
      if (subject.chainValid === undefined) return undefined;
      return subject.chainValid ? null : FIRING;
    case 'hostname-mismatch':
      if (subject.hostnameMatches === undefined) return undefined;
      return subject.hostnameMatches ? null : FIRING;
    case 'unreachable':
      if (subject.consecutiveFailures === undefined) return undefined;
      return subject.consecutiveFailures >= condition.failures ? FIRING : null;
  }
}

export function expiryLevel(days: number): string {
  return `${days}d`;
}

/** Days of an expiry level (`7d` → 7); undefined for other levels. */
export function expiryLevelDays(level: string): number | undefined {
  const match = /^(\d+)d$/.exec(level);
  return match ? Number(match[1]) : undefined;
}

/**
 * Whether `level` is worse than `than`: for expiry levels, fewer days; a firing level is worse than none.
 * Two firing levels of other kinds are equal.
 */
export function isWorse(level: string, than: string | null): boolean {
  if (than === null) return true;
  const days = expiryLevelDays(level);
  const thanDays = expiryLevelDays(than);
  return days !== undefined && thanDays !== undefined && days < thanDays;
}

/**
 * Critical notifications go out even during quiet hours: every firing notice (expired, the last day,
 * unreachable, a broken chain or name, the fleet) except an expiry threshold above one day. Those, and every
 * resolved notice (good news can wait), are held until the quiet hours end.
 */
export function isCritical(event: 'firing' | 'resolved', level: string): boolean {
  if (event === 'resolved') return false;
  const days = expiryLevelDays(level);
  return days === undefined || days <= 1;
}
