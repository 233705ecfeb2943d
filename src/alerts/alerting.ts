import type { Clock } from '../core/clock.js';
import type { AlertRuleRecord, AlertRules } from '../store/alert-rules.js';
import type { AlertStates } from '../store/alert-states.js';
import type { DeliveryLog } from '../store/delivery-log.js';
import type { AlertChannel } from './alert-channel.js';
import { AlertEvaluator } from './alert-evaluator.js';
import type { EvaluationReport } from './alert-evaluator.js';
import type { AlertFacts } from './alert-facts.js';
import type { AlertsConfig } from './alerts-config-schema.js';
import { defaultAlertRules } from './default-alert-rules.js';
import { DeliveryDispatcher } from './delivery-dispatcher.js';
import type { DispatcherLog } from './delivery-dispatcher.js';

export interface AlertingOptions {
  readonly rules: AlertRules;
  readonly states: AlertStates;
  readonly deliveries: DeliveryLog;
  readonly facts: AlertFacts;
  /** createAlertChannels(config.alerts, …). */
  readonly channels: ReadonlyMap<string, AlertChannel>;
  readonly config: AlertsConfig;
  readonly clock: Clock;
  readonly log: DispatcherLog;
}

/**
 * Alerting on one node: evaluates the rules every `intervalSeconds` and dispatches due deliveries every
 * `dispatchIntervalSeconds`. Any number of nodes may run one on the same store: a crossing is recorded by one
 * evaluator (AlertStates.transition), and a delivery claimed by one dispatcher at a time.
 *
 * Wiring (server/): `new Alerting({ rules: store.alertRules, states: store.alertStates, deliveries:
 * store.alertDeliveries, facts, channels, config: config.alerts, clock, log })`, then `await start()` and, at
 * shutdown, `await stop()`.
 */
export class Alerting {
  readonly evaluator: AlertEvaluator;
  readonly dispatcher: DeliveryDispatcher;
  private timer: NodeJS.Timeout | undefined;
  private evaluating: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: AlertingOptions) {
    this.evaluator = new AlertEvaluator({
      rules: options.rules,
      states: options.states,
      facts: options.facts,
      clock: options.clock,
      quietHours: options.config.quietHours ?? null,
    });
    this.dispatcher = new DeliveryDispatcher({
      deliveries: options.deliveries,
      channels: options.channels,
      retry: options.config.retry,
      clock: options.clock,
      sendTimeoutMs: options.config.timeoutSeconds * 1000,
      pollIntervalMs: options.config.dispatchIntervalSeconds * 1000,
      log: options.log,
    });
  }

  /**
   * Adds the default rules if the store holds none (and alerts.defaultRules is on), then starts both loops;
   * with alerts.enabled off, does nothing.
   */
  async start(): Promise<void> {
    if (!this.options.config.enabled) return;
    if (this.options.config.defaultRules) await this.ensureDefaultRules();
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), this.options.config.intervalSeconds * 1000);
    this.timer.unref();
    this.tick();
    this.dispatcher.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.evaluating;
    await this.dispatcher.stop();
  }

  /** The default rules, notifying every configured channel, if there is no rule at all; returns those added. */
  ensureDefaultRules(): Promise<readonly AlertRuleRecord[]> {
    const rules = defaultAlertRules([...this.options.channels.keys()]);
    return this.options.rules.addIfNone(rules, this.options.clock.now());
  }

  private tick(): void {
    if (this.evaluating || this.stopped) return;
    this.evaluating = this.evaluator
      .evaluate()
      .then((report: EvaluationReport) => {
        if (report.firing + report.resolved > 0) {
          this.options.log.info({ ...report }, 'alert rules evaluated');
        }
      })
      .catch((error: unknown) => this.options.log.error({ err: error }, 'alert evaluation failed'))
      .finally(() => {
        this.evaluating = undefined;
      });
  }
}
