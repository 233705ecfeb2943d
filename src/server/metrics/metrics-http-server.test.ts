import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { parsePrometheusText } from '../../../test/helpers/prometheus-text.js';
import { buildMetricsHttpServer } from './metrics-http-server.js';

const TOKEN = 'Zm9vYmFyLXNlY3JldC10b2tlbg';

function setUp(bearerToken: string | undefined, broken = false) {
  const registry = new Registry();
  const counter = new Counter({ name: 'test_things_total', help: 'things', registers: [registry] });
  counter.inc(3);
  if (broken) {
    new Gauge({
      name: 'test_broken',
      help: 'a collector that throws',
      registers: [registry],
      collect: () => {
        throw new Error('secret internal detail');
      },
    });
  }
  return buildMetricsHttpServer({ registry, bearerToken, logger: pino({ level: 'silent' }) });
}

describe('the metrics listener', () => {
  test('GET /metrics: the text format 0.0.4 with its content type', async () => {
    const app = setUp(undefined);
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(parsePrometheusText(response.body).value('test_things_total'), 3);
    await app.close();
  });

  test('with a token: 401 with a Bearer challenge without it or with a wrong one, 200 with it', async () => {
    const app = setUp(TOKEN);
    const refused = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
      { authorization: 'Bearer ' },
    ];
    for (const headers of refused) {
      const response = await app.inject({ method: 'GET', url: '/metrics', headers });
      assert.equal(response.statusCode, 401, JSON.stringify(headers));
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="certfleet metrics"');
      assert.equal(response.body, 'a bearer token is required\n');
      assert.doesNotMatch(response.body, /test_things_total/);
    }
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
      assert.equal(ok.statusCode, 200, authorization);
      assert.match(ok.body, /^test_things_total 3$/m);
    }
    await app.close();
  });

  test('serves nothing else', async () => {
    const app = setUp(undefined);
    assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: '/metrics' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 404);
    await app.close();
  });

  test('a collector that throws: 500 without its details', async () => {
    const app = setUp(undefined, true);
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, 'internal error\n');
    await app.close();
  });
});
