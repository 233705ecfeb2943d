import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Config } from '../config-schema.js';
import { isLoopbackHost, metricsConfigProblems } from './metrics-config-problems.js';

function metrics(overrides: Partial<Config['metrics']>): Config['metrics'] {
  return { enabled: true, host: '127.0.0.1', port: 9464, refreshSeconds: 15, ...overrides };
}

describe('isLoopbackHost', () => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['127.0.0.1', true],
    ['127.3.2.1', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['128.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['fe80::1%eth0', false],
    ['metrics.example.com', false],
    ['localhost.example.com', false],
  ];
  for (const [host, loopback] of cases) {
    test(`${host}: ${loopback ? 'loopback' : 'reachable from elsewhere'}`, () => {
      assert.equal(isLoopbackHost(host), loopback);
    });
  }
});

describe('metricsConfigProblems', () => {
  test('loopback without a token is fine; so is any host with one, or metrics disabled', () => {
    assert.deepEqual(metricsConfigProblems(metrics({})), []);
    assert.deepEqual(metricsConfigProblems(metrics({ host: '0.0.0.0', bearerTokenSource: 'env:T' })), []);
    assert.deepEqual(metricsConfigProblems(metrics({ host: '0.0.0.0', enabled: false })), []);
  });

  test('a host off loopback without a token names the setting and the way out', () => {
    const problems = metricsConfigProblems(metrics({ host: '0.0.0.0' }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, '/metrics/bearerTokenSource');
    assert.match(
      problems[0]?.message ?? '',
      /required when metrics\.host \(0\.0\.0\.0\) is not a loopback address/,
    );
  });
});
