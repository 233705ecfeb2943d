import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { adminApiPlugin } from '../../src/api/admin-api-plugin.js';
import { apiDependencies } from '../../src/api/api-dependencies.js';
import { ManualClock } from '../../src/core/clock.js';
import { createOperatorTokens } from '../helpers/operator-tokens.js';
import { openMonitor } from '../../src/monitor/open-monitor.js';
import { encodePem, readPemAll } from '../../src/pki/pem.js';
import type { NewDelivery } from '../../src/store/delivery-log.js';
import { freePort } from '../helpers/free-port.js';
import { makeTestCertificate } from '../helpers/pki-fixtures.js';
import { createTestDeployment, type TestDeployment } from '../helpers/test-deployment.js';

/** The configured alert channels the API is told about; a rule may name only these. */
const CHANNELS = ['ops-slack', 'ops-mail'];
/** A small CSV bound, so the test can pass it. */
const MAX_IMPORT_BYTES = 4096;

type Json = Record<string, unknown>;

/**
 * The admin API's monitor and alerts resources through Fastify's inject(): a real deployment (development
 * hierarchy, SQLite store) behind the plugin as the HTTPS server registers it, with the monitor's real prober
 * probing a TLS server on loopback.
 */
describe('admin API: endpoints, observations, alert rules, deliveries (inject)', () => {
  let deployment: TestDeployment;
  let app: FastifyInstance;
  let tlsServer: TlsServer;
  let tlsPort: number;
  const clock = new ManualClock(new Date());
  const tokens = { admin: '', read: '' };
  const served = makeTestCertificate({
    subject: 'localhost',
    altNames: [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ],
  });

  before(async () => {
    deployment = await createTestDeployment({ clock, config: { log: { level: 'silent' } } });
    const { runtime } = deployment;
    tlsServer = createTlsServer(
      {
        cert: encodePem('CERTIFICATE', served.cert.der),
        key: served.key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
      },
      (socket) => socket.end(),
    );
    tlsServer.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
    const { prober } = await openMonitor({
      store: runtime.store,
      settings: {
        ...runtime.config.monitor,
        connectTimeoutMs: 2000,
        probeTimeoutMs: 3000,
      },
      clock,
      log: { error: () => undefined },
      resolveSecret: () => Promise.reject(new Error('no secrets in this test')),
    });
    app = Fastify({ logger: false });
    await app.register(adminApiPlugin, {
      ...apiDependencies(runtime.store, runtime.revocations, runtime.tokenSecrets, clock, {
        prober,
        alertChannels: CHANNELS,
      }),
      maxImportBytes: MAX_IMPORT_BYTES,
    });
    await app.ready();
    ({ admin: tokens.admin, read: tokens.read } = await createOperatorTokens(runtime.store, clock, 'ops'));
  });
  after(async () => {
    await app.close();
    await new Promise((resolve) => tlsServer.close(resolve));
    await deployment.dispose();
  });

  /** `token`: `admin` (default) or `read`. */
  const call = (options: InjectOptions & { token?: 'admin' | 'read' }) => {
    const { token = 'admin', headers, ...rest } = options;
    return app.inject({ ...rest, headers: { authorization: `Bearer ${tokens[token]}`, ...headers } });
  };
  const json = (response: { body: string }) => JSON.parse(response.body) as Json;
  const items = (response: { body: string }) => json(response)['items'] as Json[];
  const pointers = (response: { body: string }) =>
    ((json(response)['errors'] ?? []) as Array<{ pointer: string }>).map((e) => e.pointer);

  /** What a refused request must leave as it was. */
  async function snapshot(): Promise<string> {
    const { store } = deployment.runtime;
    return JSON.stringify({
      endpoints: (await store.endpoints.page({ limit: 10_000 })).map(
        (e) =>
          `${e.name}:${e.host}:${e.port}:${e.enabled}:${JSON.stringify(e.labels)}:${e.updatedAt.getTime()}`,
      ),
      observations: (await store.observations.latest({ limit: 10_000 })).map((l) => l.observation?.id ?? '-'),
      rules: (await store.alertRules.list()).map((r) => `${r.name}:${r.enabled}`),
      audit: (await store.auditHistory.page({ limit: 10_000 })).length,
    });
  }

  async function lastAudit(event: string) {
    const [record] = await deployment.runtime.store.auditHistory.page({ event, limit: 1 });
    return record;
  }

  describe('endpoints', () => {
    test('add, read (latest observation null before a probe), change, audited with the token as actor', async () => {
      const added = await call({
        method: 'POST',
        url: '/api/v1/endpoints',
        payload: {
          name: 'broker-eu-1',
          host: 'broker.example.com',
          port: 8883,
          protocol: 'mqtts',
          labels: { site: 'fra' },
        },
      });
      assert.equal(added.statusCode, 201, added.body);
      const endpoint = json(added);
      assert.deepEqual(
        [endpoint['name'], endpoint['protocol'], endpoint['kind'], endpoint['enabled'], endpoint['sni']],
        ['broker-eu-1', 'mqtts', 'service', true, null],
      );
      assert.equal((await lastAudit('endpoint.added'))?.actor, 'operator:ops-admin');

      const read = await call({ method: 'GET', url: '/api/v1/endpoints/broker-eu-1', token: 'read' });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(json(read)['host'], 'broker.example.com');
      assert.equal(json(read)['latestObservation'], null);

      const changed = await call({
        method: 'PATCH',
        url: '/api/v1/endpoints/broker-eu-1',
        payload: { port: 8884, labels: { site: 'fra', env: 'prod' }, enabled: false },
      });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.deepEqual(
        [json(changed)['port'], json(changed)['labels'], json(changed)['enabled'], json(changed)['host']],
        [8884, { env: 'prod', site: 'fra' }, false, 'broker.example.com'],
      );
      const audit = await lastAudit('endpoint.updated');
      assert.equal(audit?.actor, 'operator:ops-admin');
      assert.deepEqual(audit?.data, { fields: ['enabled', 'labels', 'port'] });
      assert.equal(
        (
          await call({
            method: 'POST',
            url: '/api/v1/endpoints',
            payload: { name: 'broker-eu-1', host: 'other.example', port: 1 },
          })
        ).statusCode,
        409,
      );
    });

    test('lists by name in two pages by cursor, with kind, protocol and enabled filters', async () => {
      for (const [name, kind, protocol] of [
        ['page-c', 'device', 'https'],
        ['page-a', 'service', 'tls'],
        ['page-b', 'device', 'https'],
      ] as const) {
        const response = await call({
          method: 'POST',
          url: '/api/v1/endpoints',
          payload: { name, host: `${name}.example`, port: 443, kind, protocol },
        });
        assert.equal(response.statusCode, 201, response.body);
      }
      const all = await deployment.runtime.store.endpoints.page({ limit: 10_000 });
      const first = await call({ method: 'GET', url: '/api/v1/endpoints?limit=2', token: 'read' });
      assert.equal(first.statusCode, 200, first.body);
      const next = json(first)['next'];
      assert.equal(typeof next, 'string');
      const second = await call({
        method: 'GET',
        url: `/api/v1/endpoints?limit=${all.length}&cursor=${String(next)}`,
      });
      assert.deepEqual(
        [...items(first), ...items(second)].map((e) => e['name']),
        all.map((e) => e.name),
      );
      assert.equal(json(second)['next'], null, 'the last page says so');

      const devices = await call({
        method: 'GET',
        url: '/api/v1/endpoints?kind=device&protocol=https&limit=1',
      });
      const rest = await call({
        method: 'GET',
        url: `/api/v1/endpoints?kind=device&protocol=https&limit=1&cursor=${String(json(devices)['next'])}`,
      });
      assert.deepEqual(
        [...items(devices), ...items(rest)].map((e) => e['name']),
        ['page-b', 'page-c'],
      );
      const disabled = await call({ method: 'GET', url: '/api/v1/endpoints?enabled=false' });
      assert.deepEqual(
        items(disabled).map((e) => e['name']),
        ['broker-eu-1'],
      );
      for (const [url, pointer] of [
        ['/api/v1/endpoints?kind=toaster', '/kind'],
        ['/api/v1/endpoints?protocol=gopher', '/protocol'],
        ['/api/v1/endpoints?limit=501', '/limit'],
        [`/api/v1/endpoints?cursor=${Buffer.from('["devices","x"]').toString('base64url')}`, '/cursor'],
      ] as const) {
        const response = await call({ method: 'GET', url });
        assert.equal(response.statusCode, 400, url);
        assert.deepEqual(pointers(response), [pointer], url);
      }
    });

    test('bad bodies are 400 naming the field by JSON pointer, and change nothing', async () => {
      const before = await snapshot();
      const base = { name: 'never-added', host: 'a.example', port: 443 };
      const cases: Array<[Json, string, RegExp?]> = [
        [{ ...base, host: 'bad host' }, '/host', /host 'bad host' is not a DNS name or an IP address/],
        [{ ...base, name: 'has space' }, '/name', /name 'has space' is not valid/],
        [{ ...base, labels: { 'bad-label': 'x' } }, '/labels', /label name 'bad-label' is not valid/],
        [{ ...base, sni: '10.0.0.1' }, '/sni', /TLS sends no IP address/],
        [{ ...base, deviceId: ' bad id' }, '/deviceId', /device id/],
        [{ ...base, port: 70_000 }, '/port'],
        [{ ...base, protocol: 'gopher' }, '/protocol'],
        [{ ...base, hostname: 'a.example' }, '/hostname', /not a known field/],
        [{ name: 'never-added', port: 443 }, '/host', /is required/],
      ];
      for (const [payload, pointer, detail] of cases) {
        const response = await call({ method: 'POST', url: '/api/v1/endpoints', payload });
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.equal(response.headers['content-type'], 'application/problem+json');
        assert.deepEqual(pointers(response), [pointer], JSON.stringify(payload));
        if (detail) assert.match(String(json(response)['detail']), detail);
      }
      for (const [payload, pointer] of [
        [{ host: 'bad host' }, '/host'],
        [{ port: 0 }, '/port'],
        [{ name: 'renamed' }, '/name'],
        [{}, ''],
      ] as const) {
        const response = await call({ method: 'PATCH', url: '/api/v1/endpoints/page-a', payload });
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.deepEqual(pointers(response), [pointer], JSON.stringify(payload));
      }
      const missing = await call({ method: 'PATCH', url: '/api/v1/endpoints/nowhere', payload: { port: 1 } });
      assert.equal(missing.statusCode, 404);
      assert.equal(await snapshot(), before);
    });

    test('a read token may not add, change, remove, import or probe (403); nothing changes', async () => {
      const before = await snapshot();
      const writes: Array<InjectOptions & { url: string }> = [
        {
          method: 'POST',
          url: '/api/v1/endpoints',
          payload: { name: 'by-reader', host: 'a.example', port: 1 },
        },
        { method: 'PATCH', url: '/api/v1/endpoints/page-a', payload: { port: 1 } },
        { method: 'DELETE', url: '/api/v1/endpoints/page-a' },
        {
          method: 'POST',
          url: '/api/v1/endpoints/import',
          headers: { 'content-type': 'text/csv' },
          payload: 'name,host,port,protocol\nby-reader,a.example,1,tls\n',
        },
        { method: 'POST', url: '/api/v1/endpoints/page-a/probe' },
      ];
      for (const write of writes) {
        const response = await call({ ...write, token: 'read' });
        assert.equal(response.statusCode, 403, `${write.method} ${write.url}`);
        assert.equal(
          response.headers['www-authenticate'],
          'Bearer realm="certfleet", error="insufficient_scope", scope="admin"',
        );
      }
      assert.equal(await snapshot(), before);
    });

    test('delete removes the endpoint (204); then it is a 404 everywhere', async () => {
      const removed = await call({ method: 'DELETE', url: '/api/v1/endpoints/page-c' });
      assert.equal(removed.statusCode, 204, removed.body);
      assert.equal(removed.body, '');
      assert.equal((await lastAudit('endpoint.removed'))?.subject, 'endpoint:page-c');
      for (const request of [
        { method: 'GET', url: '/api/v1/endpoints/page-c' },
        { method: 'GET', url: '/api/v1/endpoints/page-c/observations' },
        { method: 'PATCH', url: '/api/v1/endpoints/page-c', payload: { port: 1 } },
        { method: 'DELETE', url: '/api/v1/endpoints/page-c' },
        { method: 'POST', url: '/api/v1/endpoints/page-c/probe' },
      ] as const) {
        const response = await call(request);
        assert.equal(response.statusCode, 404, `${request.method} ${request.url}`);
        assert.equal(json(response)['detail'], "no endpoint named 'page-c'");
      }
    });
  });

  describe('CSV import', () => {
    const header = 'name,host,port,sni,protocol,kind,device_id';

    test('imports the good rows and reports the bad one by line (200), audited', async () => {
      const csv = [
        header,
        'csv-a,10.0.0.1,8883,,mqtts,service,',
        'csv-b,bad host,443,,tls,,',
        'csv-c,gw.example.com,443,gw.example.com,https,device,SN-1',
        '',
      ].join('\r\n');
      const response = await call({
        method: 'POST',
        url: '/api/v1/endpoints/import',
        headers: { 'content-type': 'text/csv; charset=utf-8' },
        payload: `\uFEFF${csv}`,
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(json(response), {
        rows: 3,
        imported: 2,
        errors: [{ line: 3, error: "host 'bad host' is not a DNS name or an IP address" }],
      });
      const { store } = deployment.runtime;
      assert.equal((await store.endpoints.get('csv-a'))?.protocol, 'mqtts');
      assert.equal((await store.endpoints.get('csv-c'))?.deviceId, 'SN-1');
      assert.equal(await store.endpoints.get('csv-b'), undefined);
      const audit = await lastAudit('endpoints.imported');
      assert.equal(audit?.actor, 'operator:ops-admin');
      assert.deepEqual(audit?.data, { rows: 3, imported: 2, refused: 1 });

      const again = await call({
        method: 'POST',
        url: '/api/v1/endpoints/import',
        headers: { 'content-type': 'text/csv' },
        payload: `${header}\ncsv-a,10.0.0.1,8883,,mqtts,service,\n`,
      });
      assert.equal(again.statusCode, 200);
      assert.deepEqual(json(again)['errors'], [
        { line: 2, error: "an endpoint named 'csv-a' exists already" },
      ]);
    });

    test('wrong media type 415, too large 413, unreadable file 400: nothing is imported', async () => {
      const before = await snapshot();
      const good = `${header}\nrefused-1,a.example,443,,tls,,\n`;
      for (const contentType of ['application/json', 'text/plain', undefined]) {
        const response = await call({
          method: 'POST',
          url: '/api/v1/endpoints/import',
          headers: contentType === undefined ? {} : { 'content-type': contentType },
          payload: contentType === 'application/json' ? JSON.stringify({ csv: good }) : good,
        });
        assert.equal(response.statusCode, 415, String(contentType));
        assert.equal(json(response)['type'], 'https://certfleet.dev/problems/unsupported-media-type');
        assert.equal(json(response)['detail'], 'this takes a CSV file: send Content-Type: text/csv');
      }
      const padding = `${'x'.repeat(100)}.example`;
      const large = `${header}\n${Array.from({ length: 60 }, (_, i) => `big-${i},${padding},443,,tls,,`).join('\n')}`;
      assert.ok(large.length > MAX_IMPORT_BYTES);
      const announced = await call({
        method: 'POST',
        url: '/api/v1/endpoints/import',
        headers: { 'content-type': 'text/csv' },
        payload: large,
      });
      assert.equal(announced.statusCode, 413);
      assert.equal(
        json(announced)['detail'],
        `the CSV file exceeds ${MAX_IMPORT_BYTES} bytes; import it in parts`,
      );
      // Chunked, without a Content-Length: refused once it passes the bound.
      const streamed = await call({
        method: 'POST',
        url: '/api/v1/endpoints/import',
        headers: { 'content-type': 'text/csv' },
        payload: Readable.from([Buffer.from(large.slice(0, 3000)), Buffer.from(large.slice(3000))]),
      });
      assert.equal(streamed.statusCode, 413);

      for (const [payload, detail] of [
        ['', /the file is empty/],
        ['name,host\nx,a.example\n', /the header lacks port, protocol/],
        [Buffer.from([0x6e, 0xff, 0xfe, 0x0a]), /not UTF-8/],
      ] as const) {
        const response = await call({
          method: 'POST',
          url: '/api/v1/endpoints/import',
          headers: { 'content-type': 'text/csv' },
          payload,
        });
        assert.equal(response.statusCode, 400, String(payload));
        assert.match(String(json(response)['detail']), detail);
      }
      assert.equal(await snapshot(), before);
    });
  });

  describe('probes and observations', () => {
    test('probe now: the loopback TLS server is probed, recorded and answered with its chain', async () => {
      const added = await call({
        method: 'POST',
        url: '/api/v1/endpoints',
        payload: { name: 'loopback-tls', host: '127.0.0.1', port: tlsPort },
      });
      assert.equal(added.statusCode, 201, added.body);
      const probed = await call({ method: 'POST', url: '/api/v1/endpoints/loopback-tls/probe' });
      assert.equal(probed.statusCode, 200, probed.body);
      const observation = json(probed);
      assert.equal(observation['outcome'], 'ok');
      assert.equal(observation['endpointName'], 'loopback-tls');
      assert.match(String(observation['tlsVersion']), /^TLSv1\.[23]$/);
      assert.equal(observation['chainLength'], 1);
      assert.equal(observation['chainValid'], false, 'self-signed: not under our issuers');
      assert.equal(observation['hostnameMatches'], true);
      const leaf = observation['leaf'] as Json;
      assert.equal(leaf['fingerprintSha256'], served.cert.fingerprintSha256);
      assert.equal(leaf['serial'], served.cert.serial);
      assert.deepEqual(
        readPemAll((observation['chainPem'] as string[]).join(''), 'CERTIFICATE', 'the chain'),
        [served.cert.der],
      );
      const audit = await lastAudit('endpoint.probed');
      assert.equal(audit?.actor, 'operator:ops-admin');
      assert.deepEqual(audit?.data, { observationId: observation['id'], outcome: 'ok' });

      const endpoint = json(
        await call({ method: 'GET', url: '/api/v1/endpoints/loopback-tls', token: 'read' }),
      );
      assert.equal((endpoint['latestObservation'] as Json)['id'], observation['id']);
      assert.equal(endpoint['lastProbedAt'], observation['observedAt']);
      const one = await call({ method: 'GET', url: `/api/v1/observations/${String(observation['id'])}` });
      assert.equal(one.statusCode, 200, one.body);
      assert.deepEqual(json(one), observation);
    });

    test('a closed port is an observation (refused), not an error; its failures are counted', async () => {
      const port = await freePort();
      await call({
        method: 'POST',
        url: '/api/v1/endpoints',
        payload: { name: 'loopback-closed', host: '127.0.0.1', port },
      });
      const probed = await call({ method: 'POST', url: '/api/v1/endpoints/loopback-closed/probe' });
      assert.equal(probed.statusCode, 200, probed.body);
      assert.equal(json(probed)['outcome'], 'refused');
      assert.deepEqual(json(probed)['chainPem'], []);
      const endpoint = json(await call({ method: 'GET', url: '/api/v1/endpoints/loopback-closed' }));
      assert.equal(endpoint['consecutiveFailures'], 1);
    });

    test("an endpoint's history, newest first, in two pages by cursor (probes in the same millisecond)", async () => {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        const probed = await call({ method: 'POST', url: '/api/v1/endpoints/loopback-tls/probe' });
        ids.push(Number(json(probed)['id']));
      }
      const first = await call({
        method: 'GET',
        url: '/api/v1/endpoints/loopback-tls/observations?limit=2',
        token: 'read',
      });
      assert.equal(first.statusCode, 200, first.body);
      const second = await call({
        method: 'GET',
        url: `/api/v1/endpoints/loopback-tls/observations?limit=2&cursor=${String(json(first)['next'])}`,
      });
      const listed = [...items(first), ...items(second)].map((o) => Number(o['id']));
      assert.equal(listed.length, 4, 'the probe of the test before, and these three');
      assert.deepEqual(listed.slice(0, 3), [...ids].reverse());
      assert.equal(json(second)['next'], null);
      assert.ok(
        items(first).every((o) => !('chainPem' in o)),
        'lists leave the chain out',
      );
      const bad = await call({
        method: 'GET',
        url: `/api/v1/endpoints/loopback-tls/observations?cursor=${String(json(first)['next'])}x`,
      });
      assert.equal(bad.statusCode, 400);
    });

    test('the latest observation of every endpoint, by endpoint id, in pages', async () => {
      const first = await call({ method: 'GET', url: '/api/v1/observations/latest?limit=3', token: 'read' });
      assert.equal(first.statusCode, 200, first.body);
      const rest = await call({
        method: 'GET',
        url: `/api/v1/observations/latest?limit=500&cursor=${String(json(first)['next'])}`,
      });
      const rows = [...items(first), ...items(rest)];
      const names = rows.map((r) => (r['endpoint'] as Json)['name']);
      const stored = await deployment.runtime.store.observations.latest({ limit: 10_000 });
      assert.deepEqual(
        names,
        stored.map((l) => l.endpoint.name),
      );
      const tls = rows.find((r) => (r['endpoint'] as Json)['name'] === 'loopback-tls');
      assert.equal((tls?.['observation'] as Json)['outcome'], 'ok');
      const unprobed = rows.find((r) => (r['endpoint'] as Json)['name'] === 'page-a');
      assert.equal(unprobed?.['observation'], null);
      const services = await call({
        method: 'GET',
        url: '/api/v1/observations/latest?kind=device&limit=500',
      });
      assert.ok(items(services).every((r) => (r['endpoint'] as Json)['kind'] === 'device'));
    });

    test('unknown and malformed observation ids; a removed endpoint takes its observations', async () => {
      assert.equal((await call({ method: 'GET', url: '/api/v1/observations/999999' })).statusCode, 404);
      const bad = await call({ method: 'GET', url: '/api/v1/observations/abc' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(pointers(bad), ['/id']);
      const probed = json(await call({ method: 'POST', url: '/api/v1/endpoints/loopback-closed/probe' }));
      assert.equal(
        (await call({ method: 'DELETE', url: '/api/v1/endpoints/loopback-closed' })).statusCode,
        204,
      );
      const gone = await call({ method: 'GET', url: `/api/v1/observations/${String(probed['id'])}` });
      assert.equal(gone.statusCode, 404);
    });

    test('a node without a prober answers 503 and records nothing', async () => {
      const { runtime } = deployment;
      const bare = Fastify({ logger: false });
      await bare.register(
        adminApiPlugin,
        apiDependencies(runtime.store, runtime.revocations, runtime.tokenSecrets, clock),
      );
      try {
        const before = await snapshot();
        const response = await bare.inject({
          method: 'POST',
          url: '/api/v1/endpoints/loopback-tls/probe',
          headers: { authorization: `Bearer ${tokens.admin}` },
        });
        assert.equal(response.statusCode, 503, response.body);
        assert.equal(json(response)['code'], 'UNAVAILABLE');
        assert.equal(await snapshot(), before);
      } finally {
        await bare.close();
      }
    });
  });

  describe('alert rules and states', () => {
    test('add with the command line defaults, read, list in two pages, audited', async () => {
      const expiry = await call({
        method: 'POST',
        url: '/api/v1/alert-rules',
        payload: { name: 'tls-expiry', condition: { kind: 'expiry' }, channels: ['ops-slack'] },
      });
      assert.equal(expiry.statusCode, 201, expiry.body);
      assert.deepEqual(json(expiry)['condition'], { kind: 'expiry', thresholdsDays: [30, 14, 7, 1] });
      assert.deepEqual(
        [json(expiry)['enabled'], json(expiry)['subjects'], json(expiry)['quietHours']],
        [true, {}, null],
      );
      const audit = await lastAudit('alert-rule.added');
      assert.equal(audit?.actor, 'operator:ops-admin');
      assert.equal(audit?.subject, 'alert-rule:tls-expiry');

      const unreachable = await call({
        method: 'POST',
        url: '/api/v1/alert-rules',
        payload: {
          name: 'broker-down',
          condition: { kind: 'unreachable' },
          subjects: { kind: 'endpoint', labelPattern: 'broker-*' },
          channels: ['ops-slack', 'ops-mail'],
          enabled: false,
          quietHours: { start: '22:00', end: '07:00' },
        },
      });
      assert.equal(unreachable.statusCode, 201, unreachable.body);
      assert.deepEqual(json(unreachable)['condition'], { kind: 'unreachable', failures: 3 });
      assert.deepEqual(json(unreachable)['quietHours'], { start: '22:00', end: '07:00', timeZone: 'UTC' });
      const fleet = await call({
        method: 'POST',
        url: '/api/v1/alert-rules',
        payload: { name: 'fleet', condition: { kind: 'fleet-at-risk', aboveShare: 0.05 } },
      });
      assert.equal(fleet.statusCode, 201, fleet.body);

      const one = await call({ method: 'GET', url: '/api/v1/alert-rules/broker-down', token: 'read' });
      assert.deepEqual(json(one), json(unreachable));
      const first = await call({ method: 'GET', url: '/api/v1/alert-rules?limit=2', token: 'read' });
      const second = await call({
        method: 'GET',
        url: `/api/v1/alert-rules?limit=2&cursor=${String(json(first)['next'])}`,
      });
      assert.deepEqual(
        [...items(first), ...items(second)].map((r) => r['name']),
        ['broker-down', 'fleet', 'tls-expiry'],
      );
      assert.equal(json(second)['next'], null);
      assert.equal((await call({ method: 'GET', url: '/api/v1/alert-rules/nope' })).statusCode, 404);
      assert.equal(
        (
          await call({
            method: 'POST',
            url: '/api/v1/alert-rules',
            payload: { name: 'fleet', condition: { kind: 'expired' } },
          })
        ).statusCode,
        409,
      );
    });

    test('bad rules are 400 naming the field by JSON pointer, and change nothing', async () => {
      const before = await snapshot();
      const expired = { kind: 'expired' };
      const cases: Array<[Json, string, RegExp?]> = [
        [
          { name: 'r1', condition: { kind: 'expiry', failures: 3 } },
          '/condition/failures',
          /unreachable rules only/,
        ],
        [{ name: 'r1', condition: { kind: 'expiry', thresholdsDays: [7, 14] } }, '/condition', /descending/],
        [{ name: 'r1', condition: { kind: 'fleet-at-risk' } }, '/condition', /a count, a share or both/],
        [{ name: 'r1', condition: { kind: 'sometimes' } }, '/condition/kind'],
        [{ name: 'r1', condition: expired, subjects: { kind: 'fleet' } }, '/subjects', /not the fleet/],
        [{ name: 'r1', condition: expired, channels: ['ops-pager'] }, '/channels/0', /not a configured/],
        [{ name: 'r1', condition: expired, channels: ['ops-slack', 'ops-slack'] }, '/channels', /twice/],
        [
          {
            name: 'r1',
            condition: expired,
            quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Base' },
          },
          '/quietHours',
          /time zone/,
        ],
        [{ name: 'r 1', condition: expired }, '/name', /not a rule name/],
        [{ name: 'r1', condition: expired, colour: 'red' }, '/colour', /not a known field/],
        [{ name: 'r1' }, '/condition', /is required/],
      ];
      for (const [payload, pointer, detail] of cases) {
        const response = await call({ method: 'POST', url: '/api/v1/alert-rules', payload });
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.deepEqual(pointers(response), [pointer], JSON.stringify(payload));
        if (detail) assert.match(String(json(response)['detail']), detail, JSON.stringify(payload));
      }
      for (const payload of [{}, { enabled: 'no' }, { enabled: true, name: 'x' }]) {
        const response = await call({ method: 'PATCH', url: '/api/v1/alert-rules/fleet', payload });
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
      }
      for (const request of [
        { method: 'POST', url: '/api/v1/alert-rules', payload: { name: 'by-reader', condition: expired } },
        { method: 'PATCH', url: '/api/v1/alert-rules/fleet', payload: { enabled: false } },
        { method: 'DELETE', url: '/api/v1/alert-rules/fleet' },
      ] as const) {
        assert.equal((await call({ ...request, token: 'read' })).statusCode, 403, request.method);
      }
      assert.equal(await snapshot(), before);
    });

    test('enable and disable (audited once per change), remove (204, then 404)', async () => {
      const disabled = await call({
        method: 'PATCH',
        url: '/api/v1/alert-rules/fleet',
        payload: { enabled: false },
      });
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.equal(json(disabled)['enabled'], false);
      assert.equal((await lastAudit('alert-rule.disabled'))?.subject, 'alert-rule:fleet');
      const audited = (await deployment.runtime.store.auditHistory.page({ limit: 10_000 })).length;
      const again = await call({
        method: 'PATCH',
        url: '/api/v1/alert-rules/fleet',
        payload: { enabled: false },
      });
      assert.equal(json(again)['enabled'], false);
      assert.equal((await deployment.runtime.store.auditHistory.page({ limit: 10_000 })).length, audited);
      const enabled = await call({
        method: 'PATCH',
        url: '/api/v1/alert-rules/fleet',
        payload: { enabled: true },
      });
      assert.equal(json(enabled)['enabled'], true);
      assert.equal((await lastAudit('alert-rule.enabled'))?.actor, 'operator:ops-admin');

      assert.equal((await call({ method: 'DELETE', url: '/api/v1/alert-rules/fleet' })).statusCode, 204);
      assert.equal((await lastAudit('alert-rule.removed'))?.subject, 'alert-rule:fleet');
      assert.equal((await call({ method: 'GET', url: '/api/v1/alert-rules/fleet' })).statusCode, 404);
      assert.equal((await call({ method: 'DELETE', url: '/api/v1/alert-rules/fleet' })).statusCode, 404);
      assert.equal(
        (await call({ method: 'PATCH', url: '/api/v1/alert-rules/fleet', payload: { enabled: true } }))
          .statusCode,
        404,
      );
    });

    test('what is firing: states with a level, two pages by cursor, by rule', async () => {
      const { store } = deployment.runtime;
      const rule = await store.alertRules.get('tls-expiry');
      const other = await store.alertRules.get('broker-down');
      assert.ok(rule && other);
      const fire = (ruleId: string, subjectKey: string, level: string | null) =>
        store.alertStates.transition({
          ruleId,
          subjectKey,
          expectedVersion: null,
          next: {
            label: subjectKey,
            level,
            firingSince: level === null ? null : clock.now(),
            notifiedLevel: level,
            resolvedAt: null,
          },
          deliveries: [],
          at: clock.now(),
        });
      await fire(rule.id, 'endpoint:1', '7d');
      await fire(rule.id, 'endpoint:2', null);
      await fire(rule.id, 'endpoint:3', '30d');
      await fire(other.id, 'endpoint:4', 'firing');

      const first = await call({ method: 'GET', url: '/api/v1/alert-states?limit=2', token: 'read' });
      assert.equal(first.statusCode, 200, first.body);
      const second = await call({
        method: 'GET',
        url: `/api/v1/alert-states?limit=2&cursor=${String(json(first)['next'])}`,
      });
      const states = [...items(first), ...items(second)];
      assert.deepEqual(
        states.map((s) => `${String(s['rule'])} ${String(s['subjectKey'])} ${String(s['level'])}`).sort(),
        ['broker-down endpoint:4 firing', 'tls-expiry endpoint:1 7d', 'tls-expiry endpoint:3 30d'],
      );
      assert.equal(json(second)['next'], null);
      const byRule = await call({ method: 'GET', url: '/api/v1/alert-states?rule=tls-expiry' });
      assert.deepEqual(
        items(byRule).map((s) => s['subjectKey']),
        ['endpoint:1', 'endpoint:3'],
      );
      assert.equal((await call({ method: 'GET', url: '/api/v1/alert-states?rule=nope' })).statusCode, 404);
      const bad = await call({ method: 'GET', url: '/api/v1/alert-states?cursor=abc' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(pointers(bad), ['/cursor']);
    });
  });

  describe('deliveries', () => {
    test('the log newest first in two pages, by status; one delivery with its attempts', async () => {
      const { store } = deployment.runtime;
      const rule = await store.alertRules.get('tls-expiry');
      assert.ok(rule);
      const delivery = (subjectKey: string): NewDelivery => ({
        ruleId: rule.id,
        ruleName: rule.name,
        subjectKey,
        event: 'firing',
        level: '7d',
        channel: 'ops-slack',
        payload: { summary: `${subjectKey} expires in 7 days` },
        nextAttemptAt: clock.now(),
      });
      const enqueued = await store.alertDeliveries.enqueue(
        [delivery('endpoint:1'), delivery('endpoint:3'), delivery('endpoint:5')],
        clock.now(),
      );
      const [claimed] = await store.alertDeliveries.claimDue(clock.now(), { limit: 1, leaseMs: 60_000 });
      assert.ok(claimed);
      await store.alertDeliveries.recordAttempt(
        claimed,
        { outcome: 'failed', error: 'HTTP 404 from Slack' },
        clock.now(),
        12,
      );

      const first = await call({ method: 'GET', url: '/api/v1/deliveries?limit=2', token: 'read' });
      assert.equal(first.statusCode, 200, first.body);
      const second = await call({
        method: 'GET',
        url: `/api/v1/deliveries?limit=2&cursor=${String(json(first)['next'])}`,
      });
      assert.deepEqual(
        [...items(first), ...items(second)].map((d) => d['id']),
        enqueued.map((d) => d.id).reverse(),
      );
      assert.equal(json(second)['next'], null);
      const failed = await call({ method: 'GET', url: '/api/v1/deliveries?status=failed' });
      assert.deepEqual(
        items(failed).map((d) => [d['id'], d['lastError'], d['nextAttemptAt']]),
        [[claimed.id, 'HTTP 404 from Slack', null]],
      );
      const pending = await call({ method: 'GET', url: '/api/v1/deliveries?status=pending&rule=tls-expiry' });
      assert.equal(items(pending).length, 2);
      assert.ok(items(pending).every((d) => typeof d['nextAttemptAt'] === 'string'));

      const one = await call({ method: 'GET', url: `/api/v1/deliveries/${claimed.id}` });
      assert.equal(one.statusCode, 200, one.body);
      assert.deepEqual(json(one)['payload'], { summary: `${claimed.subjectKey} expires in 7 days` });
      assert.deepEqual(json(one)['attemptLog'], [
        {
          attempt: 1,
          at: clock.now().toISOString(),
          outcome: 'failed',
          error: 'HTTP 404 from Slack',
          durationMs: 12,
        },
      ]);
      assert.equal((await call({ method: 'GET', url: '/api/v1/deliveries/999999' })).statusCode, 404);
      assert.deepEqual(pointers(await call({ method: 'GET', url: '/api/v1/deliveries/0' })), ['/id']);
      assert.deepEqual(pointers(await call({ method: 'GET', url: '/api/v1/deliveries?status=lost' })), [
        '/status',
      ]);
      assert.equal((await call({ method: 'POST', url: '/api/v1/deliveries' })).statusCode, 404);
    });
  });

  describe('OpenAPI document', () => {
    test('/docs/json lists the new routes, each with a 2xx, a 401, a tag; the import takes text/csv', async () => {
      const response = await app.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(response.statusCode, 200);
      const doc = JSON.parse(response.body) as {
        paths: Record<
          string,
          Record<string, { responses: Record<string, unknown>; tags?: string[]; requestBody?: unknown }>
        >;
      };
      const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const added = [
        'GET /api/v1/endpoints',
        'POST /api/v1/endpoints',
        'GET /api/v1/endpoints/{name}',
        'PATCH /api/v1/endpoints/{name}',
        'DELETE /api/v1/endpoints/{name}',
        'POST /api/v1/endpoints/import',
        'POST /api/v1/endpoints/{name}/probe',
        'GET /api/v1/endpoints/{name}/observations',
        'GET /api/v1/observations/latest',
        'GET /api/v1/observations/{id}',
        'GET /api/v1/alert-rules',
        'POST /api/v1/alert-rules',
        'GET /api/v1/alert-rules/{name}',
        'PATCH /api/v1/alert-rules/{name}',
        'DELETE /api/v1/alert-rules/{name}',
        'GET /api/v1/alert-states',
        'GET /api/v1/deliveries',
        'GET /api/v1/deliveries/{id}',
      ];
      for (const operation of added) assert.ok(operations.includes(operation), operation);
      for (const operation of added) {
        const [method = '', path = ''] = operation.split(' ');
        const described = doc.paths[path]?.[method.toLowerCase()];
        assert.ok(described?.tags?.length, `${operation} has a tag`);
        assert.ok(described.responses['401'], `${operation} documents 401`);
        assert.ok(
          Object.keys(described.responses).some((status) => status.startsWith('2')),
          `${operation} documents its answer`,
        );
      }
      const importBody = doc.paths['/api/v1/endpoints/import']?.['post']?.requestBody as {
        content: Record<string, unknown>;
      };
      assert.deepEqual(Object.keys(importBody.content), ['text/csv']);
      // Every `$ref` points at something in the document.
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (node === null || typeof node !== 'object') return;
        for (const [key, value] of Object.entries(node)) {
          if (key !== '$ref' || typeof value !== 'string') walk(value);
          else {
            const target = value
              .replace(/^#\//, '')
              .split('/')
              .reduce<unknown>((at, part) => (at as Json | undefined)?.[part], doc);
            assert.ok(target !== undefined, `unresolved $ref ${value}`);
          }
        }
      };
      walk(doc);
    });
  });
});
