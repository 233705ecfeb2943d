import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { adminApiPlugin } from '../../src/api/admin-api-plugin.js';
import { apiDependencies } from '../../src/api/api-dependencies.js';
import { ManualClock } from '../../src/core/clock.js';
import { createOperatorTokens } from '../helpers/operator-tokens.js';
import type { DeviceId, IssuerId } from '../../src/core/ids.js';
import { generateKeyPair } from '../../src/pki/algorithms/key-algorithm.js';
import { buildCsr } from '../../src/pki/csr.js';
import { parseDistinguishedName } from '../../src/pki/name.js';
import { newObservation } from '../helpers/observations.js';
import { createTestDeployment, type TestDeployment } from '../helpers/test-deployment.js';

const DAY_MS = 86_400_000;

type Json = Record<string, unknown>;

/**
 * The routes the dashboard reads (session, expiry timeline, enrollment failures, a device's enrollment events,
 * the issuers' dependents, the device list's search and filters, failing endpoints) through inject(), on a
 * real deployment (development hierarchy, SQLite store, CA and RA) as the HTTPS server registers the API.
 */
describe('admin API for the dashboard (inject)', () => {
  let deployment: TestDeployment;
  let app: FastifyInstance;
  const clock = new ManualClock(new Date());
  const tokens = { admin: '', read: '' };
  /** Device id → the serial of its LDevID. */
  const serials = new Map<string, string>();
  /** When the setup appended each failure, relative to the clock at the end of the setup. */
  let setupEnd: Date;

  const issue = async (id: string) => {
    const issued = await deployment.runtime.ra.requestCertificate(
      { kind: 'operator', name: 'test' },
      {
        csr: buildCsr({ subject: parseDistinguishedName(`CN=${id}`) }, generateKeyPair('ec-p256')),
        profile: 'ldevid',
        deviceId: id,
        protocol: 'cli',
        operation: 'issue',
      },
    );
    serials.set(id, issued.serial);
  };

  before(async () => {
    deployment = await createTestDeployment({ clock, config: { log: { level: 'silent' } } });
    const { runtime } = deployment;
    app = Fastify({ logger: false });
    await app.register(
      adminApiPlugin,
      apiDependencies(runtime.store, runtime.revocations, runtime.tokenSecrets, clock),
    );
    await app.ready();
    ({ admin: tokens.admin, read: tokens.read } = await createOperatorTokens(runtime.store, clock, 'dash'));
    for (const id of ['dash-a-1', 'dash-a-2', 'dash-b-1']) await issue(id);
    // A day later: a certificate that expires a day after the others.
    clock.advanceSeconds(86_400);
    await issue('dash-c-1');
    setupEnd = clock.now();
    const ago = (seconds: number) => new Date(setupEnd.getTime() - seconds * 1000);
    const failure = (deviceId: string | null, seconds: number, reasonCode: string | null, reason: string) =>
      runtime.store.enrollments.append({
        at: ago(seconds),
        deviceId: deviceId as DeviceId | null,
        protocol: 'est',
        operation: 'simplereenroll',
        profile: 'ldevid',
        issuerId: 'operational' as IssuerId,
        outcome: reasonCode === 'INTERNAL' ? 'error' : 'refused',
        reasonCode,
        reason,
        requester: 'ldevid:01',
        certificateSerial: null,
      });
    await failure('dash-a-1', 3600, 'RATE_LIMITED', 'too many: first');
    await failure('dash-a-1', 1800, 'RATE_LIMITED', 'too many: second');
    await failure('dash-b-1', 7200, 'INTERNAL', 'the store was away');
    await failure(null, 600, null, 'no identity presented');
    await failure('dash-b-1', 2 * 86_400, 'CERT_REVOKED', 'an old failure');
  });
  after(async () => {
    await app?.close();
    await deployment?.dispose();
  });

  /** `token`: a name of `tokens` (default `admin`), a literal token, or null for none. */
  const call = (options: InjectOptions & { token?: string | null }) => {
    const { token = 'admin', headers, ...rest } = options;
    const bearer =
      token === null ? undefined : token in tokens ? tokens[token as keyof typeof tokens] : token;
    return app.inject({
      ...rest,
      headers: { ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), ...headers },
    });
  };
  const get = async (url: string, token: string | null = 'admin') => {
    const response = await call({ method: 'GET', url, token });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: JSON.parse(response.body) as Json,
    };
  };
  const items = (body: Json) => body['items'] as Json[];

  /** What a refused request must leave as it was. */
  async function snapshot(): Promise<string> {
    const { store } = deployment.runtime;
    return JSON.stringify({
      audit: (await store.auditHistory.page({ limit: 10_000 })).length,
      devices: (await store.devices.list({ limit: 10_000 })).map((d) => `${d.id}:${d.state}`),
      events: (await store.enrollments.list({ limit: 10_000 })).length,
      certificates: (await store.certificateCatalog.page({ limit: 10_000 })).map(
        (c) => `${c.serial}:${c.status}`,
      ),
      endpoints: (await store.endpoints.list({ limit: 10_000 })).map((e) => e.name),
    });
  }

  /** Each URL is a 400 problem naming the query parameter at `pointer`; nothing changes. */
  async function assertBadQueries(cases: ReadonlyArray<readonly [string, string]>): Promise<void> {
    const before = await snapshot();
    for (const [url, pointer] of cases) {
      const response = await get(url);
      assert.equal(response.status, 400, url);
      assert.equal(response.headers['content-type'], 'application/problem+json', url);
      assert.equal(response.body['type'], 'https://certfleet.dev/problems/malformed-input', url);
      const errors = response.body['errors'] as Array<{ in: string; pointer: string }>;
      assert.deepEqual([errors[0]?.in, errors[0]?.pointer], ['query', pointer], url);
    }
    assert.equal(await snapshot(), before);
  }

  describe('session', () => {
    test("the token's name and scope, exactly", async () => {
      const admin = await get('/api/v1/session');
      assert.equal(admin.status, 200);
      assert.match(String(admin.headers['content-type']), /^application\/json/);
      assert.deepEqual(admin.body, { tokenName: 'dash-admin', scope: 'admin' });
      assert.deepEqual((await get('/api/v1/session', 'read')).body, {
        tokenName: 'dash-read',
        scope: 'read',
      });
    });

    test('no token or a bad one: a 401 problem with a challenge, and nothing changes', async () => {
      const before = await snapshot();
      const none = await get('/api/v1/session', null);
      assert.equal(none.status, 401);
      assert.equal(none.headers['content-type'], 'application/problem+json');
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="certfleet"');
      const bad = await get('/api/v1/session', `${tokens.admin.slice(0, -2)}xx`);
      assert.equal(bad.status, 401);
      assert.equal(bad.headers['www-authenticate'], 'Bearer realm="certfleet", error="invalid_token"');
      assert.equal(bad.body['detail'], 'the API token is not valid (unknown, revoked or expired)');
      assert.equal(await snapshot(), before);
    });
  });

  describe('expiry timeline', () => {
    /** Date (YYYY-MM-DD) → devices whose certificate in use expires that day, from the device list. */
    async function expectedByDate(): Promise<Map<string, number>> {
      const byDate = new Map<string, number>();
      for (const device of items((await get('/api/v1/devices?q=dash-&limit=500')).body)) {
        const inUse = device['certificateInUse'] as { notAfter: string } | null;
        if (inUse === null || device['state'] === 'decommissioned' || device['state'] === 'revoked') continue;
        const date = inUse.notAfter.slice(0, 10);
        byDate.set(date, (byDate.get(date) ?? 0) + 1);
      }
      return byDate;
    }

    test('90 days from midnight UTC, one bucket a day, by state', async () => {
      const response = await get('/api/v1/fleet/expiry-timeline', 'read');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const midnight = new Date(Math.floor(clock.now().getTime() / DAY_MS) * DAY_MS);
      assert.equal(response.body['from'], midnight.toISOString());
      assert.equal(response.body['days'], 90);
      assert.equal(response.body['by'], 'state');
      const buckets = response.body['buckets'] as Array<{ date: string; counts: Record<string, number> }>;
      assert.equal(buckets.length, 90);
      buckets.forEach((bucket, day) => {
        assert.equal(bucket.date, new Date(midnight.getTime() + day * DAY_MS).toISOString().slice(0, 10));
      });
      const expected = await expectedByDate();
      assert.equal(expected.size, 2, 'two expiry days: the first three devices, then the fourth');
      for (const bucket of buckets) {
        assert.deepEqual(
          bucket.counts,
          expected.has(bucket.date) ? { healthy: expected.get(bucket.date) } : {},
        );
      }
    });

    test('by issuer of the certificate in use; a shorter window', async () => {
      const byIssuer = await get('/api/v1/fleet/expiry-timeline?by=issuer&days=366');
      assert.equal(byIssuer.status, 200);
      const buckets = byIssuer.body['buckets'] as Array<{ date: string; counts: Record<string, number> }>;
      assert.equal(buckets.length, 366);
      const expected = await expectedByDate();
      for (const bucket of buckets) {
        const count = expected.get(bucket.date);
        assert.deepEqual(bucket.counts, count === undefined ? {} : { operational: count }, bucket.date);
      }
      const one = await get('/api/v1/fleet/expiry-timeline?days=1');
      assert.equal((one.body['buckets'] as unknown[]).length, 1);
      assert.deepEqual((one.body['buckets'] as Array<{ counts: unknown }>)[0]?.counts, {});
    });

    test('bad days, grouping or parameters: 400 naming them', async () => {
      await assertBadQueries([
        ['/api/v1/fleet/expiry-timeline?days=0', '/days'],
        ['/api/v1/fleet/expiry-timeline?days=367', '/days'],
        ['/api/v1/fleet/expiry-timeline?days=ninety', '/days'],
        ['/api/v1/fleet/expiry-timeline?by=product', '/by'],
        ['/api/v1/fleet/expiry-timeline?marginSeconds=-1', '/marginSeconds'],
        ['/api/v1/fleet/expiry-timeline?from=2020-01-01', '/from'],
      ]);
    });
  });

  describe('enrollment failures', () => {
    test('the last 24 h by cause, newest cause first; issued attempts and older failures left out', async () => {
      const response = await get('/api/v1/enrollment-failures', 'read');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const ago = (seconds: number) => new Date(setupEnd.getTime() - seconds * 1000).toISOString();
      assert.deepEqual(response.body, {
        since: new Date(clock.now().getTime() - 86_400_000).toISOString(),
        total: 4,
        byCause: [
          { reasonCode: null, count: 1, lastAt: ago(600), lastReason: 'no identity presented' },
          { reasonCode: 'RATE_LIMITED', count: 2, lastAt: ago(1800), lastReason: 'too many: second' },
          { reasonCode: 'INTERNAL', count: 1, lastAt: ago(7200), lastReason: 'the store was away' },
        ],
      });
    });

    test('a longer window reaches the older failure; a short one, none', async () => {
      const week = await get('/api/v1/enrollment-failures?sinceSeconds=604800');
      assert.equal(week.body['total'], 5);
      assert.equal((week.body['byCause'] as Json[])[3]?.['reasonCode'], 'CERT_REVOKED');
      const minute = await get('/api/v1/enrollment-failures?sinceSeconds=60');
      assert.deepEqual([minute.body['total'], minute.body['byCause']], [0, []]);
    });

    test('a bad window: 400 naming it', async () => {
      await assertBadQueries([
        ['/api/v1/enrollment-failures?sinceSeconds=0', '/sinceSeconds'],
        ['/api/v1/enrollment-failures?sinceSeconds=2678401', '/sinceSeconds'],
        ['/api/v1/enrollment-failures?sinceSeconds=day', '/sinceSeconds'],
        ['/api/v1/enrollment-failures?since=1', '/since'],
      ]);
    });
  });

  describe("a device's enrollment events", () => {
    test('newest first with their outcome and reason, exactly these fields', async () => {
      const response = await get('/api/v1/devices/dash-a-1/enrollment-events', 'read');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const events = items(response.body);
      assert.deepEqual(
        events.map((e) => [e['outcome'], e['reasonCode'], e['reason']]),
        [
          ['refused', 'RATE_LIMITED', 'too many: second'],
          ['refused', 'RATE_LIMITED', 'too many: first'],
          ['issued', null, events[2]?.['reason'] ?? null],
        ],
      );
      const issued = events[2]!;
      assert.deepEqual(Object.keys(issued).sort(), [
        'at',
        'certificateSerial',
        'id',
        'operation',
        'outcome',
        'protocol',
        'reason',
        'reasonCode',
      ]);
      assert.equal(issued['certificateSerial'], serials.get('dash-a-1'));
      assert.equal(issued['protocol'], 'cli');
      assert.equal(response.body['next'], null);
    });

    test('pages by cursor, each event once', async () => {
      const all = items((await get('/api/v1/devices/dash-a-1/enrollment-events')).body).map((e) => e['id']);
      const seen: unknown[] = [];
      let url = '/api/v1/devices/dash-a-1/enrollment-events?limit=1';
      for (;;) {
        const page = await get(url);
        assert.equal(page.status, 200);
        seen.push(...items(page.body).map((e) => e['id']));
        const next = page.body['next'] as string | null;
        if (next === null) break;
        url = `/api/v1/devices/dash-a-1/enrollment-events?limit=1&cursor=${next}`;
      }
      assert.deepEqual(seen, all);
    });

    test('a device without events: an empty page; an unknown one: 404; bad ids and cursors: 400', async () => {
      const { store } = deployment.runtime;
      await store.devices.recordIdevid(
        'dash-quiet' as DeviceId,
        { issuerId: 'factory' as IssuerId, serial: '0102' as never, productLine: null },
        clock.now(),
      );
      assert.deepEqual((await get('/api/v1/devices/dash-quiet/enrollment-events')).body, {
        items: [],
        next: null,
      });
      const before = await snapshot();
      const unknown = await get('/api/v1/devices/dash-nobody/enrollment-events');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body['detail'], 'no device dash-nobody');
      const badId = await get('/api/v1/devices/%20bad/enrollment-events');
      assert.equal(badId.status, 400);
      assert.equal((badId.body['errors'] as Json[])[0]?.['pointer'], '/deviceId');
      assert.equal(await snapshot(), before);
      const otherList = Buffer.from('["devices","dash-a-1"]').toString('base64url');
      await assertBadQueries([
        ['/api/v1/devices/dash-a-1/enrollment-events?cursor=bm9wZQ', '/cursor'],
        [`/api/v1/devices/dash-a-1/enrollment-events?cursor=${otherList}`, '/cursor'],
        [
          `/api/v1/devices/dash-a-1/enrollment-events?cursor=${Buffer.from('["enrollment-events",1,-1]').toString('base64url')}`,
          '/cursor',
        ],
        ['/api/v1/devices/dash-a-1/enrollment-events?limit=0', '/limit'],
        ['/api/v1/devices/dash-a-1/enrollment-events?outcome=issued', '/outcome'],
      ]);
    });
  });

  describe('issuers with their dependents', () => {
    /** Certificates in force per issuer, counted from the catalog. */
    async function inForce(issuerId: string): Promise<number> {
      const now = clock.now().getTime();
      const page = await deployment.runtime.store.certificateCatalog.page({
        issuerId: issuerId as IssuerId,
        status: 'issued',
        limit: 10_000,
      });
      return page.filter((c) => c.notAfter.getTime() > now).length;
    }
    const dependents = async () => {
      const list = items((await get('/api/v1/issuers', 'read')).body);
      return Object.fromEntries(list.map((issuer) => [String(issuer['id']), issuer['dependents'] as Json]));
    };

    test('child issuers and certificates in force, with the algorithm, expiry, parent and role', async () => {
      const list = items((await get('/api/v1/issuers')).body);
      const operational = list.find((issuer) => issuer['id'] === 'operational')!;
      assert.equal(operational['role'], 'intermediate');
      assert.equal(operational['parentId'], 'root');
      assert.equal(operational['keyAlgorithm'], 'ec-p256');
      assert.match(String(operational['notAfter']), /^\d{4}-\d\d-\d\dT/);
      assert.ok((await inForce('operational')) >= 4);
      assert.deepEqual(await dependents(), {
        root: { issuers: 2, certificates: await inForce('root') },
        factory: { issuers: 0, certificates: await inForce('factory') },
        operational: { issuers: 0, certificates: await inForce('operational') },
      });
      assert.deepEqual((await get('/api/v1/issuers/operational')).body['dependents'], {
        issuers: 0,
        certificates: await inForce('operational'),
      });
    });

    test('the count is kept for a minute, then counted again', async () => {
      const before = (await dependents())['operational'] as { certificates: number };
      await issue('dash-d-1');
      assert.equal(await inForce('operational'), before.certificates + 1);
      clock.advanceSeconds(30);
      assert.deepEqual((await dependents())['operational'], before, 'still the cached count');
      clock.advanceSeconds(31);
      assert.deepEqual((await dependents())['operational'], {
        issuers: 0,
        certificates: before.certificates + 1,
      });
    });
  });

  describe('device search and filters', () => {
    const ids = async (query: string) =>
      items((await get(`/api/v1/devices?${query}&limit=500`, 'read')).body).map((d) => d['id']);

    test('q: a prefix of the device id, case-sensitive', async () => {
      assert.deepEqual(await ids('q=dash-a'), ['dash-a-1', 'dash-a-2']);
      assert.deepEqual(await ids('q=dash-a-2'), ['dash-a-2']);
      assert.deepEqual(await ids('q=DASH'), []);
      const first = await get('/api/v1/devices?q=dash-&limit=2');
      assert.deepEqual(
        items(first.body).map((d) => d['id']),
        ['dash-a-1', 'dash-a-2'],
      );
      const second = await get(`/api/v1/devices?q=dash-&limit=2&cursor=${String(first.body['next'])}`);
      assert.deepEqual(
        items(second.body).map((d) => d['id']),
        ['dash-b-1', 'dash-c-1'],
      );
    });

    test('issuerId: the issuer of the certificate in use', async () => {
      assert.deepEqual(await ids('q=dash-&issuerId=operational'), [
        'dash-a-1',
        'dash-a-2',
        'dash-b-1',
        'dash-c-1',
        'dash-d-1',
      ]);
      assert.deepEqual(await ids('q=dash-&issuerId=factory'), []);
      assert.deepEqual(await ids('issuerId=nobody'), []);
    });

    test('expiringWithinSeconds: the certificate in use expires within, from now', async () => {
      const device = (await get('/api/v1/devices/dash-a-1')).body;
      const notAfter = Date.parse((device['certificateInUse'] as { notAfter: string }).notAfter);
      const secondsLeft = Math.ceil((notAfter - clock.now().getTime()) / 1000);
      // The first three expire a day before the others.
      assert.deepEqual(await ids(`q=dash-&expiringWithinSeconds=${secondsLeft}`), [
        'dash-a-1',
        'dash-a-2',
        'dash-b-1',
      ]);
      assert.deepEqual(await ids(`q=dash-&expiringWithinSeconds=${secondsLeft - 3600}`), []);
      assert.deepEqual(await ids(`q=dash-b&state=healthy&expiringWithinSeconds=${secondsLeft}`), [
        'dash-b-1',
      ]);
    });

    test('bad filters: 400 naming them, and nothing changes', async () => {
      await assertBadQueries([
        ['/api/v1/devices?q=', '/q'],
        ['/api/v1/devices?q=%20dash', '/q'],
        ['/api/v1/devices?q=dash%20a', '/q'],
        ['/api/v1/devices?q=' + 'x'.repeat(129), '/q'],
        ['/api/v1/devices?issuerId=Not_An_Issuer', '/issuerId'],
        ['/api/v1/devices?issuerId=', '/issuerId'],
        ['/api/v1/devices?expiringWithinSeconds=0', '/expiringWithinSeconds'],
        ['/api/v1/devices?expiringWithinSeconds=soon', '/expiringWithinSeconds'],
      ]);
    });
  });

  describe('failing endpoints', () => {
    test('failing=true: the endpoints whose last probes failed; false: the others', async () => {
      const { store } = deployment.runtime;
      const add = (name: string) =>
        store.endpoints.add({ name, host: 'broker.example.com', port: 8883 }, clock.now());
      const failing = await add('dash-ep-failing');
      const fine = await add('dash-ep-fine');
      await store.observations.record(newObservation(failing.id, clock.now()));
      await store.observations.record(
        newObservation(fine.id, clock.now(), { outcome: 'ok', errorMessage: null }),
      );
      const names = async (query: string) =>
        items((await get(`/api/v1/endpoints?${query}`, 'read')).body).map((e) => [
          e['name'],
          e['consecutiveFailures'],
        ]);
      assert.deepEqual(await names('failing=true'), [['dash-ep-failing', 1]]);
      assert.deepEqual(await names('failing=false'), [['dash-ep-fine', 0]]);
      assert.equal((await names('')).length, 2);
      await assertBadQueries([['/api/v1/endpoints?failing=maybe', '/failing']]);
    });
  });

  test('a read token may call every route the dashboard reads; the new ones take no write', async () => {
    const added = [
      '/api/v1/session',
      '/api/v1/fleet/expiry-timeline',
      '/api/v1/enrollment-failures',
      '/api/v1/devices/dash-a-1/enrollment-events',
    ];
    for (const url of [
      ...added,
      '/api/v1/issuers',
      '/api/v1/devices?q=dash',
      '/api/v1/endpoints?failing=true',
    ]) {
      assert.equal((await get(url, 'read')).status, 200, url);
    }
    for (const url of added) {
      assert.equal((await call({ method: 'POST', url, token: 'admin' })).statusCode, 404, url);
    }
  });
});
