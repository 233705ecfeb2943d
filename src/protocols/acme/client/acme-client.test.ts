import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import { after, before, beforeEach, describe, test } from 'node:test';
import { flattenedVerify } from 'jose';
import { ManualClock } from '../../../core/clock.js';
import { isPkiError } from '../../../core/pki-error.js';
import { encodePem } from '../../../pki/pem.js';
import { makeTestCertificate } from '../../../../test/helpers/pki-fixtures.js';
import { ariCertId } from '../wire/ari-cert-id.js';
import { decodeJwsRequest } from '../wire/jws-request.js';
import { AcmeClient, MAX_ARI_RETRY_AFTER_SECONDS, MIN_ARI_RETRY_AFTER_SECONDS } from './acme-client.js';
import { AcmeClientError, isAcmeClientError } from './acme-client-error.js';
import type { FlattenedJws } from './jws-signer.js';

/** A request as the fake server saw it, with its JWS opened (not verified). */
interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly protectedHeader?: Record<string, unknown>;
  readonly payload?: unknown;
}

interface FakeAnswer {
  readonly status: number;
  readonly headers?: Record<string, string | string[]>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
}

type Route = (request: SeenRequest) => FakeAnswer;

const PROBLEM = { 'Content-Type': 'application/problem+json' };
const JSON_TYPE = { 'Content-Type': 'application/json' };

const tlsCa = makeTestCertificate({ subject: 'Fake ACME CA', ca: true });
const tlsLeaf = makeTestCertificate({
  subject: 'localhost',
  issuer: tlsCa,
  altNames: [{ type: 'ip', value: '127.0.0.1' }],
});

/**
 * A scripted ACME server on loopback HTTPS: each test installs the routes it needs; every HEAD and POST answer
 * carries a counting Replay-Nonce, as RFC 8555 §6.5 asks.
 */
