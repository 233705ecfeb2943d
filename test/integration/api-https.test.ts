import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OperatorTokens } from '../../src/api/operator-tokens.js';
import { systemClock } from '../../src/core/clock.js';
import { generateKeyPair } from '../../src/pki/algorithms/key-algorithm.js';
import { buildCsr } from '../../src/pki/csr.js';
import { parseDistinguishedName } from '../../src/pki/name.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { curl } from '../helpers/curl.js';
import { openssl } from '../helpers/openssl.js';
import { testConfig } from '../helpers/test-deployment.js';

/**
 * The admin API on the real server: HTTPS with the development PKI, curl as the client, and the revocation
 * checked from outside with `openssl ocsp` against the plain-HTTP responder.
 */
describe('admin API over HTTPS (curl, openssl)', () => {
  let dir: string;
  let server: RunningServer;
  let token: string;
  let serial: string;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-api-https-'));
    server = await serve(
      testConfig(join(dir, 'deployment'), { log: { level: 'silent' } }),
      systemClock,
      {},
      () => {},
    );
    const { store, ra } = server.runtime;
    const tokens = new OperatorTokens({ tokens: store.apiTokens, audit: store.audit, clock: systemClock });
    token = (
      await tokens.create('operator:cli', { name: 'https-admin', scope: 'admin', lifetimeSeconds: 3600 })
    ).token;
    const issued = await ra.requestCertificate(
      { kind: 'operator', name: 'test' },
      {
        csr: buildCsr({ subject: parseDistinguishedName('CN=https-dev-1') }, generateKeyPair('ec-p256')),
        profile: 'ldevid',
        deviceId: 'https-dev-1',
        protocol: 'cli',
        operation: 'issue',
      },
    );
    serial = issued.serial;
    const root = await readFile(join(dir, 'deployment', 'offline-root', 'root.cert.pem'), 'utf8');
    await writeFile(file('root.pem'), root);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const api = (path: string, args: readonly string[] = [], bearer: string | null = token) =>
    curl([
      '--cacert',
      file('root.pem'),
      ...(bearer === null ? [] : ['-H', `Authorization: Bearer ${bearer}`]),
      ...args,
      `${server.url}${path}`,
    ]);

  test('a token reads the fleet; no token gets a 401 problem with a Bearer challenge', async () => {
    const status = await api('/api/v1/fleet/status');
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.status, 200, status.body);
    const body = JSON.parse(status.body) as { counts: { healthy: number; total: number } };
    assert.equal(body.counts.healthy, 1);
    assert.equal(body.counts.total, 1);

    const anonymous = await api('/api/v1/fleet/status', [], null);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers['content-type'], 'application/problem+json');
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="certfleet"');
    assert.equal(
      (JSON.parse(anonymous.body) as { type: string }).type,
      'https://certfleet.dev/problems/unauthorized',
    );
  });

  test('the OpenAPI document and its page are public', async () => {
    const docs = await api('/docs', [], null);
    assert.equal(docs.status, 200);
    assert.match(docs.headers['content-type'] ?? '', /^text\/html/);
    const json = await api('/docs/json', [], null);
    assert.equal(json.status, 200);
    assert.match((JSON.parse(json.body) as { openapi: string }).openapi, /^3\./);
  });

  test('revoked through the API, openssl ocsp sees it revoked', async () => {
    const pem = await api(`/api/v1/certificates/${serial}`, ['-H', 'Accept: application/x-pem-file']);
    assert.equal(pem.status, 200, pem.body);
    assert.equal(pem.headers['content-type'], 'application/x-pem-file');
    await writeFile(file('leaf.pem'), pem.body);
    const operational = await curl([
      '--fail',
      '--cacert',
      file('root.pem'),
      `${server.url}/ca/operational.pem`,
    ]);
    await writeFile(file('operational.pem'), operational.body);
    await writeFile(file('chain.pem'), operational.body + (await readFile(file('root.pem'), 'utf8')));
    const ocsp = () =>
      openssl([
        'ocsp',
        '-issuer',
        file('operational.pem'),
        '-cert',
        file('leaf.pem'),
        '-url',
        `${server.publicUrl}/ocsp/operational`,
        '-CAfile',
        file('chain.pem'),
        '-no_nonce',
      ]);
    const good = await ocsp();
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /leaf\.pem: good/);

    const revoked = await api(`/api/v1/certificates/${serial}/revoke`, [
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '--data',
      '{"reason":"keyCompromise"}',
    ]);
    assert.equal(revoked.status, 200, revoked.body);
    assert.equal((JSON.parse(revoked.body) as { result: string }).result, 'revoked');

    const after = await ocsp();
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /leaf\.pem: revoked/);
    assert.match(after.stdout, /Reason: keyCompromise/);
  });
});
