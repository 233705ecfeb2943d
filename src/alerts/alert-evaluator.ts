import type { Clock } from '../core/clock.js';
import { isPkiError } from '../core/pki-error.js';
import type { AlertRuleRecord, AlertRules, AlertSubjectKind, QuietHours } from '../store/alert-rules.js';
import type { AlertStateRecord, AlertStates, AlertStateValue } from '../store/alert-states.js';
import type { DeliveryEvent, NewDelivery } from '../store/delivery-log.js';
import type { AlertFacts, ExpiringSubject, FleetFacts } from './alert-facts.js';
import { isCritical, isWorse, levelFor } from './alert-level.js';
import { buildNotification } from './alert-notification.js';
import { quietUntil } from './quiet-hours.js';
import { isFleetRule, matchesSubject } from './subject-filter.js';

/** The fleet's subject key: one state per fleet rule. */
export const FLEET_SUBJECT_KEY = 'fleet';

export interface AlertEvaluatorOptions {
  readonly rules: Pick<AlertRules, 'list'>;
  readonly states: AlertStates;
  readonly facts: AlertFacts;
  readonly clock: Clock;
  /** Quiet hours for rules without their own (alerts.quietHours); none by default. */
  readonly quietHours?: QuietHours | null;
}

/** What one evaluation did. */
export interface EvaluationReport {
  readonly at: Date;
  /** Enabled rules evaluated. */
  readonly rules: number;
  /** Firing and resolved notices recorded (each enqueued once per channel of its rule). */
  readonly firing: number;
  readonly resolved: number;
  /** State changes that notify nobody (a level that improved without clearing). */
  readonly silent: number;
  /** Changes another evaluator (another node) recorded first; that one enqueued the notices. */
  readonly conflicts: number;
}

interface Judged {
  readonly subjectKey: string;
  readonly label: string;
  readonly kind: AlertSubjectKind;
  /** Undefined for a subject that has a state but is no longer in the facts. */
  readonly facts: ExpiringSubject | FleetFacts | undefined;
}

interface Step {
  readonly next: AlertStateValue;
  readonly notice?: { readonly event: DeliveryEvent; readonly level: string };
}

/**
 * Turns facts into notices, once per crossing. For each enabled rule and each subject it takes, the level now
 * (alert-level.ts) is compared with the stored state:
 * - clear → firing, or a worse level (30d → 14d, or straight 30d → 7d): one `firing` notice at the new level;
 * - the same level, or a better one that does not clear (a renewal to a short certificate): no notice;
 * - firing → clear, or a firing subject that left the facts (a superseded certificate): one `resolved` notice;
 * - unknown facts: nothing changes.
 * The new state and its deliveries are written in one transaction that expects the state read, so a restart
 * (a new evaluator on the same store) or a second node never repeats or loses a notice.
 */
export class AlertEvaluator {
  constructor(private readonly options: AlertEvaluatorOptions) {}

  async evaluate(): Promise<EvaluationReport> {
    const now = this.options.clock.now();
    const facts = await this.options.facts.collect(now);
    const rules = (await this.options.rules.list()).filter((rule) => rule.enabled);
    const counts = { firing: 0, resolved: 0, silent: 0, conflicts: 0 };
    for (const rule of rules) {
      if (isFleetRule(rule) && facts.fleet === undefined) continue;
      const states = new Map(
        (await this.options.states.listForRule(rule.id)).map((state) => [state.subjectKey, state]),
      );
      const judged = subjectsOf(rule, facts.subjects, facts.fleet);
      const present = new Set(judged.map((subject) => subject.subjectKey));
      for (const state of states.values()) {
        if (!present.has(state.subjectKey) && state.level !== null) {
          judged.push({
            subjectKey: state.subjectKey,
            label: state.label,
            kind: kindOfKey(state),
            facts: undefined,
          });
        }
      }
      for (const subject of judged) {
        const state = states.get(subject.subjectKey);
        const level = subject.facts === undefined ? null : levelFor(rule.condition, subject.facts, now);
        if (level === undefined) continue;
        const step = decide(state, subject, level, now);
        if (step === undefined) continue;
        const deliveries = step.notice ? this.deliveriesFor(rule, subject, step, now) : [];
        let recorded: boolean;
        try {
          recorded = await this.options.states.transition({
            ruleId: rule.id,
            subjectKey: subject.subjectKey,
            expectedVersion: state?.version ?? null,
            next: step.next,
            deliveries,
            at: now,
          });
        } catch (error) {
          // The rule was removed while it was being evaluated: nothing left to notify for it.
          if (isPkiError(error, 'NOT_FOUND')) break;
          throw error;
        }
        if (!recorded) counts.conflicts += 1;
        else if (step.notice === undefined) counts.silent += 1;
        else counts[step.notice.event] += 1;
      }
    }
    return { at: now, rules: rules.length, ...counts };
  }

