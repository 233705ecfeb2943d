import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPkiError } from '../../core/pki-error.js';
import type { EnrollmentOutcome, EnrollmentRecorder } from '../../store/enrollment-recorder.js';
import { validateConfig } from '../load-config.js';
import { parsePrometheusText } from '../../../test/helpers/prometheus-text.js';
import { ServerMetrics } from './server-metrics.js';

function config(metrics: Record<string, unknown>) {
  return validateConfig({ metrics }, 'test configuration');
}

const NOTHING: EnrollmentRecorder = { record: () => Promise.resolve() };

function issued(): EnrollmentOutcome {
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
    },
  };
}

describe('ServerMetrics.prepare', () => {
  test('the defaults: enabled on 127.0.0.1:9464 without a token, refreshed every 15 s', async () => {
    const defaults = config({}).metrics;
    assert.deepEqual(defaults, { enabled: true, host: '127.0.0.1', port: 9464, refreshSeconds: 15 });
    const metrics = await ServerMetrics.prepare(config({}), {});
    assert.ok(metrics);
    assert.deepEqual(metrics.config, defaults);
  });

  test('disabled: nothing', async () => {
    assert.equal(await ServerMetrics.prepare(config({ enabled: false }), {}), undefined);
  });

  test('a host off loopback without a token is refused with the setting to add', async () => {
    // validateConfig refuses it; prepare checks again for a configuration that skipped validation.
    assert.throws(() => config({ host: '0.0.0.0' }), /\/metrics\/bearerTokenSource: required/);
    const valid = config({});
    const offLoopback = { ...valid, metrics: { ...valid.metrics, host: '0.0.0.0' } };
    await assert.rejects(ServerMetrics.prepare(offLoopback, {}), (error: unknown) => {
      assert.ok(isPkiError(error, 'CONFIG_INVALID'));
      assert.match(error.message, /\/metrics\/bearerTokenSource: required when metrics\.host \(0\.0\.0\.0\)/);
      assert.equal(error.details['path'], '/metrics/bearerTokenSource');
      return true;
    });
  });

  test('a token that cannot be resolved, or holds spaces, is refused without being echoed', async () => {
    const cfg = config({ host: '0.0.0.0', bearerTokenSource: 'env:CERTFLEET_TEST_METRICS_TOKEN' });
    await assert.rejects(ServerMetrics.prepare(cfg, {}), (error: unknown) => {
      assert.ok(isPkiError(error, 'CONFIG_INVALID'));
      assert.match(
        error.message,
        /metrics\.bearerTokenSource: environment variable CERTFLEET_TEST_METRICS_TOKEN/,
      );
      return true;
    });
    await assert.rejects(
      ServerMetrics.prepare(cfg, { CERTFLEET_TEST_METRICS_TOKEN: 'two words' }),
      (error: unknown) => {
        assert.ok(isPkiError(error, 'CONFIG_INVALID'));
        assert.doesNotMatch(error.message, /two words/);
        return true;
      },
    );
    assert.ok(await ServerMetrics.prepare(cfg, { CERTFLEET_TEST_METRICS_TOKEN: 's3cret-token' }));
  });

  test('the schema refuses a token written inline instead of a reference, and bad ports', () => {
    assert.throws(
      () => config({ bearerTokenSource: 's3cret-token' }),
      (error: unknown) =>
        isPkiError(error, 'CONFIG_INVALID') && /\/metrics\/bearerTokenSource/.test(error.message),
    );
    assert.throws(
      () => config({ port: 70000 }),
      (error: unknown) => isPkiError(error, 'CONFIG_INVALID') && /\/metrics\/port/.test(error.message),
    );
    assert.throws(
      () => config({ refreshSeconds: 0 }),
      (error: unknown) =>
        isPkiError(error, 'CONFIG_INVALID') && /\/metrics\/refreshSeconds/.test(error.message),
    );
  });

  test('two servers in one process keep their own registries and counts, with the process metrics in each', async () => {
    const [a, b] = await Promise.all([
      ServerMetrics.prepare(config({}), {}),
      ServerMetrics.prepare(config({}), {}),
    ]);
    assert.ok(a && b);
    const recorder = a.runtimeHooks.enrollmentRecorder?.(NOTHING);
    assert.ok(recorder);
    await recorder.record([issued(), issued()]);
    const [textA, textB] = await Promise.all([a.registry.metrics(), b.registry.metrics()]);
    const fromA = parsePrometheusText(textA);
    const fromB = parsePrometheusText(textB);
    assert.equal(fromA.value('certfleet_enrollments_total', { protocol: 'est' }), 2);
    assert.deepEqual(fromB.find('certfleet_enrollments_total'), []);
    for (const metrics of [fromA, fromB]) {
      assert.ok(metrics.find('certfleet_process_cpu_user_seconds_total').length === 1);
      assert.ok(metrics.types.has('certfleet_nodejs_eventloop_lag_seconds'));
    }
  });
});
