import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildCsr } from '../../src/pki/csr.js';
import { generateKeyPair } from '../../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { parseDistinguishedName } from '../../src/pki/name.js';
import { readPemAll } from '../../src/pki/pem.js';
import { systemClock } from '../../src/core/clock.js';
import type { AcmeClient } from '../../src/protocols/acme/client/acme-client.js';
import type { AcmeOrder } from '../../src/protocols/acme/client/acme-resources.js';
import { ariCertId } from '../../src/protocols/acme/wire/ari-cert-id.js';
import type { ParsedCertificate } from '../../src/pki/certificate.js';
import { bytesEqual } from '../../src/pki/der.js';
import { type AcmeTestServer, startAcmeTestServer } from '../helpers/acme-test-server.js';
import { createOperatorTokens } from '../helpers/operator-tokens.js';
import { request as httpsRequest } from 'node:https';

/** An order for `names` placed and validated with http-01: its URL and the order, ready to finalize. */
async function readyOrder(
  client: AcmeClient,
  names: string[],
  options: { replaces?: string; notAfter?: Date } = {},
): Promise<{ url: string; ready: AcmeOrder }> {
  const { url, order } = await client.newOrder({
    identifiers: names.map((value) => ({ type: 'dns', value })),
    ...options,
  });
  for (const authorizationUrl of order.authorizations) {
    const authorization = await client.getAuthorization(authorizationUrl);
    const challenge = authorization.challenges.find((candidate) => candidate.type === 'http-01');
    assert.ok(challenge?.token);
    currentServer.responder.provideHttp01(challenge.token, await client.keyAuthorization(challenge.token));
    await client.respondToChallenge(challenge.url);
    assert.equal(
      (await client.waitForAuthorization(authorizationUrl, { timeoutMs: 10_000 })).status,
      'valid',
    );
  }
  return { url, ready: await client.waitForOrder(url, ['ready'], { timeoutMs: 10_000 }) };
}

/** A CSR for `names` (the first also as CN) with a fresh P-256 key. */
function csrFor(names: string[]): Uint8Array {
  return buildCsr(
    {
      subject: parseDistinguishedName(`CN=${names[0]}`),
      altNames: names.map((value) => ({ type: 'dns' as const, value })),
    },
    generateKeyPair('ec-p256'),
  );
}

/** An order for `names` validated and finalized: the chain, leaf first (DER). */
async function obtain(
  client: AcmeClient,
  names: string[],
  options: { replaces?: string; notAfter?: Date } = {},
): Promise<Uint8Array[]> {
  const { ready } = await readyOrder(client, names, options);
  const valid = await client.finalize(ready, csrFor(names));
  assert.ok(valid.certificate);
  return readPemAll(await client.downloadCertificate(valid.certificate), 'CERTIFICATE', 'chain');
}

let currentServer: AcmeTestServer;

function issuerOf(server: AcmeTestServer, leaf: ParsedCertificate): string {
  for (const issuer of server.est.server.runtime.issuers.values()) {
    if (bytesEqual(issuer.certificate.subjectDer, leaf.issuerDer)) return issuer.record.id;
  }
  throw new Error('no issuer');
}

