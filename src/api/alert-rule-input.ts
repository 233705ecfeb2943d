import { DEFAULT_UNREACHABLE_FAILURES } from '../alerts/default-alert-rules.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import { checkAlertRule } from '../store/alert-rule-check.js';
import {
  type AlertCondition,
  type AlertRuleKind,
  DEFAULT_EXPIRY_THRESHOLDS_DAYS,
  type NewAlertRule,
  type SubjectFilter,
} from '../store/alert-rules.js';
import { invalidInput } from './invalid-input.js';

/** A rule as a request body gives it: the store's shape, with the parameters of its kind optional. */
export interface AlertRuleBody {
  readonly name: string;
  readonly condition: {
    readonly kind: AlertRuleKind;
    readonly thresholdsDays?: readonly number[];
    readonly failures?: number;
    readonly aboveCount?: number;
    readonly aboveShare?: number;
  };
  readonly subjects?: SubjectFilter;
  readonly channels?: readonly string[];
  readonly enabled?: boolean;
  readonly quietHours?: { readonly start: string; readonly end: string; readonly timeZone?: string } | null;
}

const PARAMETERS_OF: Readonly<Record<string, AlertRuleKind>> = {
  thresholdsDays: 'expiry',
  failures: 'unreachable',
  aboveCount: 'fleet-at-risk',
  aboveShare: 'fleet-at-risk',
};

/**
 * The rule a body asks for, with `certfleet alerts rule add`'s defaults: expiry thresholds 30, 14, 7, 1 days,
 * 3 failed probes, quiet hours in UTC, enabled, no channel. A parameter of another kind (`failures` on an
 * expiry rule) is refused, as the command line refuses the option.
 */
export function alertRuleOf(body: AlertRuleBody): NewAlertRule {
  const { kind, ...parameters } = body.condition;
  for (const [parameter, value] of Object.entries(parameters)) {
    const owner = PARAMETERS_OF[parameter];
    if (value !== undefined && owner !== kind) {
      throw invalidInput('body', `/condition/${parameter}`, `applies to ${owner ?? 'no'} rules only`);
    }
  }
  return {
    name: body.name,
    condition: conditionOf(body.condition),
    subjects: body.subjects ?? {},
    channels: body.channels ?? [],
    enabled: body.enabled ?? true,
    quietHours:
      body.quietHours === undefined || body.quietHours === null
        ? null
        : { ...body.quietHours, timeZone: body.quietHours.timeZone ?? 'UTC' },
  };
}

function conditionOf(condition: AlertRuleBody['condition']): AlertCondition {
  switch (condition.kind) {
    case 'expiry':
      return { kind: 'expiry', thresholdsDays: condition.thresholdsDays ?? DEFAULT_EXPIRY_THRESHOLDS_DAYS };
    case 'unreachable':
      return { kind: 'unreachable', failures: condition.failures ?? DEFAULT_UNREACHABLE_FAILURES };
    case 'fleet-at-risk':
      // Neither set is the store's refusal ("set a count, a share or both").
      return {
        kind: 'fleet-at-risk',
        ...(condition.aboveCount === undefined ? {} : { aboveCount: condition.aboveCount }),
        ...(condition.aboveShare === undefined ? {} : { aboveShare: condition.aboveShare }),
      };
    case 'expired':
    case 'invalid-chain':
    case 'hostname-mismatch':
      return { kind: condition.kind };
  }
}

/**
 * Runs the store's own check (store/alert-rule-check.ts, which `certfleet alerts rule add` meets) on a rule
 * one field at a time, each on a rule otherwise known to pass, so a refusal names its field with a JSON
 * pointer (`/condition`, `/subjects`, `/quietHours`). The store checks the whole again when it writes.
 */
export function checkAlertRuleFields(rule: NewAlertRule): void {
  let known: NewAlertRule = {
    name: rule.name,
    condition: { kind: 'expired' },
    subjects: {},
    channels: [],
    enabled: rule.enabled,
    quietHours: null,
  };
  const fields = [
    ['/name', {}],
    ['/condition', { condition: rule.condition }],
    ['/subjects', { subjects: rule.subjects }],
    ['/channels', { channels: rule.channels }],
    ['/quietHours', { quietHours: rule.quietHours }],
  ] as const satisfies ReadonlyArray<readonly [string, Partial<NewAlertRule>]>;
  for (const [pointer, change] of fields) {
    known = { ...known, ...change };
    try {
      checkAlertRule(known);
    } catch (error) {
      if (!isPkiError(error, 'MALFORMED_INPUT')) throw error;
      throw new PkiError('MALFORMED_INPUT', error.message, {
        cause: error,
        details: { in: 'body', pointer },
      });
    }
  }
}
