import { Counter, type Registry } from 'prom-client';
import type { EnrollmentOutcome } from '../../store/enrollment-recorder.js';
import { type EnrollmentLabels, enrollmentLabels } from './enrollment-labels.js';

const LABEL_NAMES = ['protocol', 'operation', 'outcome', 'reason'] as const satisfies ReadonlyArray<
  keyof EnrollmentLabels
>;

/**
 * `certfleet_enrollments_total{protocol,operation,outcome,reason}`: the enrollment attempts this node recorded,
 * each counted once its row is committed, under the bounded labels of enrollmentLabels.
 */
export class EnrollmentMetrics {
  private readonly counter: Counter<keyof EnrollmentLabels>;

  constructor(registry: Registry) {
    this.counter = new Counter({
      name: 'certfleet_enrollments_total',
      help: 'Enrollment attempts recorded by this node, by front end, operation, outcome and refusal reason.',
      labelNames: LABEL_NAMES,
      registers: [registry],
    });
  }

  count(outcomes: readonly EnrollmentOutcome[]): void {
    for (const { event } of outcomes) this.counter.inc(enrollmentLabels(event));
  }
}
