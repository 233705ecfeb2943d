import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import type { AcmeClient } from '../../src/protocols/acme/client/acme-client.js';
import { isAcmeClientError } from '../../src/protocols/acme/client/acme-client-error.js';
import type { ExternalAccountBinding } from '../../src/protocols/acme/client/external-account-binding.js';
import type { AcmeProblemType } from '../../src/protocols/acme/wire/acme-problem.js';
import { decodeBase64url } from '../../src/protocols/acme/wire/base64url.js';
import { type AcmeTestServer, startAcmeTestServer } from '../helpers/acme-test-server.js';
import { createOperatorTokens } from '../helpers/operator-tokens.js';

interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

interface EabKeyJson {
  readonly keyId: string;
  readonly label: string;
  readonly state: string;
  readonly createdAt: string;
  readonly boundAccountId: string | null;
  readonly boundAt: string | null;
  readonly revokedAt: string | null;
  readonly identifierScope: { dnsNames: string[]; ipRanges: string[] } | null;
}

/**
 * RFC 8555 §7.3.4 on the real server with `acme.externalAccountRequired`: operators make binding keys through the
 * admin API (HTTPS, bearer tokens), ACME clients register with them, and the API shows what each key bound.
 */
describe('ACME external account binding with keys from the admin API', () => {
  let server: AcmeTestServer;
  const tokens = { admin: '', read: '' };

  before(async () => {
    server = await startAcmeTestServer({ acme: { externalAccountRequired: true } });
    const created = await createOperatorTokens(server.est.server.runtime.store, systemClock, 'eab');
    tokens.admin = created.admin;
    tokens.read = created.read;
  });
  after(async () => {
    await server.close();
  });

  function api(
    method: string,
    path: string,
    body?: unknown,
    token: string = tokens.admin,
  ): Promise<ApiAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    return new Promise((resolve, reject) => {
      const request = httpsRequest(
        `${server.est.server.url}/api/v1${path}`,
        {
          method,
          ca: server.rootPem,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: text === '' ? undefined : (JSON.parse(text) as unknown),
            });
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  async function createKey(
    label?: string,
    scope: { dnsNames?: string[]; ipRanges?: string[] } = {},
  ): Promise<{ keyId: string; hmacKey: string; binding: ExternalAccountBinding }> {
    const answer = await api('POST', '/acme/eab-keys', {
      ...(label === undefined ? {} : { label }),
      ...scope,
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.headers['cache-control'], 'no-store');
    const created = answer.body as { keyId: string; hmacKey: string; label: string; createdAt: string };
    assert.deepEqual(Object.keys(created).sort(), [
      'createdAt',
      'hmacKey',
      'identifierScope',
      'keyId',
      'label',
    ]);
    assert.match(created.keyId, /^eab_[0-9a-f]{16}$/);
    assert.match(created.hmacKey, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(created.label, label ?? '');
    return {
      keyId: created.keyId,
      hmacKey: created.hmacKey,
      binding: { keyId: created.keyId, hmacKey: decodeBase64url(created.hmacKey, 'hmacKey') },
    };
  }

  async function listed(keyId: string): Promise<EabKeyJson | undefined> {
    const answer = await api('GET', '/acme/eab-keys?limit=500');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return (answer.body as { items: EabKeyJson[] }).items.find((key) => key.keyId === keyId);
  }

  async function refusal(attempt: Promise<unknown>, type: AcmeProblemType): Promise<void> {
    const error = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(isAcmeClientError(error, type), `expected ${type}, got ${String(error)}`);
  }

  const register = (client: AcmeClient, binding?: ExternalAccountBinding) =>
    client.newAccount({
      termsOfServiceAgreed: true,
      ...(binding === undefined ? {} : { externalAccountBinding: binding }),
    });

  it('scopes the account a key binds to the names given with the key, within acme.policy', async () => {
    const { binding, keyId } = await createKey('site 1', {
      dnsNames: ['*.site1.test'],
      ipRanges: ['10.1.0.0/16'],
    });
    assert.deepEqual((await listed(keyId))?.identifierScope, {
      dnsNames: ['*.site1.test'],
      ipRanges: ['10.1.0.0/16'],
    });
    const client = server.client();
    await register(client, binding);
    const inside = await client.newOrder({
      identifiers: [
        { type: 'dns', value: 'gw.site1.test' },
        { type: 'ip', value: '10.1.2.3' },
      ],
    });
    assert.equal(inside.order.status, 'pending');
    const outside = await client
      .newOrder({
        identifiers: [
          { type: 'dns', value: 'gw.site2.test' },
          { type: 'dns', value: 'gw.site1.test' },
        ],
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(isAcmeClientError(outside, 'rejectedIdentifier'), String(outside));
    assert.deepEqual(
      outside.subproblems.map((problem) => problem.identifier?.value),
      ['gw.site2.test'],
    );
    const badScope = await api('POST', '/acme/eab-keys', { dnsNames: ['not a name'] });
    assert.equal(badScope.status, 400, JSON.stringify(badScope.body));
    const badRange = await api('POST', '/acme/eab-keys', { ipRanges: ['10.0.0.0/99'] });
    assert.equal(badRange.status, 400, JSON.stringify(badRange.body));
  });

  it('says so in the directory and refuses newAccount without a binding', async () => {
    const client = server.client();
    assert.equal((await client.directory()).meta?.externalAccountRequired, true);
    await refusal(register(client), 'externalAccountRequired');
  });

  it('registers with a key made through the API, which then shows it bound to that account', async () => {
    const key = await createKey('customer-a');
    assert.equal((await listed(key.keyId))?.state, 'unused');
    const client = server.client();
    const { url, account, created } = await register(client, key.binding);
    assert.equal(created, true);
    assert.equal(account.status, 'valid');
    const accountId = url.slice(url.lastIndexOf('/') + 1);
    const shown = await listed(key.keyId);
    assert.equal(shown?.state, 'bound');
    assert.equal(shown?.boundAccountId, accountId);
    assert.ok(shown?.boundAt);
    assert.equal(shown?.label, 'customer-a');
    const stored = await server.est.server.runtime.store.acmeAccounts.get(accountId);
    assert.equal(stored?.externalAccountKeyId, key.keyId);
    // The bound account goes on working like any other.
    const { order } = await client.newOrder({ identifiers: [{ type: 'dns', value: 'eab.fleet.test' }] });
    assert.equal(order.status, 'pending');
  });

  it('refuses a second account key bound with the same external account key', async () => {
    const key = await createKey('one account only');
    const first = await register(server.client(), key.binding);
    await refusal(register(server.client(), key.binding), 'unauthorized');
    const shown = await listed(key.keyId);
    assert.equal(shown?.boundAccountId, first.url.slice(first.url.lastIndexOf('/') + 1));
  });

  it('refuses a revoked key; revoking twice and unknown or malformed ids answer as they should', async () => {
    const key = await createKey('revoked before use');
    const revoked = await api('DELETE', `/acme/eab-keys/${key.keyId}`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const body = revoked.body as { outcome: string; key: EabKeyJson };
    assert.equal(body.outcome, 'revoked');
    assert.equal(body.key.state, 'revoked');
    assert.ok(body.key.revokedAt);
    await refusal(register(server.client(), key.binding), 'unauthorized');
    assert.equal((await listed(key.keyId))?.boundAccountId, null);

    const again = await api('DELETE', `/acme/eab-keys/${key.keyId}`);
    assert.equal(again.status, 200);
    assert.equal((again.body as { outcome: string }).outcome, 'already-revoked');
    assert.equal((await api('DELETE', '/acme/eab-keys/eab_0000000000000000')).status, 404);
    assert.equal((await api('DELETE', '/acme/eab-keys/not-a-key')).status, 400);
  });

  it('refuses a binding with the wrong MAC and binds nothing; the right MAC still works', async () => {
    const key = await createKey();
    const forged = { keyId: key.keyId, hmacKey: new Uint8Array(randomBytes(32)) };
    await refusal(register(server.client(), forged), 'unauthorized');
    assert.equal((await listed(key.keyId))?.state, 'unused');
    const { created } = await register(server.client(), key.binding);
    assert.equal(created, true);
  });

  it('is for admin tokens only, validates the label, and pages the list', async () => {
    assert.equal((await api('GET', '/acme/eab-keys', undefined, tokens.read)).status, 403);
    assert.equal((await api('POST', '/acme/eab-keys', {}, tokens.read)).status, 403);
    assert.equal((await api('GET', '/acme/eab-keys', undefined, 'cft_0000000000000000_nope')).status, 401);
    const tooLong = await api('POST', '/acme/eab-keys', { label: 'x'.repeat(201) });
    assert.equal(tooLong.status, 400);
    assert.equal((await api('POST', '/acme/eab-keys', { label: 'a\nb' })).status, 400);
    assert.equal((await api('POST', '/acme/eab-keys', { label: 'x', extra: 1 })).status, 400);

    const all = ((await api('GET', '/acme/eab-keys?limit=500')).body as { items: EabKeyJson[] }).items;
    assert.ok(all.length >= 4);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api('GET', `/acme/eab-keys?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(page.status, 200);
      const { items, next } = page.body as { items: EabKeyJson[]; next: string | null };
      assert.ok(items.length <= 3);
      seen.push(...items.map((key) => key.keyId));
      cursor = next;
    } while (cursor !== null);
    assert.deepEqual(
      seen,
      all.map((key) => key.keyId),
    );
    assert.equal((await api('GET', '/acme/eab-keys?cursor=bogus')).status, 400);
  });

  it('is in the OpenAPI document', async () => {
    const document = await new Promise<{ paths: Record<string, Record<string, unknown>> }>(
      (resolve, reject) => {
        httpsRequest(`${server.est.server.url}/docs/json`, { ca: server.rootPem }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as never));
        })
          .on('error', reject)
          .end();
      },
    );
    assert.deepEqual(Object.keys(document.paths['/api/v1/acme/eab-keys'] ?? {}).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(document.paths['/api/v1/acme/eab-keys/{keyId}'] ?? {}), ['delete']);
  });
});
