/**
 * Runs tasks with at most `concurrency` in flight. submit() waits while the pool is full, so a producer
 * reading pages of work never gets ahead of the probes by more than one page; drain() waits for the rest.
 * Tasks handle (log) their own errors: a rejection only frees the task's slot.
 */
export class PromisePool {
  private active = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];

  constructor(readonly concurrency: number) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
  }

  get running(): number {
    return this.active;
  }

  /** Resolves once the task has started. */
  async submit(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.concurrency) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.active += 1;
    const done = () => {
      this.active -= 1;
      this.slotWaiters.shift()?.();
      if (this.active === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
    };
    task().then(done, done);
  }

  /** Resolves when no task is running. */
  drain(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}
