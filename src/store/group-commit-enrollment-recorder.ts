import type { EnrollmentOutcome, EnrollmentRecorder } from './enrollment-recorder.js';
import { GroupCommitQueue } from './group-commit-queue.js';

export interface GroupCommitEnrollmentRecorderOptions {
  /** Most outcomes in one underlying call (one transaction); default 1024. A larger call goes alone. */
  readonly maxBatchOutcomes?: number;
}

const DEFAULT_MAX_BATCH_OUTCOMES = 1024;

/**
 * Coalesces concurrent record() calls into one call of the underlying recorder, hence one transaction and one
 * fsync, while keeping its promise: each caller's promise resolves only once its outcomes are committed. The RA
 * records every enrollment attempt; a commit per attempt would cap the server at the disk's fsync rate and, on
 * SQLite, stop the event loop for each of them.
 *
 * Concatenating calls keeps each call's meaning: the underlying recorder writes outcomes in order, as if one
 * after another. If a batch fails because of one call's content (a superseded certificate that is unknown or
 * superseded by another, an invalid time), GroupCommitQueue retries the batch call by call, so only that call
 * fails; an UNAVAILABLE store fails the whole batch.
 */
export class GroupCommitEnrollmentRecorder implements EnrollmentRecorder {
  private readonly queue: GroupCommitQueue<readonly EnrollmentOutcome[], void>;
  private commitCount = 0;
  private outcomeCount = 0;

  constructor(inner: EnrollmentRecorder, options: GroupCommitEnrollmentRecorderOptions = {}) {
    this.queue = new GroupCommitQueue<readonly EnrollmentOutcome[], void>({
      maxBatchSize: options.maxBatchOutcomes ?? DEFAULT_MAX_BATCH_OUTCOMES,
      sizeOf: (call) => call.length,
      commit: async (calls) => {
        const outcomes = calls.flat();
        await inner.record(outcomes);
        this.commitCount += 1;
        this.outcomeCount += outcomes.length;
        return calls.map(() => undefined);
      },
    });
  }

  async record(outcomes: readonly EnrollmentOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.queue.submit(outcomes);
  }

  /** Underlying calls that committed, and the outcomes they carried: how well batching works, for metrics. */
  get commits(): { readonly transactions: number; readonly outcomes: number } {
    return { transactions: this.commitCount, outcomes: this.outcomeCount };
  }
}