  private deliveriesFor(rule: AlertRuleRecord, subject: Judged, step: Step, now: Date): NewDelivery[] {
    const notice = step.notice;
    if (notice === undefined) return [];
    const critical = isCritical(notice.event, notice.level);
    const quiet = rule.quietHours ?? this.options.quietHours ?? null;
    const nextAttemptAt = critical || quiet === null ? now : (quietUntil(quiet, now) ?? now);
    const payload = buildNotification({
      event: notice.event,
      rule: { name: rule.name, kind: rule.condition.kind },
      subject,
      facts: subject.facts,
      level: notice.level,
      critical,
      now,
      firingSince: step.next.firingSince,
    });
    return rule.channels.map((channel) => ({
      ruleId: rule.id,
      ruleName: rule.name,
      subjectKey: subject.subjectKey,
      event: notice.event,
      level: notice.level,
      channel,
      payload,
      nextAttemptAt,
    }));
  }
}

function subjectsOf(
  rule: AlertRuleRecord,
  subjects: readonly ExpiringSubject[],
  fleet: FleetFacts | undefined,
): Judged[] {
  if (isFleetRule(rule)) {
    return fleet === undefined
      ? []
      : [{ subjectKey: FLEET_SUBJECT_KEY, label: 'fleet', kind: 'fleet', facts: fleet }];
  }
  return subjects
    .filter((subject) => matchesSubject(rule.subjects, subject))
    .map((subject) => ({
      subjectKey: subject.subjectKey,
      label: subject.label,
      kind: subject.kind,
      facts: subject,
    }));
}

/** The kind of a subject known only by its state: from its key's prefix (`endpoint:…`). */
function kindOfKey(state: AlertStateRecord): AlertSubjectKind {
  if (state.subjectKey === FLEET_SUBJECT_KEY) return 'fleet';
  return state.subjectKey.startsWith('endpoint:') ? 'endpoint' : 'certificate';
}

/** The state change for `level` (null: clear), or undefined when nothing changes. */
function decide(
  state: AlertStateRecord | undefined,
  subject: Judged,
  level: string | null,
  now: Date,
): Step | undefined {
  const previous = state?.level ?? null;
  if (level === null) {
    if (state === undefined || previous === null) return undefined;
    return {
      next: {
        label: subject.label,
        level: null,
        firingSince: state.firingSince,
        notifiedLevel: state.notifiedLevel,
        resolvedAt: now,
      },
      notice: { event: 'resolved', level: previous },
    };
  }
  if (state === undefined || previous === null) {
    return {
      next: { label: subject.label, level, firingSince: now, notifiedLevel: level, resolvedAt: null },
      notice: { event: 'firing', level },
    };
  }
  const next = {
    label: subject.label,
    level,
    firingSince: state.firingSince,
    notifiedLevel: level,
    resolvedAt: null,
  };
  if (isWorse(level, state.notifiedLevel)) return { next, notice: { event: 'firing', level } };
  // Better without clearing: no notice, and the threshold left behind notifies again if crossed again.
  if (level !== previous) return { next };
  return undefined;
}
