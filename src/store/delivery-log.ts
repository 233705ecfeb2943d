/** `pending`: to be sent (now or later); `delivered`; `failed`: given up (not retryable, or out of attempts). */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

export type DeliveryEvent = 'firing' | 'resolved';

/** One notification for one channel, as the evaluator enqueues it. */
export interface NewDelivery {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly subjectKey: string;
  readonly event: DeliveryEvent;
  readonly level: string;
  readonly channel: string;
  /** The notification; stored as JSON and sent as it was when enqueued. */
  readonly payload: unknown;
  /** Now, or the end of quiet hours for a held notification. */
  readonly nextAttemptAt: Date;
}

export interface DeliveryRecord extends Omit<NewDelivery, 'nextAttemptAt'> {
  readonly id: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** Pending: when it is due (or, while claimed, when the claim lapses). */
  readonly nextAttemptAt: Date;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

/** A delivery taken by claimDue: until `leaseUntil` no other claim returns it. */
export interface ClaimedDelivery extends DeliveryRecord {
  readonly leaseUntil: Date;
}

export type AttemptOutcome = 'delivered' | 'retry' | 'failed';

/** The outcome of one attempt at a claimed delivery. */
export type AttemptResult =
  | { readonly outcome: 'delivered' }
  | { readonly outcome: 'retry'; readonly error: string; readonly nextAttemptAt: Date }
  | { readonly outcome: 'failed'; readonly error: string };

export interface DeliveryAttemptRecord {
  readonly deliveryId: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly at: Date;
  readonly outcome: AttemptOutcome;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface DeliveryQuery {
  readonly status?: DeliveryStatus;
  readonly ruleName?: string;
  readonly channel?: string;
  /** Newest first (by id); only ids below this one: the next page. */
  readonly beforeId?: number;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

/**
 * The delivery log: every notification for every channel, its attempts and their outcomes. Deliveries are
 * claimed with a lease, so several nodes dispatching at once send each one once (and a node that dies while
 * sending leaves it to be claimed again when its lease lapses: at least once).
 */
export interface DeliveryLog {
  /** Enqueues deliveries (the evaluator enqueues through AlertStates.transition instead). */
  enqueue(deliveries: readonly NewDelivery[], at: Date): Promise<readonly DeliveryRecord[]>;
  /**
   * Takes up to `limit` pending deliveries due at `at` (those due longest first), each leased until
   * `at + leaseMs`; returned in id order.
   */
  claimDue(
    at: Date,
    options: { readonly limit: number; readonly leaseMs: number },
  ): Promise<readonly ClaimedDelivery[]>;
  /**
   * Records an attempt's outcome on a claimed delivery, counting the attempt. Returns false (recording
   * nothing) if the claim lapsed and someone else claimed the delivery since.
   */
  recordAttempt(
    claim: Pick<ClaimedDelivery, 'id' | 'leaseUntil'>,
    result: AttemptResult,
    at: Date,
    durationMs: number,
  ): Promise<boolean>;
  get(id: number): Promise<DeliveryRecord | undefined>;
  list(query: DeliveryQuery): Promise<readonly DeliveryRecord[]>;
  /** The attempts at one delivery, first first. */
  attempts(deliveryId: number): Promise<readonly DeliveryAttemptRecord[]>;
}
