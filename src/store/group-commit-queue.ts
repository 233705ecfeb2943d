import { isPkiError } from '../core/pki-error.js';

interface Waiting<C, R> {
  readonly call: C;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitQueueOptions<C, R> {
  /** Commits several calls as one unit and returns each call's result, in order. */
  readonly commit: (calls: readonly C[]) => Promise<readonly R[]>;
  /** How much a call weighs against maxBatchSize (the number of certificates in it). */
  readonly sizeOf: (call: C) => number;
  readonly maxBatchSize: number;
  /**
   * Starts a batch's admission check: the returned function says whether a call may join the batch (and, if
   * so, remembers it); a call it refuses starts the next batch. Stateful so a batch is checked in linear time.
   */
  readonly admission?: () => (call: C) => boolean;
}

/**
 * Group commit: calls submitted in the same turn of the event loop, or while a commit is in progress, are
 * committed together, and each caller's promise settles only after the commit that carried its call. One
 * commit at a time, in arrival order; a batch is cut at maxBatchSize (a call is never split).
 *
 * A batch that fails with a PkiError caused by its content (CONFLICT, NOT_FOUND, …) is retried call by call,
 * so one bad call fails alone rather than taking its neighbours with it; any other failure (UNAVAILABLE, an
 * unexpected error) rejects every call of the batch.
 */
export class GroupCommitQueue<C, R> {
  private waiting: Waiting<C, R>[] = [];
  private draining = false;
  private scheduled = false;

  constructor(private readonly options: GroupCommitQueueOptions<C, R>) {}

  submit(call: C): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ call, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.draining || this.scheduled) return;
    this.scheduled = true;
    // setImmediate rather than a microtask: it runs after the I/O callbacks of this loop turn, so requests
    // that arrived together join the first commit too.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) await this.commitBatch(this.takeBatch());
    } finally {
      this.draining = false;
    }
  }

  private takeBatch(): Waiting<C, R>[] {
    const { sizeOf, maxBatchSize } = this.options;
    const admit = this.options.admission?.() ?? (() => true);
    const batch: Waiting<C, R>[] = [];
    let size = 0;
    for (const next of this.waiting) {
      const nextSize = sizeOf(next.call);
      // The first call always goes, even alone over the cap or refused: a call is never split or starved.
      if (batch.length > 0 && size + nextSize > maxBatchSize) break;
      if (!admit(next.call) && batch.length > 0) break;
      batch.push(next);
      size += nextSize;
    }
    this.waiting = this.waiting.slice(batch.length);
    return batch;
  }

  private async commitBatch(batch: readonly Waiting<C, R>[]): Promise<void> {
    try {
      const results = await this.options.commit(batch.map((w) => w.call));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (error) {
      if (
        batch.length > 1 &&
        isPkiError(error) &&
        error.code !== 'UNAVAILABLE' &&
        error.code !== 'INTERNAL'
      ) {
        for (const w of batch) await this.commitBatch([w]);
      } else {
        for (const w of batch) w.reject(error);
      }
    }
  }
}
