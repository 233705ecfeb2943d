/**
 * Alert rules as operators define them (docs/alerts.md). The store keeps and checks them; src/alerts evaluates
 * them.
 */
export const ALERT_RULE_KINDS = [
  'expiry',
  'expired',
  'invalid-chain',
  'hostname-mismatch',
  'unreachable',
  'fleet-at-risk',
] as const;

export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

/** What a rule watches: a TLS endpoint, one of our certificates (CA or code signing), or the fleet as a whole. */
export const ALERT_SUBJECT_KINDS = ['endpoint', 'certificate', 'fleet'] as const;

export type AlertSubjectKind = (typeof ALERT_SUBJECT_KINDS)[number];

/** The default expiry thresholds: a notice 30, 14, 7 and 1 day(s) before notAfter. */
export const DEFAULT_EXPIRY_THRESHOLDS_DAYS: readonly number[] = [30, 14, 7, 1];

/** A rule's kind with its parameters. */
export type AlertCondition =
  /** Fires when less than each threshold is left before notAfter; thresholds descending, whole days. */
  | { readonly kind: 'expiry'; readonly thresholdsDays: readonly number[] }
  | { readonly kind: 'expired' }
  | { readonly kind: 'invalid-chain' }
  | { readonly kind: 'hostname-mismatch' }
  /** Fires after this many failed probes in a row. */
  | { readonly kind: 'unreachable'; readonly failures: number }
  /**
   * Fires when more devices than `aboveCount` are at risk, or more than `aboveShare` (0–1) of the live fleet;
   * at least one of the two is set.
   */
  | { readonly kind: 'fleet-at-risk'; readonly aboveCount?: number; readonly aboveShare?: number };

/**
 * Local times of day (`HH:MM`, 24-hour) in an IANA time zone. Non-critical notifications are held from `start`
 * until `end`; a start after the end spans midnight (22:00–07:00).
 */
export interface QuietHours {
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
}

/** Which subjects a rule applies to; an empty filter takes every subject its kind can judge. */
export interface SubjectFilter {
  readonly kind?: AlertSubjectKind;
  /** A glob over the subject's label: `*` any characters, `?` one; case-sensitive. */
  readonly labelPattern?: string;
}

export interface NewAlertRule {
  /** Unique; what operators and the CLI name the rule by. `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. */
  readonly name: string;
  readonly condition: AlertCondition;
  readonly subjects: SubjectFilter;
  /** Names of configured channels (alerts.channels); none is allowed (the state is still tracked). */
  readonly channels: readonly string[];
  readonly enabled: boolean;
  /** Overrides the configured default quiet hours; null for none (or the default). */
  readonly quietHours: QuietHours | null;
}

export interface AlertRuleRecord extends NewAlertRule {
  readonly id: string;
  readonly createdAt: Date;
}

export interface AlertRules {
  /** MALFORMED_INPUT for a rule that fails its checks, CONFLICT if the name is taken; nothing is written then. */
  add(rule: NewAlertRule, at: Date): Promise<AlertRuleRecord>;
  /**
   * Adds those of `rules` whose names are free, only if there are no rules at all (first run); returns the ones
   * added. Concurrent callers on several nodes add each rule once.
   */
  addIfNone(rules: readonly NewAlertRule[], at: Date): Promise<readonly AlertRuleRecord[]>;
  get(name: string): Promise<AlertRuleRecord | undefined>;
  /** Every rule, by name. */
  list(): Promise<readonly AlertRuleRecord[]>;
  /** NOT_FOUND if no rule has the name. */
  setEnabled(name: string, enabled: boolean): Promise<AlertRuleRecord>;
  /** Removes the rule and its states (its deliveries stay in the log); NOT_FOUND if no rule has the name. */
  remove(name: string): Promise<void>;
}
