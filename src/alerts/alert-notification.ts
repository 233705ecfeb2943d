import type { AlertRuleKind, AlertSubjectKind } from '../store/alert-rules.js';
import type { DeliveryEvent } from '../store/delivery-log.js';
import type { ExpiringSubject, FleetFacts } from './alert-facts.js';
import { expiryLevelDays } from './alert-level.js';

/**
 * One notice, as every channel receives it; also the JSON body of the webhook channel (docs/alerts.md), so its
 * field names are a public contract: add fields, never rename them.
 */
export interface AlertNotification {
  /** `firing` when a threshold is crossed, `resolved` when it clears. */
  readonly event: DeliveryEvent;
  readonly rule: { readonly name: string; readonly kind: AlertRuleKind };
  readonly subject: { readonly key: string; readonly label: string; readonly kind: AlertSubjectKind };
  /** `30d`, `14d`, `7d`, `1d` (expiry) or `firing`; for a resolved notice, the level that cleared. */
  readonly level: string;
  readonly critical: boolean;
  /** One line, for a subject line or a chat message. */
  readonly summary: string;
  /** The facts behind it, one line. */
  readonly detail: string;
  /** ISO 8601 times. */
  readonly at: string;
  readonly firingSince: string | null;
  readonly notAfter: string | null;
}

export interface NotificationInput {
  readonly event: DeliveryEvent;
  readonly rule: { readonly name: string; readonly kind: AlertRuleKind };
  readonly subject: Pick<ExpiringSubject, 'subjectKey' | 'label'> & { readonly kind: AlertSubjectKind };
  readonly facts: ExpiringSubject | FleetFacts | undefined;
  readonly level: string;
  readonly critical: boolean;
  readonly now: Date;
  readonly firingSince: Date | null;
}

export function buildNotification(input: NotificationInput): AlertNotification {
  const { event, rule, subject, level, now } = input;
  const facts = input.facts;
  const notAfter = facts !== undefined && 'notAfter' in facts ? (facts.notAfter ?? null) : null;
  return {
    event,
    rule,
    subject: { key: subject.subjectKey, label: subject.label, kind: subject.kind },
    level,
    critical: input.critical,
    summary: summaryOf(event, rule.kind, subject.label, level),
    detail: facts === undefined ? 'the subject is no longer watched' : detailOf(facts, now),
    at: now.toISOString(),
    firingSince: input.firingSince?.toISOString() ?? null,
    notAfter: notAfter?.toISOString() ?? null,
  };
}

function summaryOf(event: DeliveryEvent, kind: AlertRuleKind, label: string, level: string): string {
  if (event === 'resolved') return `Resolved: ${label} (${problemOf(kind, level)})`;
  return `${label}: ${problemOf(kind, level)}`;
}

function problemOf(kind: AlertRuleKind, level: string): string {
  switch (kind) {
    case 'expiry': {
      const days = expiryLevelDays(level);
      return `certificate expires in less than ${days === 1 ? '1 day' : `${String(days)} days`}`;
    }
    case 'expired':
      return 'certificate expired';
    case 'invalid-chain':
      return 'certificate chain does not validate';
    case 'hostname-mismatch':
      return 'certificate does not match the host name';
    case 'unreachable':
      return 'endpoint unreachable';
    case 'fleet-at-risk':
      return 'devices at risk';
  }
}

function detailOf(facts: ExpiringSubject | FleetFacts, now: Date): string {
  if ('atRisk' in facts) {
    const share = facts.total === 0 ? 0 : (100 * facts.atRisk) / facts.total;
    return `${facts.atRisk} of ${facts.total} devices at risk or expired (${share.toFixed(1)} %)`;
  }
  const parts: string[] = [];
  if (facts.notAfter !== undefined) {
    const seconds = Math.round((facts.notAfter.getTime() - now.getTime()) / 1000);
    parts.push(
      seconds > 0
        ? `notAfter ${facts.notAfter.toISOString()} (${humanDuration(seconds)} left)`
        : `notAfter ${facts.notAfter.toISOString()} (expired ${humanDuration(-seconds)} ago)`,
    );
  }
  if (facts.chainValid === false) parts.push('chain does not validate');
  if (facts.hostnameMatches === false) parts.push('host name not in the certificate');
  if (facts.consecutiveFailures !== undefined && facts.consecutiveFailures > 0) {
    parts.push(`${facts.consecutiveFailures} failed probe(s) in a row`);
  }
  if (facts.lastError !== undefined) parts.push(`last error: ${facts.lastError}`);
  return parts.length === 0 ? 'all checks pass' : parts.join('; ');
}

function humanDuration(seconds: number): string {
  if (seconds >= 86_400)
    return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min`;
  return `${seconds} s`;
}