describe('AcmeClient against a scripted server', () => {
  let server: Server;
  let base: string;
  let routes: Map<string, Route>;
  let seen: SeenRequest[];
  let nonceCounter: number;

  before(async () => {
    server = createServer(
      {
        cert: encodePem('CERTIFICATE', tlsLeaf.cert.der),
        key: tlsLeaf.key.material.export({ format: 'pem', type: 'pkcs8' }),
      },
      (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const body = Buffer.concat(chunks);
          const path = request.url ?? '';
          const seenRequest: SeenRequest = {
            method: request.method ?? '',
            path,
            headers: request.headers,
            body,
            ...opened(body),
          };
          seen.push(seenRequest);
          const route = routes.get(`${request.method ?? ''} ${path}`);
          const answer = route?.(seenRequest) ?? {
            status: 404,
            headers: PROBLEM,
            body: { type: 'about:blank', detail: 'no route' },
          };
          // Nonces on HEAD and POST answers only, so a test can count them from the first HEAD newNonce.
          const nonce = request.method === 'GET' ? {} : { 'Replay-Nonce': `nonce-${++nonceCounter}` };
          response.writeHead(answer.status, { ...nonce, ...answer.headers });
          response.end(
            answer.body === undefined
              ? ''
              : typeof answer.body === 'string'
                ? answer.body
                : JSON.stringify(answer.body),
          );
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
    nonceCounter = 0;
    routes = new Map<string, Route>([
      [
        'GET /dir',
        () => ({
          status: 200,
          headers: JSON_TYPE,
          body: {
            newNonce: `${base}/new-nonce`,
            newAccount: `${base}/new-account`,
            newOrder: `${base}/new-order`,
            revokeCert: `${base}/revoke-cert`,
            keyChange: `${base}/key-change`,
            renewalInfo: `${base}/renewal-info/`,
          },
        }),
      ],
      ['HEAD /new-nonce', () => ({ status: 200, headers: { 'Cache-Control': 'no-store' } })],
      [
        'POST /new-account',
        () => ({
          status: 201,
          headers: { ...JSON_TYPE, Location: `${base}/acct/1` },
          body: { status: 'valid' },
        }),
      ],
    ]);
  });

  const clients: AcmeClient[] = [];
  after(() => clients.forEach((client) => client.close()));

  function client(
    options: { accountKey?: KeyObject; sleep?: (ms: number) => Promise<void>; accountUrl?: string } = {},
  ) {
    const made = new AcmeClient({
      directoryUrl: `${base}/dir`,
      accountKey: options.accountKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      ca: encodePem('CERTIFICATE', tlsCa.cert.der),
      clock: new ManualClock('2025-06-01T12:00:00Z'),
      pollIntervalMs: 1,
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      ...(options.accountUrl === undefined ? {} : { accountUrl: options.accountUrl }),
    });
    clients.push(made);
    return made;
  }

  const posts = (path: string) =>
    seen.filter((request) => request.method === 'POST' && request.path === path);

  test('the first nonce comes from HEAD newNonce, later ones from the previous answers', async () => {
    const acme = client();
    const { url, created } = await acme.newAccount({ termsOfServiceAgreed: true });
    assert.equal(url, `${base}/acct/1`);
    assert.equal(created, true);
    routes.set('POST /acct/1', () => ({ status: 200, headers: JSON_TYPE, body: { status: 'valid' } }));
    await acme.getAccount();
    assert.deepEqual(
      seen.map((request) => `${request.method} ${request.path}`),
      ['GET /dir', 'HEAD /new-nonce', 'POST /new-account', 'POST /acct/1'],
    );
    const [account, fetch] = [posts('/new-account')[0], posts('/acct/1')[0]];
    assert.equal(account?.headers['content-type'], 'application/jose+json');
    assert.ok(account?.headers['user-agent']);
    assert.equal(account?.protectedHeader?.['nonce'], 'nonce-1');
    assert.ok(account?.protectedHeader?.['jwk'] && !account.protectedHeader['kid']);
    assert.deepEqual(account?.payload, { termsOfServiceAgreed: true });
    assert.equal(fetch?.protectedHeader?.['nonce'], 'nonce-2');
    assert.equal(fetch?.protectedHeader?.['kid'], `${base}/acct/1`);
    assert.equal(fetch?.protectedHeader?.['url'], `${base}/acct/1`);
    assert.equal(fetch?.payload, '', 'POST-as-GET: an empty payload');
  });

  test('problem+json becomes AcmeClientError with status, type, detail, subproblems and Retry-After', async () => {
    const acme = client({ accountUrl: `${base}/acct/1` });
    routes.set('POST /new-order', () => ({
      status: 400,
      headers: PROBLEM,
      body: {
        type: 'urn:ietf:params:acme:error:rejectedIdentifier',
        detail: 'one name is not allowed',
        subproblems: [
          {
            type: 'urn:ietf:params:acme:error:rejectedIdentifier',
            detail: 'not ours',
            identifier: { type: 'dns', value: 'bad.example' },
          },
        ],
      },
    }));
    const error = await acme.newOrder({ identifiers: [{ type: 'dns', value: 'bad.example' }] }).then(
      () => assert.fail('accepted'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof AcmeClientError);
    assert.equal(error.status, 400);
    assert.equal(error.type, 'urn:ietf:params:acme:error:rejectedIdentifier');
    assert.equal(error.problemType, 'rejectedIdentifier');
    assert.equal(error.detail, 'one name is not allowed');
    assert.deepEqual(error.subproblems, [
      {
        type: 'urn:ietf:params:acme:error:rejectedIdentifier',
        detail: 'not ours',
        identifier: { type: 'dns', value: 'bad.example' },
      },
    ]);

    routes.set('POST /new-order', () => ({
      status: 429,
      headers: { ...PROBLEM, 'Retry-After': 'Sun, 01 Jun 2025 12:00:30 GMT' },
      body: { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'slow down' },
    }));
    await assert.rejects(
      () => acme.newOrder({ identifiers: [{ type: 'dns', value: 'a.example' }] }),
      (caught: unknown) =>
        isAcmeClientError(caught, 'rateLimited') &&
        caught.retryAfterSeconds === 30 &&
        isPkiError(caught, 'RATE_LIMITED'),
    );

    routes.set('POST /new-order', () => ({
      status: 502,
      headers: { 'Content-Type': 'text/html' },
      body: '<h1>Bad gateway</h1>',
    }));
    await assert.rejects(
      () => acme.newOrder({ identifiers: [{ type: 'dns', value: 'a.example' }] }),
      (caught: unknown) =>
        isAcmeClientError(caught) &&
        caught.status === 502 &&
        caught.type === 'about:blank' &&
        caught.detail === '<h1>Bad gateway</h1>' &&
        caught.problemType === undefined,
    );
  });

  test('badNonce is retried exactly once, with the nonce the refusal carried', async () => {
    const acme = client({ accountUrl: `${base}/acct/1` });
    const badNonce = {
      status: 400,
      headers: PROBLEM,
      body: { type: 'urn:ietf:params:acme:error:badNonce', detail: 'stale' },
    };
    let calls = 0;
    routes.set('POST /acct/1', () =>
      ++calls === 1 ? badNonce : { status: 200, headers: JSON_TYPE, body: { status: 'valid' } },
    );
    assert.equal((await acme.getAccount()).status, 'valid');
    const [first, second] = posts('/acct/1');
    assert.equal(first?.protectedHeader?.['nonce'], 'nonce-1');
    assert.equal(second?.protectedHeader?.['nonce'], 'nonce-2');

    calls = 0;
    routes.set('POST /acct/1', () => (++calls, badNonce));
    await assert.rejects(
      () => acme.getAccount(),
      (caught: unknown) => isAcmeClientError(caught, 'badNonce'),
    );
    assert.equal(calls, 2);
  });

  test('newOrder sends RFC 3339 times, replaces and profile, and returns the Location', async () => {
    const acme = client({ accountUrl: `${base}/acct/1` });
    const order = {
      status: 'pending',
      identifiers: [{ type: 'dns', value: 'a.example' }],
      authorizations: [`${base}/authz/1`],
      finalize: `${base}/order/1/finalize`,
      replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
    };
    routes.set('POST /new-order', () => ({
      status: 201,
      headers: { ...JSON_TYPE, Location: '/order/1' },
      body: order,
    }));
    const created = await acme.newOrder({
      identifiers: [{ type: 'dns', value: 'a.example' }],
      notBefore: new Date('2025-06-01T00:00:00Z'),
      notAfter: new Date('2025-06-08T00:00:00Z'),
      replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
      profile: 'ldevid',
    });
    assert.equal(created.url, `${base}/order/1`);
    assert.deepEqual(created.order, order);
    assert.deepEqual(posts('/new-order')[0]?.payload, {
      identifiers: [{ type: 'dns', value: 'a.example' }],
      notBefore: '2025-06-01T00:00:00.000Z',
      notAfter: '2025-06-08T00:00:00.000Z',
      replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
      profile: 'ldevid',
    });

    routes.set('POST /new-order', () => ({
      status: 201,
      headers: JSON_TYPE,
      body: { ...order, status: 'sleeping' },
    }));
    await assert.rejects(
      () => acme.newOrder({ identifiers: [{ type: 'dns', value: 'a.example' }] }),
      (caught: unknown) => isPkiError(caught, 'MALFORMED_INPUT'),
    );
  });

  test('waitForOrder sleeps as Retry-After says, and an invalid order is an error carrying its problem', async () => {
    const slept: number[] = [];
    const acme = client({ accountUrl: `${base}/acct/1`, sleep: (ms) => (slept.push(ms), Promise.resolve()) });
    const order = (status: string, extra: Record<string, unknown> = {}) => ({
      status,
      identifiers: [{ type: 'dns', value: 'a.example' }],
      authorizations: [],
      finalize: `${base}/order/1/finalize`,
      ...extra,
    });
    const answers = [
      { status: 200, headers: { ...JSON_TYPE, 'Retry-After': '3' }, body: order('processing') },
      { status: 200, headers: JSON_TYPE, body: order('processing') },
      { status: 200, headers: JSON_TYPE, body: order('valid', { certificate: `${base}/cert/1` }) },
    ];
    routes.set('POST /order/1', () => answers.shift() ?? assert.fail('polled too often'));
    const valid = await acme.waitForOrder(`${base}/order/1`, ['valid'], { timeoutMs: 60_000 });
    assert.equal(valid.certificate, `${base}/cert/1`);
    assert.deepEqual(slept, [3000, 1]);

    routes.set('POST /order/1', () => ({
      status: 200,
      headers: JSON_TYPE,
      body: order('invalid', {
        error: { type: 'urn:ietf:params:acme:error:badCSR', detail: 'key reused', status: 400 },
      }),
    }));
    await assert.rejects(
      () => acme.waitForOrder(`${base}/order/1`, ['ready'], { timeoutMs: 60_000 }),
      (caught: unknown) => isAcmeClientError(caught, 'badCSR') && caught.status === 400,
    );

    routes.set('POST /order/1', () => ({ status: 200, headers: JSON_TYPE, body: order('valid') }));
    await assert.rejects(
      () => acme.waitForOrder(`${base}/order/1`, ['ready'], { timeoutMs: 60_000 }),
      (caught: unknown) => isPkiError(caught, 'CONFLICT'),
    );
  });

  test('waitForAuthorization gives up at its timeout', async () => {
    const acme = client({ accountUrl: `${base}/acct/1` });
    routes.set('POST /authz/1', () => ({
      status: 200,
      headers: JSON_TYPE,
      body: { status: 'pending', identifier: { type: 'dns', value: 'a.example' }, challenges: [] },
    }));
    await acme.directory();
    await assert.rejects(
      () => acme.waitForAuthorization(`${base}/authz/1`, { timeoutMs: 100 }),
      (caught: unknown) => isPkiError(caught, 'UNAVAILABLE'),
    );
    assert.ok(posts('/authz/1').length >= 1);
  });

  test('renewalInfo: unauthenticated GET of <renewalInfo>/<certID>, window and clamped Retry-After', async () => {
    const acme = client();
    const issuer = makeTestCertificate({ subject: 'ARI CA', ca: true });
    const leaf = makeTestCertificate({ subject: 'device-1', issuer });
    const path = `/renewal-info/${ariCertId(leaf.cert.der)}`;
    const window = { start: '2025-07-01T00:00:00Z', end: '2025-07-03T00:00:00Z' };
    let retryAfter: string | undefined = '21600';
    let body: unknown = { suggestedWindow: window, explanationURL: 'https://acme.example/docs/ari' };
    routes.set(`GET ${path}`, () => ({
      status: 200,
      headers: { ...JSON_TYPE, ...(retryAfter === undefined ? {} : { 'Retry-After': retryAfter }) },
      body,
    }));

    const info = await acme.renewalInfo(leaf.cert.der);
    assert.deepEqual(info, {
      suggestedWindow: { start: new Date(window.start), end: new Date(window.end) },
      explanationURL: 'https://acme.example/docs/ari',
      retryAfterSeconds: 21600,
    });
    const request = seen.find((candidate) => candidate.path === path);
    assert.equal(request?.method, 'GET');
    assert.equal(request?.body.length, 0);
    assert.ok(!seen.some((candidate) => candidate.method === 'HEAD'), 'no nonce is needed');

    retryAfter = '5';
    assert.equal((await acme.renewalInfo(leaf.cert.der)).retryAfterSeconds, MIN_ARI_RETRY_AFTER_SECONDS);
    retryAfter = '9999999';
    assert.equal((await acme.renewalInfo(leaf.cert.der)).retryAfterSeconds, MAX_ARI_RETRY_AFTER_SECONDS);

    // RFC 9773 §4.3.3: no Retry-After, or a window that ends before it starts, is a long-term error.
    retryAfter = undefined;
    await assert.rejects(
      () => acme.renewalInfo(leaf.cert.der),
      (caught: unknown) => isPkiError(caught, 'MALFORMED_INPUT'),
    );
    retryAfter = '60';
    body = { suggestedWindow: { start: window.end, end: window.start } };
    await assert.rejects(
      () => acme.renewalInfo(leaf.cert.der),
      (caught: unknown) => isPkiError(caught, 'MALFORMED_INPUT'),
    );
    body = { suggestedWindow: { start: 'tomorrow', end: window.end } };
    await assert.rejects(
      () => acme.renewalInfo(leaf.cert.der),
      (caught: unknown) => isPkiError(caught, 'MALFORMED_INPUT'),
    );

    await assert.rejects(
      () => acme.renewalInfo(issuer.cert.der),
      (caught: unknown) => isAcmeClientError(caught) && caught.status === 404,
    );
  });

  test('key change: outer JWS by the old key (kid), inner by the new key (jwk, no nonce) over {account, oldKey}', async () => {
    const oldKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const newKey = generateKeyPairSync('ed25519');
    const acme = client({ accountKey: oldKey.privateKey, accountUrl: `${base}/acct/1` });
    routes.set('POST /key-change', () => ({ status: 200, headers: JSON_TYPE, body: { status: 'valid' } }));
    routes.set('POST /acct/1', () => ({ status: 200, headers: JSON_TYPE, body: { status: 'valid' } }));
    await acme.changeKey(newKey.privateKey);

    const outer = posts('/key-change')[0];
    assert.ok(outer);
    const outerRequest = decodeJwsRequest(outer.body, { url: `${base}/key-change` });
    assert.equal(outerRequest.keyRef, 'kid');
    const outerPayload =
      outerRequest.keyRef === 'kid' ? await outerRequest.verify(oldKey.publicKey) : assert.fail();
    // The inner JWS has no nonce (RFC 8555 §7.3.5), which the request decoder rightly refuses, so jose checks it.
    const innerJws = JSON.parse(Buffer.from(outerPayload.payload).toString()) as FlattenedJws;
    const inner = await flattenedVerify(innerJws, newKey.publicKey);
    assert.deepEqual(inner.protectedHeader, {
      alg: 'EdDSA',
      jwk: newKey.publicKey.export({ format: 'jwk' }),
      url: `${base}/key-change`,
    });
    assert.deepEqual(JSON.parse(Buffer.from(inner.payload).toString()), {
      account: `${base}/acct/1`,
      oldKey: oldKey.publicKey.export({ format: 'jwk' }),
    });

    await acme.getAccount();
    const after = posts('/acct/1')[0];
    assert.ok(after);
    const afterRequest = decodeJwsRequest(after.body, { url: `${base}/acct/1` });
    assert.ok(afterRequest.keyRef === 'kid');
    await afterRequest.verify(newKey.publicKey);
  });

  test('revocation: kid by default, jwk of the certificate key when given; PEM input accepted', async () => {
    const acme = client({ accountUrl: `${base}/acct/1` });
    routes.set('POST /revoke-cert', () => ({ status: 200 }));
    const leaf = makeTestCertificate({ subject: 'device-2' });
    await acme.revokeCertificate(leaf.cert.der, { reason: 1 });
    await acme.revokeCertificate(encodePem('CERTIFICATE', leaf.cert.der), { key: leaf.key.material });
    const [byAccount, byKey] = posts('/revoke-cert');
    assert.equal(byAccount?.protectedHeader?.['kid'], `${base}/acct/1`);
    assert.deepEqual(byAccount?.payload, {
      certificate: Buffer.from(leaf.cert.der).toString('base64url'),
      reason: 1,
    });
    assert.ok(byKey);
    const request = decodeJwsRequest(byKey.body, { url: `${base}/revoke-cert` });
    assert.ok(request.keyRef === 'jwk');
    await request.verify();
    const { kty, crv, x, y } = leaf.key.material.export({ format: 'jwk' });
    assert.deepEqual(request.header.jwk, { kty, crv, x, y });
  });

  test('downloadCertificate asks for a PEM chain and refuses another media type', async () => {
    const acme = client({ accountUrl: `${base}/acct/1` });
    const pem = encodePem('CERTIFICATE', tlsLeaf.cert.der) + encodePem('CERTIFICATE', tlsCa.cert.der);
    let contentType = 'application/pem-certificate-chain; charset=utf-8';
    routes.set('POST /cert/1', () => ({ status: 200, headers: { 'Content-Type': contentType }, body: pem }));
    assert.equal(await acme.downloadCertificate(`${base}/cert/1`), pem);
    assert.equal(posts('/cert/1')[0]?.headers['accept'], 'application/pem-certificate-chain');
    contentType = 'application/pkix-cert';
    await assert.rejects(
      () => acme.downloadCertificate(`${base}/cert/1`),
      (caught: unknown) => isPkiError(caught, 'MALFORMED_INPUT'),
    );
  });

  test('a server that does not answer is UNAVAILABLE; plain http is refused', async () => {
    const unreachable = new AcmeClient({
      directoryUrl: 'https://127.0.0.1:1/dir',
      accountKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    });
    await assert.rejects(
      () => unreachable.directory(),
      (caught: unknown) => isPkiError(caught, 'UNAVAILABLE'),
    );
    unreachable.close();
    const plain = new AcmeClient({
      directoryUrl: 'http://127.0.0.1:1/dir',
      accountKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    });
    await assert.rejects(
      () => plain.directory(),
      (caught: unknown) => isPkiError(caught, 'CONFIG_INVALID'),
    );
    plain.close();
  });
});

function opened(body: Buffer): { protectedHeader?: Record<string, unknown>; payload?: unknown } {
  if (body.length === 0) return {};
  try {
    const jws = JSON.parse(body.toString()) as { protected: string; payload: string };
    const payloadText = Buffer.from(jws.payload, 'base64url').toString();
    return {
      protectedHeader: JSON.parse(Buffer.from(jws.protected, 'base64url').toString()) as Record<
        string,
        unknown
      >,
      payload: payloadText === '' ? '' : (JSON.parse(payloadText) as unknown),
    };
  } catch {
    return {};
  }
}
