import { PkiError } from '../core/pki-error.js';
import { ALERT_RULE_KINDS, ALERT_SUBJECT_KINDS } from './alert-rules.js';
import type { AlertCondition, NewAlertRule, QuietHours } from './alert-rules.js';

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Thresholds beyond ten years would never clear for a root CA; a typo more likely. */
const MAX_THRESHOLD_DAYS = 3650;

/**
 * Checks a rule before it is stored, so a rule in the table can always be evaluated. Each failure is
 * MALFORMED_INPUT naming the field; the message is safe to show (it repeats only what the caller sent).
 */
export function checkAlertRule(rule: NewAlertRule): NewAlertRule {
  const bad = (why: string) => new PkiError('MALFORMED_INPUT', `alert rule '${rule.name}': ${why}`);
  if (!RULE_NAME.test(rule.name)) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `'${rule.name}' is not a rule name (letters, digits, '.', '_' and '-', up to 64, starting with a letter or digit)`,
    );
  }
  const condition = checkCondition(rule.condition, bad);
  const { kind, labelPattern } = rule.subjects;
  if (kind !== undefined && !(ALERT_SUBJECT_KINDS as readonly string[]).includes(kind)) {
    throw bad(`subject kind must be one of ${ALERT_SUBJECT_KINDS.join(', ')}`);
  }
  if (condition.kind === 'fleet-at-risk' && kind !== undefined && kind !== 'fleet') {
    throw bad('a fleet-at-risk rule judges the fleet, not endpoints or certificates');
  }
  if (condition.kind !== 'fleet-at-risk' && kind === 'fleet') {
    throw bad(`a ${condition.kind} rule judges endpoints or certificates, not the fleet`);
  }
  if (labelPattern !== undefined && (labelPattern.length === 0 || labelPattern.length > 256)) {
    throw bad('the label pattern must be 1 to 256 characters');
  }
  const seen = new Set<string>();
  for (const channel of rule.channels) {
    if (!CHANNEL_NAME.test(channel)) throw bad(`'${channel}' is not a channel name`);
    if (seen.has(channel)) throw bad(`channel '${channel}' is listed twice`);
    seen.add(channel);
  }
  if (rule.quietHours !== null) checkQuietHours(rule.quietHours, bad);
  return rule;
}

function checkCondition(condition: AlertCondition, bad: (why: string) => PkiError): AlertCondition {
  if (!(ALERT_RULE_KINDS as readonly string[]).includes(condition.kind)) {
    throw bad(`the kind must be one of ${ALERT_RULE_KINDS.join(', ')}`);
  }
  switch (condition.kind) {
    case 'expiry': {
      const days = condition.thresholdsDays;
      if (days.length === 0 || days.length > 16) throw bad('an expiry rule needs 1 to 16 thresholds');
      for (const [i, d] of days.entries()) {
        if (!Number.isSafeInteger(d) || d < 1 || d > MAX_THRESHOLD_DAYS) {
          throw bad(`thresholds are whole days from 1 to ${MAX_THRESHOLD_DAYS}, not ${String(d)}`);
        }
        const previous = days[i - 1];
        if (previous !== undefined && previous <= d)
          throw bad('thresholds must be in descending order, each once');
      }
      return condition;
    }
    case 'unreachable':
      if (!Number.isSafeInteger(condition.failures) || condition.failures < 1 || condition.failures > 1000) {
        throw bad('the number of failed probes must be a whole number from 1 to 1000');
      }
      return condition;
    case 'fleet-at-risk': {
      const { aboveCount, aboveShare } = condition;
      if (aboveCount === undefined && aboveShare === undefined) throw bad('set a count, a share or both');
      if (aboveCount !== undefined && (!Number.isSafeInteger(aboveCount) || aboveCount < 0)) {
        throw bad('the count must be a whole number, 0 or more');
      }
      if (aboveShare !== undefined && !(aboveShare >= 0 && aboveShare < 1)) {
        throw bad('the share must be from 0 up to (not including) 1, e.g. 0.05 for 5 %');
      }
      return condition;
    }
    case 'expired':
    case 'invalid-chain':
    case 'hostname-mismatch':
      return condition;
  }
}

/** Checks the times and that the runtime knows the time zone (Intl throws RangeError otherwise). */
export function checkQuietHours(quiet: QuietHours, bad: (why: string) => PkiError): QuietHours {
  if (!TIME_OF_DAY.test(quiet.start) || !TIME_OF_DAY.test(quiet.end)) {
    throw bad('quiet hours are local times HH:MM (00:00 to 23:59)');
  }
  if (quiet.start === quiet.end) throw bad('quiet hours must start and end at different times');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: quiet.timeZone });
  } catch {
    throw bad(`'${quiet.timeZone}' is not a time zone (use an IANA name such as Europe/Berlin or UTC)`);
  }
  return quiet;
}
