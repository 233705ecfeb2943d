import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { adminApiPlugin } from '../../src/api/admin-api-plugin.js';
import { apiDependencies } from '../../src/api/api-dependencies.js';
import type { OperatorTokens } from '../../src/api/operator-tokens.js';
import { ManualClock } from '../../src/core/clock.js';
import { createOperatorTokens } from '../helpers/operator-tokens.js';
import type { SerialHex } from '../../src/core/ids.js';
import { generateKeyPair } from '../../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { buildCsr } from '../../src/pki/csr.js';
import { parseDistinguishedName } from '../../src/pki/name.js';
import { readPemAll } from '../../src/pki/pem.js';
import { createTestDeployment, type TestDeployment } from '../helpers/test-deployment.js';

/**
 * The admin API through Fastify's inject(): a real deployment (development hierarchy, SQLite store, CA and RA)
 * behind the plugin exactly as the HTTPS server registers it, without the socket.
 */
describe('admin API (inject)', () => {
  let deployment: TestDeployment;
  let app: FastifyInstance;
  let operatorTokens: OperatorTokens;
  const clock = new ManualClock(new Date());
  const tokens = { admin: '', read: '' };
  /** Device id → the serial of its LDevID. */
  const devices = new Map<string, string>();

  before(async () => {
    deployment = await createTestDeployment({ clock, config: { log: { level: 'silent' } } });
    const { runtime } = deployment;
    app = Fastify({ logger: false });
    await app.register(
      adminApiPlugin,
      apiDependencies(runtime.store, runtime.revocations, runtime.tokenSecrets, clock),
    );
    await app.ready();
    const created = await createOperatorTokens(runtime.store, clock, 'ops');
    operatorTokens = created.registrar;
    tokens.admin = created.admin;
    tokens.read = created.read;
    for (const id of ['api-dev-1', 'api-dev-2', 'api-dev-3', 'api-dev-4', 'api-dev-5']) {
      const issued = await runtime.ra.requestCertificate(
        { kind: 'operator', name: 'test' },
        {
          csr: buildCsr({ subject: parseDistinguishedName(`CN=${id}`) }, generateKeyPair('ec-p256')),
          profile: 'ldevid',
          deviceId: id,
          protocol: 'cli',
          operation: 'issue',
        },
      );
      devices.set(id, issued.serial);
    }
  });
  after(async () => {
    await app.close();
    await deployment.dispose();
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
  const json = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;
  const items = (response: { body: string }) => json(response)['items'] as Array<Record<string, unknown>>;

  /** What a refused request must leave as it was. */
  async function snapshot(): Promise<string> {
    const { store } = deployment.runtime;
    const certificates = await store.certificateCatalog.page({ limit: 10_000 });
    const audit = await store.auditHistory.page({ limit: 10_000 });
    const enrollmentTokens = await store.enrollmentTokenCatalog.page({ limit: 10_000 });
    const apiTokens = await store.apiTokens.list({ limit: 10_000 });
    return JSON.stringify({
      certificates: certificates.map((c) => `${c.serial}:${c.status}:${c.revocationReason ?? '-'}`),
      audit: audit.length,
      enrollmentTokens: enrollmentTokens.map((t) => `${t.id}:${t.voidedAt?.getTime() ?? '-'}`),
      apiTokens: apiTokens.map((t) => `${t.name}:${t.revokedAt?.getTime() ?? '-'}`),
      devices: (await store.devices.list({ limit: 10_000 })).map((d) => `${d.id}:${d.state}`),
    });
  }

  describe('authentication and scopes', () => {
    test('no token: 401 problem+json with a Bearer challenge, byte for byte', async () => {
      const response = await call({ method: 'GET', url: '/api/v1/devices', token: null });
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['content-type'], 'application/problem+json');
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="certfleet"');
      assert.equal(
        response.body,
        '{"type":"https://certfleet.dev/problems/unauthorized","title":"Unauthorized","status":401,' +
          '"detail":"this API needs an API token: send Authorization: Bearer <token>",' +
          '"instance":"/api/v1/devices","code":"UNAUTHORIZED"}',
      );
    });

    test('a bad token: 401 invalid_token, saying nothing of why', async () => {
      for (const token of [
        'cft_0000000000000000_' + 'A'.repeat(43),
        'garbage',
        tokens.admin.slice(0, -2) + 'xx',
      ]) {
        const response = await call({ method: 'GET', url: '/api/v1/devices?limit=1', token });
        assert.equal(response.statusCode, 401, token);
        assert.equal(response.headers['www-authenticate'], 'Bearer realm="certfleet", error="invalid_token"');
        assert.equal(json(response)['detail'], 'the API token is not valid (unknown, revoked or expired)');
      }
      const basic = await app.inject({
        method: 'GET',
        url: '/api/v1/devices',
        headers: { authorization: `Basic ${Buffer.from(`x:${tokens.admin}`).toString('base64')}` },
      });
      assert.equal(basic.statusCode, 401);
    });

    test('revoked and expired tokens: 401', async () => {
      const revoked = await operatorTokens.create('operator:cli', {
        name: 'soon-revoked',
        scope: 'admin',
        lifetimeSeconds: null,
      });
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/issuers', token: revoked.token })).statusCode,
        200,
      );
      await operatorTokens.revoke('operator:cli', 'soon-revoked');
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/issuers', token: revoked.token })).statusCode,
        401,
      );

      const expiring = await operatorTokens.create('operator:cli', {
        name: 'short-lived',
        scope: 'read',
        lifetimeSeconds: 60,
      });
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/issuers', token: expiring.token })).statusCode,
        200,
      );
      clock.advanceSeconds(61);
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/issuers', token: expiring.token })).statusCode,
        401,
      );
    });

    test('a read token may GET but not POST (403 insufficient_scope); nothing changes', async () => {
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/fleet/status', token: 'read' })).statusCode,
        200,
      );
      const before = await snapshot();
      const serial = devices.get('api-dev-5')!;
      const response = await call({
        method: 'POST',
        url: `/api/v1/certificates/${serial}/revoke`,
        token: 'read',
        payload: { reason: 'keyCompromise' },
      });
      assert.equal(response.statusCode, 403);
      assert.equal(
        response.headers['www-authenticate'],
        'Bearer realm="certfleet", error="insufficient_scope", scope="admin"',
      );
      assert.equal(json(response)['type'], 'https://certfleet.dev/problems/forbidden');
      assert.equal(await snapshot(), before);
      assert.equal((await call({ method: 'GET', url: '/api/v1/api-tokens', token: 'read' })).statusCode, 403);
    });

    test('an unknown path under /api/v1: 401 without a token, a 404 problem with one', async () => {
      assert.equal((await call({ method: 'GET', url: '/api/v1/nothing', token: null })).statusCode, 401);
      const response = await call({ method: 'GET', url: '/api/v1/nothing?x=1' });
      assert.equal(response.statusCode, 404);
      assert.equal(
        response.body,
        '{"type":"https://certfleet.dev/problems/not-found","title":"Not found","status":404,' +
          '"detail":"no GET /api/v1/nothing in this API","instance":"/api/v1/nothing","code":"NOT_FOUND"}',
      );
    });
  });

  describe('devices', () => {
    test('lists devices with their state, two pages by cursor, each device once', async () => {
      const first = await call({ method: 'GET', url: '/api/v1/devices?limit=3' });
      assert.equal(first.statusCode, 200, first.body);
      const next = json(first)['next'];
      assert.equal(typeof next, 'string');
      assert.equal(items(first).length, 3);
      const second = await call({ method: 'GET', url: `/api/v1/devices?limit=3&cursor=${String(next)}` });
      const listed = [...items(first), ...items(second)].map((d) => d['id']);
      assert.deepEqual(listed, [...devices.keys()].sort());
      assert.equal(json(second)['next'], null, 'the last page says so');
      const device = items(first)[0]!;
      assert.equal(device['state'], 'healthy');
      assert.equal(
        (device['certificateInUse'] as { serial: string }).serial,
        devices.get(String(device['id'])),
      );
    });

    test('filters by state, at risk and product line', async () => {
      const healthy = await call({ method: 'GET', url: '/api/v1/devices?state=healthy&limit=500' });
      assert.equal(items(healthy).length >= 4, true);
      assert.deepEqual(items(await call({ method: 'GET', url: '/api/v1/devices?atRisk=true' })), []);
      assert.deepEqual(items(await call({ method: 'GET', url: '/api/v1/devices?productLine=nothing' })), []);
      // The at-risk policy is per request, as `certfleet fleet status --margin`.
      const wide = await call({ method: 'GET', url: '/api/v1/devices?state=expired&marginSeconds=0' });
      assert.equal(wide.statusCode, 200);
    });

    test('one device: state, certificate in use and expiry, last success and failure', async () => {
      const response = await call({ method: 'GET', url: '/api/v1/devices/api-dev-1' });
      assert.equal(response.statusCode, 200, response.body);
      const device = json(response);
      assert.equal(device['id'], 'api-dev-1');
      assert.equal(device['state'], 'healthy');
      const inUse = device['certificateInUse'] as { serial: string; notAfter: string };
      assert.equal(inUse.serial, devices.get('api-dev-1'));
      assert.match(inUse.notAfter, /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof device['lastSuccessAt'], 'string');
      assert.equal(device['lastFailureAt'], null);
      assert.equal(device['lastFailureReason'], null);
      const certificates = await call({ method: 'GET', url: '/api/v1/devices/api-dev-1/certificates' });
      assert.deepEqual(
        items(certificates).map((c) => c['serial']),
        [devices.get('api-dev-1')],
      );
    });

    test('unknown and malformed device ids', async () => {
      assert.equal((await call({ method: 'GET', url: '/api/v1/devices/nobody-here' })).statusCode, 404);
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/devices/nobody-here/certificates' })).statusCode,
        404,
      );
      const bad = await call({ method: 'GET', url: '/api/v1/devices/%20bad' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(json(bad)['errors'], [
        { in: 'path', pointer: '/deviceId', detail: json(bad)['detail'] },
      ]);
    });

    test('a bad cursor, limit or unknown parameter is a 400 problem naming it', async () => {
      const cases: Array<[string, string]> = [
        ['/api/v1/devices?cursor=bm90LWEtY3Vyc29y', '/cursor'],
        ['/api/v1/devices?cursor=%25%25', '/cursor'],
        [
          `/api/v1/devices?cursor=${Buffer.from('["certificates",1,"a","b"]').toString('base64url')}`,
          '/cursor',
        ],
        ['/api/v1/devices?limit=501', '/limit'],
        ['/api/v1/devices?limit=0', '/limit'],
        ['/api/v1/devices?limit=ten', '/limit'],
        ['/api/v1/devices?state=sleepy', '/state'],
        ['/api/v1/devices?stat=healthy', '/stat'],
      ];
      for (const [url, pointer] of cases) {
        const response = await call({ method: 'GET', url });
        assert.equal(response.statusCode, 400, url);
        assert.equal(response.headers['content-type'], 'application/problem+json');
        const errors = json(response)['errors'] as Array<{ in: string; pointer: string }>;
        assert.deepEqual([errors[0]?.in, errors[0]?.pointer], ['query', pointer], url);
      }
    });
  });

  describe('certificates', () => {
    test('lists by device, issuer and profile, paged by cursor', async () => {
      const byIssuer = await call({
        method: 'GET',
        url: '/api/v1/certificates?issuerId=operational&profile=ldevid&limit=2',
      });
      assert.equal(byIssuer.statusCode, 200, byIssuer.body);
      const second = await call({
        method: 'GET',
        url: `/api/v1/certificates?issuerId=operational&profile=ldevid&limit=2&cursor=${String(json(byIssuer)['next'])}`,
      });
      const serials = [...items(byIssuer), ...items(second)].map((c) => c['serial']);
      assert.equal(new Set(serials).size, 4);
      for (const serial of serials) assert.ok([...devices.values()].includes(String(serial)));
      const byDevice = await call({ method: 'GET', url: '/api/v1/certificates?deviceId=api-dev-2' });
      assert.deepEqual(
        items(byDevice).map((c) => c['serial']),
        [devices.get('api-dev-2')],
      );
      const bad = await call({ method: 'GET', url: '/api/v1/certificates?issuerId=Not_An_Issuer' });
      assert.equal(bad.statusCode, 400);
    });

    test('one certificate as JSON, DER (application/pkix-cert) or PEM (application/x-pem-file)', async () => {
      const serial = devices.get('api-dev-2')!;
      const record = (await deployment.runtime.store.certificates.findBySerial(serial as SerialHex))[0]!;
      const asJson = await call({ method: 'GET', url: `/api/v1/certificates/${serial}` });
      assert.equal(asJson.statusCode, 200);
      assert.equal(json(asJson)['deviceId'], 'api-dev-2');
      assert.equal(json(asJson)['status'], 'issued');

      const der = await call({
        method: 'GET',
        url: `/api/v1/certificates/${serial}`,
        headers: { accept: 'application/pkix-cert' },
      });
      assert.equal(der.headers['content-type'], 'application/pkix-cert');
      assert.deepEqual(new Uint8Array(der.rawPayload), record.der);
      assert.equal(parseCertificate(new Uint8Array(der.rawPayload)).serial, serial);

      const pem = await call({
        method: 'GET',
        url: `/api/v1/certificates/${serial}`,
        headers: { accept: 'application/x-pem-file, application/json;q=0.5' },
      });
      assert.equal(pem.headers['content-type'], 'application/x-pem-file');
      assert.match(pem.body, /^-----BEGIN CERTIFICATE-----\n/);
      assert.deepEqual(readPemAll(pem.body, 'CERTIFICATE', 'the answer'), [record.der]);
      assert.equal((await call({ method: 'GET', url: '/api/v1/certificates/0badc0de' })).statusCode, 404);
      assert.equal((await call({ method: 'GET', url: '/api/v1/certificates/xyz' })).statusCode, 400);
    });
  });

  describe('revocation', () => {
    test('refused revocations (bad reason, unknown field, bad JSON, wrong type, too large) change nothing', async () => {
      const serial = devices.get('api-dev-3')!;
      const url = `/api/v1/certificates/${serial}/revoke`;
      const before = await snapshot();
      const reason = await call({ method: 'POST', url, payload: { reason: 'certificateHold' } });
      assert.equal(reason.statusCode, 400);
      assert.deepEqual(
        (json(reason)['errors'] as Array<{ pointer: string }>).map((e) => e.pointer),
        ['/reason'],
      );
      const extra = await call({ method: 'POST', url, payload: { reason: 'keyCompromise', reasn: 'x' } });
      assert.equal(extra.statusCode, 400);
      assert.equal((json(extra)['errors'] as Array<{ pointer: string }>)[0]?.pointer, '/reasn');

      const malformed = await call({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: '{"reason": "keyCompromise",',
      });
      assert.equal(malformed.statusCode, 400);
      assert.equal(
        malformed.body,
        '{"type":"https://certfleet.dev/problems/malformed-input","title":"Malformed request","status":400,' +
          `"detail":"the body is not valid JSON","instance":"${url}","code":"MALFORMED_INPUT"}`,
      );
      const text = await call({
        method: 'POST',
        url,
        headers: { 'content-type': 'text/plain' },
        payload: 'reason=keyCompromise',
      });
      assert.equal(text.statusCode, 415);
      assert.equal(json(text)['type'], 'https://certfleet.dev/problems/unsupported-media-type');
      const large = await call({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ reason: 'keyCompromise', padding: 'x'.repeat(20_000) }),
      });
      assert.equal(large.statusCode, 413);
      assert.equal(json(large)['title'], 'Request body too large');
      assert.equal(await snapshot(), before);
    });

    test('revokes through the RA: the store shows it revoked, audited with the token as the actor', async () => {
      const serial = devices.get('api-dev-3')!;
      const response = await call({
        method: 'POST',
        url: `/api/v1/certificates/${serial}/revoke`,
        payload: { reason: 'keyCompromise' },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json(response)['result'], 'revoked');
      const { store } = deployment.runtime;
      const [record] = await store.certificates.findBySerial(serial as SerialHex);
      assert.equal(record?.status, 'revoked');
      assert.equal(record?.revocationReason, 'keyCompromise');
      const [audit] = await store.auditHistory.page({ event: 'cert.revoked', limit: 1 });
      assert.equal(audit?.actor, 'operator:ops-admin');
      assert.equal(audit?.subject, `cert:operational/${serial}`);
      const again = await call({ method: 'POST', url: `/api/v1/certificates/${serial}/revoke` });
      assert.equal(json(again)['result'], 'already-revoked');
      assert.equal(
        (json(again)['certificate'] as { revocationReason: string }).revocationReason,
        'keyCompromise',
      );
    });

    test('decommissions a device: certificates revoked, tokens voided, state decommissioned', async () => {
      const made = await call({
        method: 'POST',
        url: '/api/v1/enrollment-tokens',
        payload: { deviceId: 'api-dev-4' },
      });
      assert.equal(made.statusCode, 201, made.body);
      const response = await call({ method: 'POST', url: '/api/v1/devices/api-dev-4/decommission' });
      assert.equal(response.statusCode, 200, response.body);
      const summary = json(response);
      assert.equal(summary['stateChanged'], true);
      assert.equal(summary['revoked'], 1);
      assert.equal(summary['tokensVoided'], 1);
      const device = json(await call({ method: 'GET', url: '/api/v1/devices/api-dev-4' }));
      assert.equal(device['state'], 'decommissioned');
      const [audit] = await deployment.runtime.store.auditHistory.page({
        event: 'device.decommissioned',
        limit: 1,
      });
      assert.equal(audit?.actor, 'operator:ops-admin');
      const refused = await call({
        method: 'POST',
        url: '/api/v1/enrollment-tokens',
        payload: { deviceId: 'api-dev-4' },
      });
      assert.equal(refused.statusCode, 403);
    });
  });

  describe('enrollment tokens', () => {
    test('the secret is shown once and only its hash is stored', async () => {
      const response = await call({
        method: 'POST',
        url: '/api/v1/enrollment-tokens',
        payload: { deviceId: 'brownfield-1', label: null, expiresInSeconds: 3600 },
      });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(response.headers['cache-control'], 'no-store');
      const { token, secret } = json(response) as { token: Record<string, unknown>; secret: string };
      assert.equal(token['status'], 'usable');
      assert.equal(token['createdBy'], 'operator:ops-admin');
      const row = await deployment.runtime.store.enrollmentTokenCatalog.get(String(token['id']));
      assert.ok(row);
      const stored = await deployment.runtime.store.tokens.findUsable(
        createHash('sha256').update(secret).digest('hex'),
        clock.now(),
      );
      assert.equal(stored?.id, token['id']);
      const listed = await call({
        method: 'GET',
        url: '/api/v1/enrollment-tokens?deviceId=brownfield-1',
        token: 'read',
      });
      assert.ok(!listed.body.includes(secret), 'never listed again');
      assert.equal(items(listed).length, 1);
      const one = await call({ method: 'GET', url: `/api/v1/enrollment-tokens/${String(token['id'])}` });
      assert.ok(!one.body.includes(secret));
    });

    test('void: once, idempotent, not a used token; bad bodies change nothing', async () => {
      const made = json(
        await call({
          method: 'POST',
          url: '/api/v1/enrollment-tokens',
          payload: { deviceId: 'brownfield-2' },
        }),
      );
      const id = String((made['token'] as { id: string }).id);
      const voided = await call({ method: 'POST', url: `/api/v1/enrollment-tokens/${id}/void` });
      assert.equal(voided.statusCode, 200, voided.body);
      assert.equal(json(voided)['outcome'], 'voided');
      assert.equal((json(voided)['token'] as { status: string }).status, 'voided');
      assert.equal(
        json(await call({ method: 'POST', url: `/api/v1/enrollment-tokens/${id}/void` }))['outcome'],
        'already-voided',
      );

      const used = json(
        await call({
          method: 'POST',
          url: '/api/v1/enrollment-tokens',
          payload: { deviceId: 'brownfield-3' },
        }),
      );
      await deployment.runtime.store.tokens.consume(
        createHash('sha256').update(String(used['secret'])).digest('hex'),
        clock.now(),
      );
      const usedId = String((used['token'] as { id: string }).id);
      assert.equal(
        (await call({ method: 'POST', url: `/api/v1/enrollment-tokens/${usedId}/void` })).statusCode,
        409,
      );
      assert.equal(
        (await call({ method: 'POST', url: '/api/v1/enrollment-tokens/tok_none/void' })).statusCode,
        404,
      );

      const before = await snapshot();
      for (const payload of [
        {},
        { deviceId: ' bad id' },
        { deviceId: 'x', profile: 'nope' },
        { deviceId: 'x', expiresInSeconds: 1 },
      ]) {
        const response = await call({ method: 'POST', url: '/api/v1/enrollment-tokens', payload });
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
      }
      assert.equal(await snapshot(), before);
    });

    test('lists newest first in pages', async () => {
      const first = await call({ method: 'GET', url: '/api/v1/enrollment-tokens?limit=2' });
      const second = await call({
        method: 'GET',
        url: `/api/v1/enrollment-tokens?limit=2&cursor=${String(json(first)['next'])}`,
      });
      const ids = [...items(first), ...items(second)].map((t) => t['id']);
      assert.equal(new Set(ids).size, ids.length);
      assert.ok(ids.length >= 3);
    });
  });

  describe('fleet, audit, issuers', () => {
    test('fleet status counts every device; at-risk pages', async () => {
      const status = json(await call({ method: 'GET', url: '/api/v1/fleet/status', token: 'read' }));
      const counts = status['counts'] as Record<string, number>;
      assert.equal(counts['total'], (await deployment.runtime.store.devices.list({ limit: 10_000 })).length);
      assert.equal(counts['decommissioned'], 1);
      assert.equal(status['marginSeconds'], 7 * 86_400);
      const atRisk = await call({ method: 'GET', url: '/api/v1/fleet/at-risk?limit=1&failureThreshold=1' });
      assert.equal(atRisk.statusCode, 200, atRisk.body);
      assert.equal(json(atRisk)['failureThreshold'], 1);
      const bad = await call({ method: 'GET', url: '/api/v1/fleet/at-risk?cursor=x' });
      assert.equal(bad.statusCode, 400);
    });

    test('audit events newest first, by event and time, paged', async () => {
      const first = await call({
        method: 'GET',
        url: '/api/v1/audit-events?event=api-token.created&limit=2',
      });
      assert.equal(first.statusCode, 200, first.body);
      const second = await call({
        method: 'GET',
        url: `/api/v1/audit-events?event=api-token.created&limit=2&cursor=${String(json(first)['next'])}`,
      });
      const seqs = [...items(first), ...items(second)].map((e) => Number(e['seq']));
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => b - a),
      );
      assert.ok(seqs.length >= 4);
      const later = await call({
        method: 'GET',
        url: `/api/v1/audit-events?since=${new Date(clock.now().getTime() + 1000).toISOString()}`,
      });
      assert.deepEqual(items(later), []);
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/audit-events?since=yesterday' })).statusCode,
        400,
      );
    });

    test('issuers, read-only', async () => {
      const list = await call({ method: 'GET', url: '/api/v1/issuers', token: 'read' });
      const ids = items(list).map((i) => i['id']);
      assert.deepEqual([...ids].sort(), ['factory', 'operational', 'root']);
      const page = await call({ method: 'GET', url: '/api/v1/issuers?limit=1' });
      const rest = await call({
        method: 'GET',
        url: `/api/v1/issuers?limit=5&cursor=${String(json(page)['next'])}`,
      });
      assert.deepEqual(
        [...items(page), ...items(rest)].map((i) => i['id']),
        ids,
      );
      const root = json(await call({ method: 'GET', url: '/api/v1/issuers/root' }));
      assert.equal(root['online'], false);
      assert.equal((await call({ method: 'GET', url: '/api/v1/issuers/nope' })).statusCode, 404);
      assert.equal((await call({ method: 'POST', url: '/api/v1/issuers' })).statusCode, 404);
    });
  });

  describe('API tokens through the API', () => {
    test('create (secret once, hash only), list without secrets, revoke; the revoked token is refused', async () => {
      const made = await call({
        method: 'POST',
        url: '/api/v1/api-tokens',
        payload: { name: 'ci-deploy', scope: 'read' },
      });
      assert.equal(made.statusCode, 201, made.body);
      const { token, secret } = json(made) as { token: { id: string }; secret: string };
      assert.match(secret, /^cft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/devices?limit=1', token: secret })).statusCode,
        200,
      );
      const list = await call({ method: 'GET', url: '/api/v1/api-tokens?limit=500' });
      assert.ok(!list.body.includes(secret.slice(22)));
      assert.ok(items(list).some((t) => t['name'] === 'ci-deploy' && t['lastUsedAt'] !== null));
      const [audit] = await deployment.runtime.store.auditHistory.page({
        event: 'api-token.created',
        limit: 1,
      });
      assert.equal(audit?.actor, 'operator:ops-admin');
      assert.ok(!JSON.stringify(audit).includes(secret.slice(22)));

      assert.equal(
        (
          await call({
            method: 'POST',
            url: '/api/v1/api-tokens',
            payload: { name: 'ci-deploy', scope: 'read' },
          })
        ).statusCode,
        409,
      );
      assert.equal(
        (await call({ method: 'POST', url: '/api/v1/api-tokens', payload: { name: 'cli', scope: 'read' } }))
          .statusCode,
        409,
      );
      const revoked = await call({ method: 'POST', url: `/api/v1/api-tokens/${token.id}/revoke` });
      assert.equal(json(revoked)['outcome'], 'revoked');
      assert.equal(
        (await call({ method: 'GET', url: '/api/v1/devices?limit=1', token: secret })).statusCode,
        401,
      );
    });
  });

  describe('OpenAPI document', () => {
    test('/docs/json is OpenAPI 3 and lists every route of the API, public', async () => {
      const response = await app.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(response.statusCode, 200);
      const doc = JSON.parse(response.body) as {
        openapi: string;
        info: { title: string; version: string };
        paths: Record<string, Record<string, { responses: Record<string, unknown>; tags?: string[] }>>;
        components: { securitySchemes: Record<string, { type: string; scheme: string }> };
        security: unknown[];
      };
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.equal(doc.info.title, 'certfleet admin API');
      assert.deepEqual(doc.components.securitySchemes['apiToken'], {
        type: 'http',
        scheme: 'bearer',
        description: 'An API token: cft_<id>_<secret>',
      });
      assert.deepEqual(doc.security, [{ apiToken: [] }]);
      const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      assert.deepEqual(operations.sort(), [
        'DELETE /api/v1/acme/eab-keys/{keyId}',
        'DELETE /api/v1/alert-rules/{name}',
        'DELETE /api/v1/endpoints/{name}',
        'GET /api/v1/acme/eab-keys',
        'GET /api/v1/alert-rules',
        'GET /api/v1/alert-rules/{name}',
        'GET /api/v1/alert-states',
        'GET /api/v1/api-tokens',
        'GET /api/v1/audit-events',
        'GET /api/v1/certificates',
        'GET /api/v1/certificates/{serial}',
        'GET /api/v1/deliveries',
        'GET /api/v1/deliveries/{id}',
        'GET /api/v1/devices',
        'GET /api/v1/devices/{deviceId}',
        'GET /api/v1/devices/{deviceId}/certificates',
        'GET /api/v1/devices/{deviceId}/enrollment-events',
        'GET /api/v1/endpoints',
        'GET /api/v1/endpoints/{name}',
        'GET /api/v1/endpoints/{name}/observations',
        'GET /api/v1/enrollment-failures',
        'GET /api/v1/enrollment-tokens',
        'GET /api/v1/enrollment-tokens/{tokenId}',
        'GET /api/v1/fleet/at-risk',
        'GET /api/v1/fleet/expiry-timeline',
        'GET /api/v1/fleet/status',
        'GET /api/v1/issuers',
        'GET /api/v1/issuers/{issuerId}',
        'GET /api/v1/observations/latest',
        'GET /api/v1/observations/{id}',
        'GET /api/v1/session',
        'PATCH /api/v1/alert-rules/{name}',
        'PATCH /api/v1/endpoints/{name}',
        'POST /api/v1/acme/eab-keys',
        'POST /api/v1/alert-rules',
        'POST /api/v1/api-tokens',
        'POST /api/v1/api-tokens/{token}/revoke',
        'POST /api/v1/certificates/{serial}/revoke',
        'POST /api/v1/devices/{deviceId}/decommission',
        'POST /api/v1/endpoints',
        'POST /api/v1/endpoints/import',
        'POST /api/v1/endpoints/{name}/probe',
        'POST /api/v1/enrollment-tokens',
        'POST /api/v1/enrollment-tokens/{tokenId}/void',
        'POST /api/v1/renewal-windows',
      ]);
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          assert.ok(
            Object.keys(operation.responses).some((s) => s.startsWith('2')),
            `${method} ${path}`,
          );
          assert.ok(operation.responses['401'], `${method} ${path} documents 401`);
          assert.ok(operation.tags?.length, `${method} ${path} has a tag`);
        }
      }
      assertRefsResolve(doc);
    });

    test('/docs serves the Swagger UI page', async () => {
      const response = await app.inject({ method: 'GET', url: '/docs' });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /<html/i);
      assert.match(response.body, /swagger/i);
    });
  });
});

/** Every `$ref` in the document points at something in it. */
function assertRefsResolve(doc: unknown): void {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const target = value
          .replace(/^#\//, '')
          .split('/')
          .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], doc);
        assert.ok(target !== undefined, `unresolved $ref ${value}`);
      } else walk(value);
    }
  };
  walk(doc);
}
