import type { NewDelivery } from './delivery-log.js';

/** What a rule last found about one subject. */
export interface AlertStateRecord {
  readonly ruleId: string;
  readonly subjectKey: string;
  readonly label: string;
  /** Null while clear; e.g. `7d` (the smallest expiry threshold crossed) or `firing`. */
  readonly level: string | null;
  /** When the current episode started firing (kept after it resolves, until the next one). */
  readonly firingSince: Date | null;
  /** The level of the last firing notification (enqueued, held or sent). */
  readonly notifiedLevel: string | null;
  readonly resolvedAt: Date | null;
  readonly updatedAt: Date;
  /** Bumped by every change; a transition names the version it read. */
  readonly version: number;
}

export type AlertStateValue = Pick<
  AlertStateRecord,
  'label' | 'level' | 'firingSince' | 'notifiedLevel' | 'resolvedAt'
>;

/** One step of a (rule, subject) pair, with the notifications it causes. */
export interface AlertTransition {
  readonly ruleId: string;
  readonly subjectKey: string;
  /** The version read before deciding; null when there was no row. */
  readonly expectedVersion: number | null;
  readonly next: AlertStateValue;
  readonly deliveries: readonly NewDelivery[];
  readonly at: Date;
}

/** A keyset page of the firing states (those with a level), in primary-key order: rule id, subject key. */
export interface FiringQuery {
  /** Only the states of this rule. */
  readonly ruleId?: string;
  /** Only states after this one: the next page. */
  readonly after?: { readonly ruleId: string; readonly subjectKey: string };
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

export interface AlertStates {
  /** Every state of the rule, by subject key. */
  listForRule(ruleId: string): Promise<readonly AlertStateRecord[]>;
  /** See FiringQuery: what is firing now, across rules, for the admin API and dashboards. */
  firing(query: FiringQuery): Promise<readonly AlertStateRecord[]>;
  get(ruleId: string, subjectKey: string): Promise<AlertStateRecord | undefined>;
  /**
   * Records the new state and enqueues its deliveries in one transaction, if the state is still at
   * `expectedVersion`; returns false (and writes nothing) if another evaluator changed it first. So a crossing
   * is notified once however many nodes evaluate, and a restart between the two writes cannot lose or repeat
   * a notice. NOT_FOUND if the rule does not exist (removed meanwhile).
   */
  transition(transition: AlertTransition): Promise<boolean>;
}
