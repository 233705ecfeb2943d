import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { PkiError } from '../../core/pki-error.js';
import type { EnrollmentOutcome, EnrollmentRecorder } from '../../store/enrollment-recorder.js';
import type { EnrollmentEvent } from '../../store/records.js';
import { parsePrometheusText } from '../../../test/helpers/prometheus-text.js';
import { CountingEnrollmentRecorder } from './counting-enrollment-recorder.js';
import { EnrollmentMetrics } from './enrollment-metrics.js';

function outcome(overrides: Partial<EnrollmentEvent> = {}): EnrollmentOutcome {
  return {
    event: {
      at: new Date('2030-01-01T00:00:00Z'),
      deviceId: null,
      protocol: 'est',
      operation: 'simpleenroll',
      profile: 'ldevid',
      issuerId: null,
      outcome: 'issued',
      reasonCode: null,
      reason: null,
      requester: 'idevid:01',
      certificateSerial: null,
      ...overrides,
    },
  };
}

class MemoryRecorder implements EnrollmentRecorder {
  readonly recorded: EnrollmentOutcome[] = [];
  failWith: Error | undefined;

  record(outcomes: readonly EnrollmentOutcome[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.recorded.push(...outcomes);
    return Promise.resolve();
  }
}

async function scrape(registry: Registry) {
  return parsePrometheusText(await registry.metrics());
}

describe('CountingEnrollmentRecorder', () => {
  test('records through the store recorder, then counts each outcome under its labels', async () => {
    const registry = new Registry();
    const inner = new MemoryRecorder();
    const recorder = new CountingEnrollmentRecorder(inner, new EnrollmentMetrics(registry));
    await recorder.record([outcome(), outcome()]);
    await recorder.record([
      outcome({ outcome: 'refused', reasonCode: 'UNAUTHORIZED', operation: 'simplereenroll' }),
    ]);
    assert.equal(inner.recorded.length, 3);
    const metrics = await scrape(registry);
    assert.equal(metrics.types.get('certfleet_enrollments_total'), 'counter');
    assert.equal(
      metrics.value('certfleet_enrollments_total', {
        protocol: 'est',
        operation: 'simpleenroll',
        outcome: 'issued',
        reason: 'none',
      }),
      2,
    );
    assert.equal(
      metrics.value('certfleet_enrollments_total', {
        operation: 'simplereenroll',
        outcome: 'refused',
        reason: 'UNAUTHORIZED',
      }),
      1,
    );
  });

  test('a failed write counts nothing and fails as it did', async () => {
    const registry = new Registry();
    const inner = new MemoryRecorder();
    const recorder = new CountingEnrollmentRecorder(inner, new EnrollmentMetrics(registry));
    inner.failWith = new PkiError('UNAVAILABLE', 'the store is down');
    await assert.rejects(recorder.record([outcome()]), (e: unknown) => e === inner.failWith);
    assert.equal(inner.recorded.length, 0);
    assert.deepEqual((await scrape(registry)).find('certfleet_enrollments_total'), []);
  });
});
