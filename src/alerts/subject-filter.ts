import type { AlertRuleRecord, SubjectFilter } from '../store/alert-rules.js';
import type { ExpiringSubject } from './alert-facts.js';

/** Whether a rule's filter takes the subject: its kind (if set) and its label glob (if set). */
export function matchesSubject(filter: SubjectFilter, subject: ExpiringSubject): boolean {
  if (filter.kind !== undefined && filter.kind !== subject.kind) return false;
  return filter.labelPattern === undefined || globToRegExp(filter.labelPattern).test(subject.label);
}

/** Whether the rule judges the fleet rather than endpoints and certificates. */
export function isFleetRule(rule: Pick<AlertRuleRecord, 'condition'>): boolean {
  return rule.condition.kind === 'fleet-at-risk';
}

const cache = new Map<string, RegExp>();

/** `*` any characters (none too), `?` exactly one; everything else literal; the whole label must match. */
export function globToRegExp(pattern: string): RegExp {
  let regexp = cache.get(pattern);
  if (regexp === undefined) {
    const body = [...pattern]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    regexp = new RegExp(`^${body}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, regexp);
  }
  return regexp;
}