function apiPost(
  server: AcmeTestServer,
  token: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${server.est.server.url}${path}`,
      {
        method: 'POST',
        ca: server.rootPem,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

describe('ACME end to end (our client, loopback validation)', () => {
  let server: AcmeTestServer;
  before(async () => {
    server = await startAcmeTestServer();
    currentServer = server;
  });
  after(async () => {
    await server.close();
  });

  it('registers, orders two names, validates http-01 and tls-alpn-01, finalizes and downloads the chain', async () => {
    const client = server.client();
    const { url: accountUrl } = await client.newAccount({
      termsOfServiceAgreed: true,
      contact: ['mailto:ops@example.com'],
    });
    assert.match(accountUrl, /\/acme\/account\//);
    const names = ['gw1.fleet.test', 'ota.fleet.test'];
    const { url: orderUrl, order } = await client.newOrder({
      identifiers: names.map((value) => ({ type: 'dns', value })),
    });
    assert.equal(order.status, 'pending');
    for (const [index, authorizationUrl] of order.authorizations.entries()) {
      const authorization = await client.getAuthorization(authorizationUrl);
      const type = index === 0 ? 'http-01' : 'tls-alpn-01';
      const challenge = authorization.challenges.find((candidate) => candidate.type === type);
      assert.ok(challenge);
      assert.ok(challenge.token);
      const keyAuthorization = await client.keyAuthorization(challenge.token);
      if (type === 'http-01') server.responder.provideHttp01(challenge.token, keyAuthorization);
      else server.responder.provideTlsAlpn01(authorization.identifier.value, keyAuthorization);
      await client.respondToChallenge(challenge.url);
      const done = await client.waitForAuthorization(authorizationUrl, { timeoutMs: 10_000 });
      assert.equal(done.status, 'valid');
    }
    const ready = await client.waitForOrder(orderUrl, ['ready'], { timeoutMs: 10_000 });
    const key = generateKeyPair('ec-p256');
    const csr = buildCsr(
      {
        subject: parseDistinguishedName('CN=gw1.fleet.test'),
        altNames: names.map((value) => ({ type: 'dns' as const, value })),
      },
      key,
    );
    const valid = await client.finalize(ready, csr);
    assert.equal(valid.status, 'valid');
    assert.ok(valid.certificate);
    const pem = await client.downloadCertificate(valid.certificate);
    const chain = readPemAll(pem, 'CERTIFICATE', 'chain');
    assert.ok(chain.length >= 2);
    const leaf = parseCertificate(chain[0]!);
    assert.deepEqual(
      leaf.extensions.subjectAltNames?.names.map((name) => ('value' in name ? name.value : '')).sort(),
      names,
    );
    const info = await client.renewalInfo(chain[0]!);
    assert.ok(info.suggestedWindow.start < info.suggestedWindow.end);
    await client.revokeCertificate(chain[0]!, { reason: 4 });
    const again = await client.revokeCertificate(chain[0]!).then(
      () => 'ok',
      (error: unknown) => (error as { problemType?: string }).problemType,
    );
    assert.equal(again, 'alreadyRevoked');
  });

  it('suggests renewal windows (RFC 9773), lets an operator pull them forward, and tracks replacement', async () => {
    const client = server.client();
    await client.newAccount({ termsOfServiceAgreed: true });
    const first = await obtain(client, ['ari.fleet.test']);
    const leaf = parseCertificate(first[0]!);
    const info = await client.renewalInfo(first[0]!);
    const lifetime = leaf.notAfter.getTime() - leaf.notBefore.getTime();
    // The tls-server profile renews from two thirds of the lifetime; the window closes halfway to expiry.
    assert.ok(
      Math.abs(info.suggestedWindow.start.getTime() - (leaf.notBefore.getTime() + (lifetime * 2) / 3)) < 2000,
    );
    assert.ok(info.suggestedWindow.end < leaf.notAfter);
    assert.ok(info.retryAfterSeconds >= 60);

    const { admin } = await createOperatorTokens(server.est.server.runtime.store, systemClock, 'ari');
    const end = new Date(Date.now() + 3_600_000);
    const pulled = await apiPost(server, admin, '/api/v1/renewal-windows', {
      issuerId: issuerOf(server, leaf),
      end: end.toISOString(),
      explanationUrl: 'https://example.com/retire',
    });
    assert.equal(pulled.status, 200);
    assert.ok((pulled.body as { certificates: number }).certificates >= 1);
    const forward = await client.renewalInfo(first[0]!);
    assert.ok(forward.suggestedWindow.start.getTime() <= Date.now() + 1000);
    assert.equal(forward.suggestedWindow.end.getTime(), end.getTime());
    assert.equal(forward.explanationURL, 'https://example.com/retire');

    const certId = ariCertId(first[0]!);
    const second = await obtain(client, ['ari.fleet.test'], { replaces: certId });
    assert.notEqual(parseCertificate(second[0]!).serial, leaf.serial);
    const again = await client
      .newOrder({ identifiers: [{ type: 'dns', value: 'ari.fleet.test' }], replaces: certId })
      .then(
        () => 'created',
        (error: unknown) => (error as { problemType?: string }).problemType,
      );
    assert.equal(again, 'alreadyReplaced');
    const other = server.client();
    await other.newAccount({ termsOfServiceAgreed: true });
    const foreign = await other
      .newOrder({ identifiers: [{ type: 'dns', value: 'ari.fleet.test' }], replaces: ariCertId(second[0]!) })
      .then(
        () => 'created',
        (error: unknown) => (error as { problemType?: string }).problemType,
      );
    assert.equal(foreign, 'malformed');
  });

  it('issues for the lifetime notAfter asks, within the profile', async () => {
    const client = server.client();
    await client.newAccount({ termsOfServiceAgreed: true });
    const notAfter = new Date(Date.now() + 10 * 86_400_000);
    const leaf = parseCertificate((await obtain(client, ['short.fleet.test'], { notAfter }))[0]!);
    assert.ok(
      Math.abs(leaf.notAfter.getTime() - notAfter.getTime()) < 120_000,
      `${leaf.notAfter.toISOString()}`,
    );
  });

  it('rotates the account key', async () => {
    const client = server.client(generateKeyPairSync('ed25519').privateKey);
    await client.newAccount({ termsOfServiceAgreed: true });
    await client.changeKey(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
    const account = await client.getAccount();
    assert.equal(account.status, 'valid');
  });
});

describe('ACME finalize refused by the RA for something the client can correct', () => {
  let server: AcmeTestServer;
  before(async () => {
    // One certificate per requester, then a long wait: the RA's own limit, applied after the order is processing.
    server = await startAcmeTestServer({ est: { rateLimit: { perMinute: 0.01, burst: 1 } } });
    currentServer = server;
  });
  after(async () => {
    await server.close();
  });

  it('answers rateLimited with Retry-After and leaves the order ready for another finalize', async () => {
    const client = server.client();
    await client.newAccount({ termsOfServiceAgreed: true });
    await obtain(client, ['first.fleet.test']);
    const { url, ready } = await readyOrder(client, ['second.fleet.test']);
    const csr = csrFor(['second.fleet.test']);
    const refusal = await client.finalize(ready, csr).then(
      () => undefined,
      (error: unknown) => error as { problemType?: string; status?: number; retryAfterSeconds?: number },
    );
    assert.equal(refusal?.problemType, 'rateLimited');
    assert.equal(refusal.status, 429);
    assert.ok((refusal.retryAfterSeconds ?? 0) > 0);
    assert.equal((await client.getOrder(url)).status, 'ready');
  });
});
