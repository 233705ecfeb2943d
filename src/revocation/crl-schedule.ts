import type { IssuerId } from '../core/ids.js';
import type { CrlPublisher } from './crl-publisher.js';

export interface CrlScheduleLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Keeps the CRLs current: republishes an issuer's CRL shortly after a revocation (revocations arriving together
 * share one CRL) and checks every `checkIntervalSeconds` for CRLs near their nextUpdate. Several nodes may run
 * one each; the store keeps CRL numbers unique, and the newest CRL is the one served.
 */
export class CrlSchedule {
  private timer: NodeJS.Timeout | undefined;
  private readonly dirty = new Set<IssuerId>();
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** The periodic check in progress, which stop() waits for. */
  private refreshing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly publisher: CrlPublisher,
    private readonly issuerIds: () => readonly IssuerId[],
    private readonly options: { checkIntervalSeconds: number; coalesceMs: number },
    private readonly log: CrlScheduleLog,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.refreshDue(), this.options.checkIntervalSeconds * 1000);
    this.timer.unref();
    this.refreshDue();
  }

  /** Marks issuers whose revocation list changed; their CRLs are republished within `coalesceMs`. */
  revoked(issuerIds: readonly IssuerId[]): void {
    for (const id of issuerIds) this.dirty.add(id);
    // After stop() nothing is scheduled: the store is about to close. (The revocation itself is stored; the
    // next node to check republishes.)
    if (this.stopped) return;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.options.coalesceMs);
  }

  /** Publishes what is pending now (tests and shutdown call it; the timer does otherwise). */
  async flush(): Promise<void> {
    // Chained behind the flush in progress (publish never rejects), so a caller (stop()) also waits for the
    // publications a flush it raced with has taken.
    const run = (this.flushing ?? Promise.resolve()).then(async () => {
      const ids = [...this.dirty];
      this.dirty.clear();
      await Promise.all(ids.map((id) => this.publish(id)));
    });
    this.flushing = run;
    await run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await Promise.all([this.flush(), this.refreshing]);
  }

  /** One check at a time: a slow store must not pile checks up. */
  private refreshDue(): void {
    if (this.refreshing || this.stopped) return;
    this.refreshing = Promise.all(
      this.issuerIds().map(async (id) => {
        try {
          await this.publisher.current(id);
        } catch (error) {
          this.log.error({ err: error, issuerId: id }, 'CRL refresh failed');
        }
      }),
    ).then(() => {
      this.refreshing = undefined;
    });
  }

  private async publish(id: IssuerId): Promise<void> {
    try {
      await this.publisher.publish(id);
    } catch (error) {
      this.log.error({ err: error, issuerId: id }, 'CRL publication failed');
    }
  }
}
