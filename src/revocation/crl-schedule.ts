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

  constructor(
    private readonly publisher: CrlPublisher,
    private readonly issuerIds: () => readonly IssuerId[],
    private readonly options: { checkIntervalSeconds: number; coalesceMs: number },
    private readonly log: CrlScheduleLog,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.refreshDue(), this.options.checkIntervalSeconds * 1000);
    this.timer.unref();
    void this.refreshDue();
  }

  /** Marks issuers whose revocation list changed; their CRLs are republished within `coalesceMs`. */
  revoked(issuerIds: readonly IssuerId[]): void {
    for (const id of issuerIds) this.dirty.add(id);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.options.coalesceMs);
  }

  /** Publishes what is pending now (tests and shutdown call it; the timer does otherwise). */
  async flush(): Promise<void> {
    await this.flushing;
    const ids = [...this.dirty];
    this.dirty.clear();
    this.flushing = Promise.all(ids.map((id) => this.publish(id))).then(() => undefined);
    await this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flush();
  }

  private async refreshDue(): Promise<void> {
    await Promise.all(
      this.issuerIds().map(async (id) => {
        try {
          await this.publisher.current(id);
        } catch (error) {
          this.log.error({ err: error, issuerId: id }, 'CRL refresh failed');
        }
      }),
    );
  }

  private async publish(id: IssuerId): Promise<void> {
    try {
      await this.publisher.publish(id);
    } catch (error) {
      this.log.error({ err: error, issuerId: id }, 'CRL publication failed');
    }
  }
}
