import type { EnrollmentOutcome, EnrollmentRecorder } from '../../store/enrollment-recorder.js';
import type { EnrollmentMetrics } from './enrollment-metrics.js';

/**
 * The store's recorder with a count of what it committed: the RA records every attempt (refusals included)
 * through it, so wrapping it counts every front end without any of them knowing. An outcome is counted after
 * its commit, so the counter never runs ahead of the enrollment log; a failed write counts nothing.
 */
export class CountingEnrollmentRecorder implements EnrollmentRecorder {
  constructor(
    private readonly inner: EnrollmentRecorder,
    private readonly metrics: Pick<EnrollmentMetrics, 'count'>,
  ) {}

  async record(outcomes: readonly EnrollmentOutcome[]): Promise<void> {
    await this.inner.record(outcomes);
    this.metrics.count(outcomes);
  }
}
