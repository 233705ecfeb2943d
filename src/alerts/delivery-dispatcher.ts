import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import type { AttemptResult, ClaimedDelivery, DeliveryLog } from '../store/delivery-log.js';
import type { AlertChannel } from './alert-channel.js';
import { asChannelError } from './alert-channel.js';
import type { AlertNotification } from './alert-notification.js';
import { backoffSeconds } from './retry-policy.js';
import type { RetryPolicy } from './retry-policy.js';

export interface DispatcherLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface DeliveryDispatcherOptions {
  readonly deliveries: Pick<DeliveryLog, 'claimDue' | 'recordAttempt'>;
  /** By name, as rules list them (alerts.channels). */
  readonly channels: ReadonlyMap<string, AlertChannel>;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  /** Each channel's send gives up after this; the claim lasts longer, so no other node sends meanwhile. */
  readonly sendTimeoutMs: number;
  /** How often start() looks for due deliveries. */
  readonly pollIntervalMs: number;
  /** Deliveries claimed per look. */
  readonly batchSize?: number;
  readonly log?: DispatcherLog;
}

/** One attempt, as dispatchDue reports it. */
export interface DispatchOutcome {
  readonly id: number;
  readonly channel: string;
  readonly outcome: AttemptResult['outcome'];
  readonly error?: string;
  /** False if the claim lapsed before the outcome could be recorded (another node now owns the delivery). */
  readonly recorded: boolean;
}

const DEFAULT_BATCH_SIZE = 50;
/** Time beyond the send timeout that a claim lasts: for recording the outcome. */
const LEASE_MARGIN_MS = 30_000;

/**
 * Sends what the delivery log holds due, every channel independently: each delivery is its own promise, so a
 * channel that hangs (until its timeout) or is down delays no other, and start()'s loop claims new work while
 * earlier sends are in flight. A failed attempt is retried with exponential backoff (retry-policy.ts) up to
 * maxAttempts; a refusal that is not retryable fails the delivery at once. Every attempt's outcome is recorded.
 */
export class DeliveryDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private claiming: Promise<unknown> | undefined;
  private readonly inFlight = new Set<Promise<DispatchOutcome>>();
  private stopped = false;

  constructor(private readonly options: DeliveryDispatcherOptions) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), this.options.pollIntervalMs);
    this.timer.unref();
    this.tick();
  }

  /** Stops claiming, and waits for the sends in flight (each bounded by its timeout) to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.claiming;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims what is due now and sends it; resolves when every one of those attempts is recorded (for tests, CLI). */
  async dispatchDue(): Promise<readonly DispatchOutcome[]> {
    const sends = await this.claimAndSend();
    return Promise.all(sends);
  }

  private tick(): void {
    if (this.claiming || this.stopped) return;
    this.claiming = this.claimAndSend()
      .catch((error: unknown) =>
        this.options.log?.error({ err: error }, 'claiming due alert deliveries failed'),
      )
      .finally(() => {
        this.claiming = undefined;
      });
  }

  private async claimAndSend(): Promise<Array<Promise<DispatchOutcome>>> {
    const claimed = await this.options.deliveries.claimDue(this.options.clock.now(), {
      limit: this.options.batchSize ?? DEFAULT_BATCH_SIZE,
      leaseMs: this.options.sendTimeoutMs + LEASE_MARGIN_MS,
    });
    return claimed.map((delivery) => {
      const send = this.attempt(delivery);
      this.inFlight.add(send);
      void send.finally(() => this.inFlight.delete(send));
      return send;
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<DispatchOutcome> {
    const channel = this.options.channels.get(delivery.channel);
    const started = performance.now();
    let result: AttemptResult;
    if (channel === undefined) {
      result = { outcome: 'failed', error: `channel '${delivery.channel}' is not configured` };
    } else {
      try {
        await channel.send(delivery.payload as AlertNotification);
        result = { outcome: 'delivered' };
      } catch (thrown) {
        result = this.afterFailure(delivery, asChannelError(thrown));
      }
    }
    const durationMs = performance.now() - started;
    let recorded = false;
    try {
      recorded = await this.options.deliveries.recordAttempt(
        delivery,
        result,
        this.options.clock.now(),
        durationMs,
      );
    } catch (error) {
      // The lease lapses and the delivery is tried again: at least once, possibly twice.
      this.options.log?.error(
        { err: error, deliveryId: delivery.id },
        'recording an alert delivery attempt failed',
      );
    }
    const fields = { deliveryId: delivery.id, channel: delivery.channel, attempt: delivery.attempts + 1 };
    if (result.outcome === 'delivered') this.options.log?.info(fields, 'alert delivered');
    else
      this.options.log?.warn(
        { ...fields, error: result.error, outcome: result.outcome },
        'alert delivery attempt failed',
      );
    return {
      id: delivery.id,
      channel: delivery.channel,
      outcome: result.outcome,
      ...(result.outcome === 'delivered' ? {} : { error: result.error }),
      recorded,
    };
  }

  private afterFailure(delivery: ClaimedDelivery, error: ReturnType<typeof asChannelError>): AttemptResult {
    const attempt = delivery.attempts + 1;
    if (!error.retryable) return { outcome: 'failed', error: error.message };
    if (attempt >= this.options.retry.maxAttempts) {
      return { outcome: 'failed', error: `${error.message} (gave up after ${attempt} attempts)` };
    }
    const waitMs = backoffSeconds(this.options.retry, attempt) * 1000;
    return {
      outcome: 'retry',
      error: error.message,
      nextAttemptAt: new Date(this.options.clock.now().getTime() + waitMs),
    };
  }
}
