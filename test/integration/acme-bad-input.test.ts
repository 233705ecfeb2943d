import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { generateKeyPair, type PrivateKey } from '../../src/pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../../src/pki/algorithms/signature-algorithm.js';
import { buildCsr } from '../../src/pki/csr.js';
import { parseDistinguishedName } from '../../src/pki/name.js';
import { readPemAll } from '../../src/pki/pem.js';
import { AcmeClient } from '../../src/protocols/acme/client/acme-client.js';
import { AcmeClientError } from '../../src/protocols/acme/client/acme-client-error.js';
import { type AcmeHttpResponse, PROBLEM_JSON } from '../../src/protocols/acme/client/acme-http-response.js';
import {
  type AcmeHttpRequest,
  AcmeHttpTransport,
} from '../../src/protocols/acme/client/acme-http-transport.js';
import type { AcmeOrder } from '../../src/protocols/acme/client/acme-resources.js';
import {
  acmePayloadBytes,
  AcmeJwsSigner,
  type FlattenedJws,
} from '../../src/protocols/acme/client/jws-signer.js';
import { ACME_ERROR_NAMESPACE, type AcmeProblemType } from '../../src/protocols/acme/wire/acme-problem.js';
import { formatAriCertId } from '../../src/protocols/acme/wire/ari-cert-id.js';
import { encodeBase64url } from '../../src/protocols/acme/wire/base64url.js';
import { jwkThumbprint } from '../../src/protocols/acme/wire/jwk-thumbprint.js';
import type { Runtime } from '../../src/server/runtime.js';
import { type AcmeTestServer, startAcmeTestServer } from '../helpers/acme-test-server.js';
import { type EstTestServer, startEstServer } from '../helpers/est-server.js';
import { makeTestCertificate } from '../helpers/pki-fixtures.js';
import { rawHttps, type RawHttpResponse } from '../helpers/raw-https.js';

// RFC 8555 §6 and §7 refusals over real HTTPS: each answer's exact status, problem type, media type and fresh
// Replay-Nonce, and that the refused request changed nothing (no account, order or certificate, no state move).

const NONCE = /^[A-Za-z0-9_-]{16,}$/;
const WAIT = { timeoutMs: 10_000 };

/** Keeps the last answer, so a test can read the headers of a refusal the client turned into an error. */
class RecordingTransport extends AcmeHttpTransport {
  last: AcmeHttpResponse | undefined;

  override async send(call: AcmeHttpRequest): Promise<AcmeHttpResponse> {
    const response = await super.send(call);
    this.last = response;
    return response;
  }
}

/** One ACME server seen through one recording transport. */
class Acme {
  readonly transport: RecordingTransport;
  private readonly clients: AcmeClient[] = [];

  constructor(
    readonly directoryUrl: string,
    readonly runtime: Runtime,
    rootPem: string,
  ) {
    this.transport = new RecordingTransport({ ca: rootPem, timeoutMs: 15_000 });
  }

  client(accountKey: KeyObject = p256()): AcmeClient {
    const client = new AcmeClient({
      directoryUrl: this.directoryUrl,
      accountKey,
      transport: this.transport,
      pollIntervalMs: 50,
    });
    this.clients.push(client);
    return client;
  }

  async account(accountKey?: KeyObject): Promise<{ client: AcmeClient; id: string }> {
    const client = this.client(accountKey);
    const { url } = await client.newAccount({ termsOfServiceAgreed: true });
    return { client, id: lastSegment(url) };
  }

  /**
   * Requires `attempt` to be refused with exactly `status` and `type`, as `application/problem+json` whose body
   * says the same, with a Replay-Nonce; returns the refusal.
   */
  async refused(attempt: Promise<unknown>, status: number, type: AcmeProblemType): Promise<AcmeClientError> {
    const error = await attempt.then(
      () => assert.fail(`expected ${status} ${type}, but the request succeeded`),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof AcmeClientError, `expected an ACME problem, got ${String(error)}`);
    const response = this.transport.last;
    assert.ok(response);
    assert.equal(
      `${response.status} ${error.type}`,
      `${status} ${ACME_ERROR_NAMESPACE}${type}`,
      error.detail,
    );
    assert.equal(response.contentType, PROBLEM_JSON);
    assert.match(response.replayNonce ?? '', NONCE, 'the refusal carries a fresh Replay-Nonce');
    const document = JSON.parse(Buffer.from(response.body).toString('utf8')) as { status?: unknown };
    assert.equal(document.status, status);
    return error;
  }

  async orderCount(accountId: string): Promise<number> {
    return (await this.runtime.store.acmeOrders.listByAccount(accountId, { limit: 1000 })).length;
  }

  async certificateCount(): Promise<number> {
    return this.runtime.store.certificates.count({});
  }

  async hasAccount(key: KeyObject): Promise<boolean> {
    const signer = new AcmeJwsSigner(key);
    return (await this.runtime.store.acmeAccounts.findByThumbprint(await signer.thumbprint())) !== undefined;
  }

  close(): void {
    for (const client of this.clients) client.close();
    this.transport.close();
  }
}

function p256(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function lastSegment(url: string): string {
  return new URL(url).pathname.split('/').at(-1) ?? '';
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/** A JWS by `key` over `payload` with the protected header the client would build, edited by `edit`. */
async function signedJws(
  client: AcmeClient,
  url: string,
  payload: unknown,
  options: { key?: KeyObject; keyRef?: 'kid' | 'jwk'; edit?: (header: Record<string, unknown>) => void } = {},
): Promise<FlattenedJws> {
  const signer = new AcmeJwsSigner(options.key ?? client.accountKey);
  const header = signer.protectedHeader(
    options.keyRef ?? 'kid',
    url,
    await client.nonces.take(),
    client.accountUrl,
  );
  options.edit?.(header);
  return signer.sign(header, acmePayloadBytes(payload));
}

function dnsCsr(names: readonly string[], key: PrivateKey = generateKeyPair('ec-p256')): Uint8Array {
  return buildCsr(
    {
      subject: parseDistinguishedName(`CN=${names[0] ?? 'none'}`),
      altNames: names.map((value) => ({ type: 'dns' as const, value })),
    },
    key,
  );
}

/** A CSR for a key the server does not certify, signed as if it were `pretend` (node signs with either). */
function csrWithKey(
  names: readonly string[],
  material: KeyObject,
  pretend: 'rsa-2048' | 'ec-p384',
): Uint8Array {
  const spki = new Uint8Array(createPublicKey(material).export({ format: 'der', type: 'spki' }));
  return buildCsr(
    {
      subject: parseDistinguishedName(`CN=${names[0] ?? 'none'}`),
      altNames: names.map((value) => ({ type: 'dns' as const, value })),
    },
    { algorithm: pretend, material, spki },
    defaultSignatureAlgorithm(pretend),
  );
}

function rawProblem(response: RawHttpResponse, status: number, type: AcmeProblemType): void {
  const header = (name: string) =>
    response.headerLines
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  assert.equal(response.status, status, response.body);
  assert.equal(header('content-type')?.split(';')[0], PROBLEM_JSON);
  assert.match(header('replay-nonce') ?? '', NONCE);
  assert.equal((JSON.parse(response.body) as { type?: unknown }).type, `${ACME_ERROR_NAMESPACE}${type}`);
}

describe('ACME refuses bad input over HTTPS', () => {
  let server: AcmeTestServer;
  let eabServer: EstTestServer;
  const eabClock = new ManualClock(new Date());
  let acme: Acme;
  let eab: Acme;
  /** An account with one valid order (and its certificate) and one pending order: what others must not touch. */
  let alice: {
    client: AcmeClient;
    id: string;
    validOrderUrl: string;
    validOrder: AcmeOrder;
    certificateDer: Uint8Array;
    certificateKey: PrivateKey;
    pendingOrderUrl: string;
    pendingOrder: AcmeOrder;
  };
  /** Another account, refused whatever it asks of alice's resources. */
  let mallory: { client: AcmeClient; id: string };

  async function readyOrder(client: AcmeClient, name: string): Promise<{ url: string; order: AcmeOrder }> {
    const { url, order } = await client.newOrder({ identifiers: [{ type: 'dns', value: name }] });
    const authorization = await client.getAuthorization(order.authorizations[0] ?? '');
    const challenge = authorization.challenges.find((candidate) => candidate.type === 'http-01');
    assert.ok(challenge?.token);
    server.responder.provideHttp01(challenge.token, await client.keyAuthorization(challenge.token));
    await client.respondToChallenge(challenge.url);
    return { url, order: await client.waitForOrder(url, ['ready'], WAIT) };
  }

  before(async () => {
    [server, eabServer] = await Promise.all([
      startAcmeTestServer({
        acme: {
          policy: { dnsNames: ['*.fleet.test'] },
          rateLimits: { ordersPerAccount: { perMinute: 1, burst: 2 } },
        },
      }),
      startEstServer({ acme: { externalAccountRequired: true } }, eabClock),
    ]);
    acme = new Acme(server.directoryUrl, server.est.server.runtime, server.rootPem);
    eab = new Acme(`${eabServer.server.url}/acme/directory`, eabServer.server.runtime, eabServer.rootPem);

    const { client, id } = await acme.account();
    const ready = await readyOrder(client, 'alice.fleet.test');
    const certificateKey = generateKeyPair('ec-p256');
    const validOrder = await client.finalize(ready.order, dnsCsr(['alice.fleet.test'], certificateKey));
    assert.ok(validOrder.certificate);
    const chain = readPemAll(
      await client.downloadCertificate(validOrder.certificate),
      'CERTIFICATE',
      'chain',
    );
    const pending = await client.newOrder({ identifiers: [{ type: 'dns', value: 'alice2.fleet.test' }] });
    alice = {
      client,
      id,
      validOrderUrl: ready.url,
      validOrder,
      certificateDer: chain[0] ?? assert.fail('no leaf'),
      certificateKey,
      pendingOrderUrl: pending.url,
      pendingOrder: pending.order,
    };
    mallory = await acme.account();
  });

  after(async () => {
    acme.close();
    eab.close();
    await Promise.all([server.close(), eabServer.close()]);
  });

  describe('JWS envelopes (RFC 8555 §6.2) → 400 malformed, no account', () => {
    let client: AcmeClient;
    let newAccountUrl: string;
    let valid: FlattenedJws;
    before(async () => {
      client = acme.client();
      newAccountUrl = (await client.directory()).newAccount;
      valid = await signedJws(client, newAccountUrl, { termsOfServiceAgreed: true }, { keyRef: 'jwk' });
    });
    after(async () => {
      assert.equal(await acme.hasAccount(client.accountKey), false);
    });

    const cases: readonly [string, (jws: FlattenedJws) => unknown][] = [
      ['not JSON', () => 'this is not JSON'],
      ['a JSON array', (jws) => [jws]],
      ['a JSON string', () => 'jws'],
      [
        'the general serialization',
        (jws) => ({
          payload: jws.payload,
          signatures: [{ protected: jws.protected, signature: jws.signature }],
        }),
      ],
      ['an unprotected header', (jws) => ({ ...jws, header: { kid: 'x' } })],
      ['an unknown member', (jws) => ({ ...jws, extra: 1 })],
      ['protected missing', ({ payload, signature }) => ({ payload, signature })],
      [
        'payload missing',
        ({ protected: protectedB64, signature }) => ({ protected: protectedB64, signature }),
      ],
      ['signature missing', ({ protected: protectedB64, payload }) => ({ protected: protectedB64, payload })],
      ['protected not a string', (jws) => ({ ...jws, protected: 42 })],
      ['protected not base64url', (jws) => ({ ...jws, protected: `${jws.protected}+/` })],
      ['payload not base64url', (jws) => ({ ...jws, payload: `${jws.payload}!` })],
      ['signature not base64url', (jws) => ({ ...jws, signature: `${jws.signature}==` })],
      ['signature in non-canonical base64url', (jws) => ({ ...jws, signature: withStrayBit(jws.signature) })],
      ['a protected header that is not JSON', (jws) => ({ ...jws, protected: b64('{alg: ES256') })],
      ['a protected header that is an array', (jws) => ({ ...jws, protected: b64('["ES256"]') })],
      [
        'a protected header without alg',
        (jws) => ({ ...jws, protected: b64(JSON.stringify({ ...header(jws), alg: undefined })) }),
      ],
      [
        'a protected header without url',
        (jws) => ({ ...jws, protected: b64(JSON.stringify({ ...header(jws), url: undefined })) }),
      ],
      [
        'a protected header with crit',
        (jws) => ({ ...jws, protected: b64(JSON.stringify({ ...header(jws), crit: ['b64'] })) }),
      ],
    ];
    for (const [name, build] of cases) {
      it(name, async () => {
        const body = build(valid);
        await acme.refused(
          client.post(newAccountUrl, undefined, {
            rawBody: typeof body === 'string' ? body : JSON.stringify(body),
          }),
          400,
          'malformed',
        );
      });
    }

    it('a signature that does not verify (jwk)', async () => {
      const other = await signedJws(
        client,
        newAccountUrl,
        { termsOfServiceAgreed: false },
        { keyRef: 'jwk' },
      );
      await acme.refused(
        client.post(newAccountUrl, undefined, {
          rawBody: JSON.stringify({ ...valid, signature: other.signature }),
        }),
        400,
        'malformed',
      );
    });
  });

  describe('signature algorithms (RFC 8555 §6.2) → badSignatureAlgorithm with the list', () => {
    it('alg none on newAccount', async () => {
      const client = acme.client();
      const { newAccount } = await client.directory();
      const problem = await acme.refused(
        client.post(
          newAccount,
          { termsOfServiceAgreed: true },
          { signWith: 'jwk', mutateProtected: (h) => ({ ...h, alg: 'none' }), retryOnBadNonce: false },
        ),
        400,
        'badSignatureAlgorithm',
      );
      const algorithms = problem.algorithms ?? [];
      assert.ok(algorithms.includes('ES256'), 'the refusal lists ES256');
      assert.ok(!algorithms.includes('none'));
      assert.equal(await acme.hasAccount(client.accountKey), false);
    });

    it('HS256 on newOrder, signed by the account', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      const problem = await acme.refused(
        client.post(
          newOrder,
          { identifiers: [{ type: 'dns', value: 'hs.fleet.test' }] },
          { mutateProtected: (h) => ({ ...h, alg: 'HS256' }), retryOnBadNonce: false },
        ),
        400,
        'badSignatureAlgorithm',
      );
      assert.deepEqual([...(problem.algorithms ?? [])].sort(), ['ES256', 'ES384', 'EdDSA', 'RS256']);
      assert.equal(await acme.orderCount(id), 0);
    });

    it('ES384 named for a P-256 account key', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      await acme.refused(
        client.post(
          newOrder,
          { identifiers: [{ type: 'dns', value: 'alg.fleet.test' }] },
          { mutateProtected: (h) => ({ ...h, alg: 'ES384' }), retryOnBadNonce: false },
        ),
        400,
        'badSignatureAlgorithm',
      );
      assert.equal(await acme.orderCount(id), 0);
    });
  });

  describe('the url header (RFC 8555 §6.4) → 403 unauthorized', () => {
    it('names another endpoint', async () => {
      const { client, id } = await acme.account();
      const { newOrder, newAccount } = await client.directory();
      await acme.refused(
        client.post(
          newOrder,
          { identifiers: [{ type: 'dns', value: 'url.fleet.test' }] },
          { mutateProtected: (h) => ({ ...h, url: newAccount }), retryOnBadNonce: false },
        ),
        403,
        'unauthorized',
      );
      assert.equal(await acme.orderCount(id), 0);
    });

    it('names another host', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      const elsewhere = new URL(newOrder);
      elsewhere.host = 'acme.example:443';
      await acme.refused(
        client.post(
          newOrder,
          { identifiers: [{ type: 'dns', value: 'url.fleet.test' }] },
          { mutateProtected: (h) => ({ ...h, url: elsewhere.href }), retryOnBadNonce: false },
        ),
        403,
        'unauthorized',
      );
      assert.equal(await acme.orderCount(id), 0);
    });

    it('names another resource of the same account', async () => {
      const authorizationUrl = alice.pendingOrder.authorizations[0] ?? '';
      await acme.refused(
        alice.client.post(alice.pendingOrderUrl, '', {
          mutateProtected: (h) => ({ ...h, url: authorizationUrl }),
          retryOnBadNonce: false,
        }),
        403,
        'unauthorized',
      );
    });
  });

  describe('nonces (RFC 8555 §6.5) → 400 badNonce', () => {
    const order = { identifiers: [{ type: 'dns', value: 'nonce.fleet.test' }] };

    it('missing, forged or not base64url', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      const forged = randomBytes(34).toString('base64url');
      for (const edit of [
        (h: Record<string, unknown>) => ({ ...h, nonce: undefined }),
        (h: Record<string, unknown>) => ({ ...h, nonce: forged }),
        (h: Record<string, unknown>) => ({ ...h, nonce: 'not a nonce!' }),
        (h: Record<string, unknown>) => ({ ...h, nonce: 42 }),
      ]) {
        await acme.refused(
          client.post(newOrder, order, { mutateProtected: edit, retryOnBadNonce: false }),
          400,
          'badNonce',
        );
      }
      assert.equal(await acme.orderCount(id), 0);
    });

    it('replayed: the same body twice is accepted once', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      const body = JSON.stringify(await signedJws(client, newOrder, order));
      const first = await client.post(newOrder, undefined, { rawBody: body });
      assert.equal(first.status, 201);
      const problem = await acme.refused(
        client.post(newOrder, undefined, { rawBody: body }),
        400,
        'badNonce',
      );
      assert.match(problem.detail, /used/);
      assert.equal(await acme.orderCount(id), 1);
    });

    it('expired', async () => {
      const client = eab.client();
      const { newAccount } = await client.directory();
      const body = JSON.stringify(
        await signedJws(client, newAccount, { termsOfServiceAgreed: true }, { keyRef: 'jwk' }),
      );
      eabClock.advanceSeconds(3601);
      const problem = await eab.refused(
        client.post(newAccount, undefined, { rawBody: body }),
        400,
        'badNonce',
      );
      assert.match(problem.detail, /expired/);
    });
  });

  describe('key references (RFC 8555 §6.2)', () => {
    it('both jwk and kid → malformed', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      const jwk = new AcmeJwsSigner(client.accountKey).publicJwk;
      await acme.refused(
        client.post(
          newOrder,
          { identifiers: [{ type: 'dns', value: 'both.fleet.test' }] },
          { mutateProtected: (h) => ({ ...h, jwk }), retryOnBadNonce: false },
        ),
        400,
        'malformed',
      );
      assert.equal(await acme.orderCount(id), 0);
    });

    it('a kid naming no account → accountDoesNotExist', async () => {
      const client = acme.client();
      const { newOrder } = await client.directory();
      const accountUrl = alice.client.accountUrl ?? assert.fail('alice has no account URL');
      for (const kid of [
        accountUrl.replace(/[^/]+$/, randomBytes(16).toString('base64url')),
        'https://acme.example/acct/1',
      ]) {
        // The client has no account, so it signs with jwk; the header then trades the jwk for the kid.
        const asKid = (h: Record<string, unknown>) => ({ ...h, jwk: undefined, kid });
        await acme.refused(
          client.post(
            newOrder,
            { identifiers: [{ type: 'dns', value: 'kid.fleet.test' }] },
            { signWith: 'jwk', mutateProtected: asKid, retryOnBadNonce: false },
          ),
          400,
          'accountDoesNotExist',
        );
      }
    });

    it('jwk on a kid-only route, kid on newAccount → malformed', async () => {
      const { client, id } = await acme.account();
      const { newOrder, newAccount } = await client.directory();
      await acme.refused(
        client.post(
          newOrder,
          { identifiers: [{ type: 'dns', value: 'jwk.fleet.test' }] },
          { signWith: 'jwk', retryOnBadNonce: false },
        ),
        400,
        'malformed',
      );
      assert.equal(await acme.orderCount(id), 0);
      await acme.refused(
        client.post(newAccount, { termsOfServiceAgreed: true }, { signWith: 'kid', retryOnBadNonce: false }),
        400,
        'malformed',
      );
    });

    it('a signature by another key than the account key → malformed', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      const problem = await acme.refused(
        client.post(
          newOrder,
          { identifiers: [{ type: 'dns', value: 'sig.fleet.test' }] },
          { key: p256(), signWith: 'kid', retryOnBadNonce: false },
        ),
        400,
        'malformed',
      );
      assert.match(problem.detail, /signature/);
      assert.equal(await acme.orderCount(id), 0);
    });

    it("another account's kid on alice's resources → 403 unauthorized, nothing moves", async () => {
      const authorizationUrl = alice.pendingOrder.authorizations[0] ?? '';
      const authorization = await alice.client.getAuthorization(authorizationUrl);
      const challenge = authorization.challenges[0] ?? assert.fail('no challenge');
      const certificateUrl = alice.validOrder.certificate ?? '';
      const attempts: [string, unknown][] = [
        [alice.pendingOrderUrl, ''],
        [alice.validOrderUrl, ''],
        [authorizationUrl, ''],
        [authorizationUrl, { status: 'deactivated' }],
        [challenge.url, ''],
        [challenge.url, {}],
        [alice.pendingOrder.finalize, { csr: encodeBase64url(dnsCsr(['alice2.fleet.test'])) }],
        [certificateUrl, ''],
        [alice.client.accountUrl ?? '', ''],
        [alice.client.accountUrl ?? '', { status: 'deactivated' }],
        [`${alice.client.accountUrl ?? ''}/orders`, ''],
      ];
      for (const [url, payload] of attempts) {
        await acme.refused(mallory.client.post(url, payload), 403, 'unauthorized');
      }
      assert.equal((await alice.client.getAuthorization(authorizationUrl)).status, 'pending');
      assert.equal((await alice.client.getOrder(alice.pendingOrderUrl)).status, 'pending');
      assert.equal((await alice.client.getAccount()).status, 'valid');
    });
  });

  describe('HTTP framing', () => {
    it('a media type other than application/jose+json → 415', async () => {
      const { client, id } = await acme.account();
      const { newOrder } = await client.directory();
      for (const contentType of ['application/json', 'text/plain']) {
        await acme.refused(
          client.post(
            newOrder,
            { identifiers: [{ type: 'dns', value: 'ct.fleet.test' }] },
            { contentType, retryOnBadNonce: false },
          ),
          415,
          'malformed',
        );
      }
      assert.equal(await acme.orderCount(id), 0);
    });

    it('a body over acme.maxBodyBytes → 413', async () => {
      const client = acme.client();
      const { newAccount } = await client.directory();
      await acme.refused(
        client.post(newAccount, undefined, { rawBody: 'x'.repeat(65_537) }),
        413,
        'malformed',
      );
    });

    it('an empty body → 400 malformed', async () => {
      const client = acme.client();
      const { newAccount } = await client.directory();
      await acme.refused(client.post(newAccount, undefined, { rawBody: '' }), 400, 'malformed');
    });

    it('a POST without body or media type → 400 malformed', async () => {
      const { newOrder } = await acme.client().directory();
      rawProblem(await rawHttps(newOrder, { method: 'POST', ca: server.rootPem }), 400, 'malformed');
      rawProblem(
        await rawHttps(newOrder, { method: 'POST', body: '', ca: server.rootPem }),
        400,
        'malformed',
      );
    });
  });

  describe('newAccount (RFC 8555 §7.3)', () => {
    for (const [name, request, type] of [
      ['a tel: contact', { contact: ['tel:+15551234567'] }, 'unsupportedContact'],
      ['a mailto: that is no address', { contact: ['mailto:not an address'] }, 'invalidContact'],
      ['a mailto: with header fields', { contact: ['mailto:ops@fleet.test?subject=hi'] }, 'invalidContact'],
      ['contact that is not an array', { contact: 'mailto:ops@fleet.test' }, 'malformed'],
      ['onlyReturnExisting for an unknown key', { onlyReturnExisting: true }, 'accountDoesNotExist'],
      ['termsOfServiceAgreed that is not a boolean', { termsOfServiceAgreed: 'yes' }, 'malformed'],
    ] as const) {
      it(`${name} → ${type}`, async () => {
        const client = acme.client();
        const { newAccount } = await client.directory();
        await acme.refused(client.post(newAccount, request, { signWith: 'jwk' }), 400, type);
        assert.equal(await acme.hasAccount(client.accountKey), false);
      });
    }

    it('without an external account binding where one is required → 403 externalAccountRequired', async () => {
      const client = eab.client();
      const directory = await client.directory();
      assert.equal(directory.meta?.externalAccountRequired, true);
      await eab.refused(client.newAccount({ termsOfServiceAgreed: true }), 403, 'externalAccountRequired');
      assert.equal(await eab.hasAccount(client.accountKey), false);
    });

    it('with a binding by a key the server never made → 403 unauthorized', async () => {
      const client = eab.client();
      await eab.refused(
        client.newAccount({
          termsOfServiceAgreed: true,
          externalAccountBinding: { keyId: 'no-such-key', hmacKey: randomBytes(32) },
        }),
        403,
        'unauthorized',
      );
      assert.equal(await eab.hasAccount(client.accountKey), false);
    });
  });

  describe('newOrder (RFC 8555 §7.4)', () => {
    let client: AcmeClient;
    let id: string;
    before(async () => {
      ({ client, id } = await acme.account());
    });
    after(async () => {
      assert.equal(await acme.orderCount(id), 0, 'no refused newOrder left an order');
    });

    const dns = (value: string) => ({ type: 'dns', value });
    for (const [name, payload, type] of [
      ['no identifiers', { identifiers: [] }, 'malformed'],
      ['identifiers missing', {}, 'malformed'],
      ['an identifier without a value', { identifiers: [{ type: 'dns' }] }, 'malformed'],
      [
        'an email identifier',
        { identifiers: [{ type: 'email', value: 'ops@fleet.test' }] },
        'unsupportedIdentifier',
      ],
      ['a wildcard', { identifiers: [dns('*.fleet.test')] }, 'rejectedIdentifier'],
      ['a bad IP address', { identifiers: [{ type: 'ip', value: '300.1.2.3' }] }, 'malformed'],
      [
        'an unknown profile',
        { identifiers: [dns('p.fleet.test')], profile: 'no-such-profile' },
        'invalidProfile',
      ],
      [
        'notBefore',
        { identifiers: [dns('nb.fleet.test')], notBefore: new Date(Date.now() + 3_600_000).toISOString() },
        'malformed',
      ],
      [
        'notAfter in the past',
        { identifiers: [dns('na.fleet.test')], notAfter: new Date(Date.now() - 60_000).toISOString() },
        'malformed',
      ],
      [
        'notAfter beyond the profile (tls-server: 397 days at most)',
        {
          identifiers: [dns('na.fleet.test')],
          notAfter: new Date(Date.now() + 400 * 86_400_000).toISOString(),
        },
        'malformed',
      ],
      [
        'notAfter below the profile (tls-server: an hour at least)',
        { identifiers: [dns('na.fleet.test')], notAfter: new Date(Date.now() + 600_000).toISOString() },
        'malformed',
      ],
      [
        'notAfter that is no date',
        { identifiers: [dns('na.fleet.test')], notAfter: 'tomorrow' },
        'malformed',
      ],
      [
        'replaces naming no certificate',
        { identifiers: [dns('r.fleet.test')], replaces: 'AAAA.AQ' },
        'malformed',
      ],
    ] as const) {
      it(`${name} → ${type}`, async () => {
        const { newOrder } = await client.directory();
        await acme.refused(client.post(newOrder, payload), 400, type);
      });
    }

    it('a name outside acme.policy.dnsNames → rejectedIdentifier naming it', async () => {
      const problem = await acme.refused(
        client.newOrder({ identifiers: [dns('www.example.com')] }),
        400,
        'rejectedIdentifier',
      );
      assert.deepEqual(
        problem.subproblems.map((sub) => [sub.type, sub.identifier]),
        [[`${ACME_ERROR_NAMESPACE}rejectedIdentifier`, dns('www.example.com')]],
      );
    });

    it('two names outside the policy → compound, one subproblem each', async () => {
      const problem = await acme.refused(
        client.newOrder({ identifiers: [dns('ok.fleet.test'), dns('a.example.com'), dns('b.example.org')] }),
        400,
        'compound',
      );
      assert.deepEqual(
        problem.subproblems.map((sub) => sub.identifier?.value),
        ['a.example.com', 'b.example.org'],
      );
    });

    it('two unacceptable identifiers of different kinds → compound with their own types', async () => {
      const problem = await acme.refused(
        client.newOrder({ identifiers: [{ type: 'email', value: 'ops@fleet.test' }, dns('*.fleet.test')] }),
        400,
        'compound',
      );
      assert.deepEqual(
        problem.subproblems.map((sub) => sub.type),
        [`${ACME_ERROR_NAMESPACE}unsupportedIdentifier`, `${ACME_ERROR_NAMESPACE}rejectedIdentifier`],
      );
    });

    it('over acme.rateLimits.ordersPerAccount → 429 rateLimited with Retry-After', async () => {
      const busy = await acme.account();
      for (const name of ['rl1.fleet.test', 'rl2.fleet.test'])
        await busy.client.newOrder({ identifiers: [dns(name)] });
      const problem = await acme.refused(
        busy.client.newOrder({ identifiers: [dns('rl3.fleet.test')] }),
        429,
        'rateLimited',
      );
      assert.ok((problem.retryAfterSeconds ?? 0) >= 1, 'Retry-After says how long to wait');
      assert.equal(acme.transport.last?.retryAfter, String(problem.retryAfterSeconds));
      assert.equal(await acme.orderCount(busy.id), 2);
    });
  });

  describe('finalize (RFC 8555 §7.4)', () => {
    const name = 'fin.fleet.test';
    let client: AcmeClient;
    let orderUrl: string;
    let order: AcmeOrder;
    let certificatesBefore: number;
    before(async () => {
      ({ client } = await acme.account());
      ({ url: orderUrl, order } = await client.newOrder({ identifiers: [{ type: 'dns', value: name }] }));
      certificatesBefore = await acme.certificateCount();
    });

    it('before validation → 403 orderNotReady, the order still pending', async () => {
      await acme.refused(client.finalize(order, dnsCsr([name])), 403, 'orderNotReady');
      assert.equal((await client.getOrder(orderUrl)).status, 'pending');
    });

    it('refuses bad CSRs and leaves the order ready with nothing issued, then issues for a good one', async () => {
      const authorization = await client.getAuthorization(order.authorizations[0] ?? '');
      const challenge = authorization.challenges.find((candidate) => candidate.type === 'http-01');
      assert.ok(challenge?.token);
      server.responder.provideHttp01(challenge.token, await client.keyAuthorization(challenge.token));
      await client.respondToChallenge(challenge.url);
      const ready = await client.waitForOrder(orderUrl, ['ready'], WAIT);

      const badSignature = dnsCsr([name]);
      badSignature[badSignature.length - 1] = (badSignature.at(-1) ?? 0) ^ 0x01;
      const refusals: [string, unknown, AcmeProblemType][] = [
        ['names not in the order', { csr: encodeBase64url(dnsCsr(['other.fleet.test'])) }, 'badCSR'],
        ['an extra name', { csr: encodeBase64url(dnsCsr([name, 'extra.fleet.test'])) }, 'badCSR'],
        ['a bad signature', { csr: encodeBase64url(badSignature) }, 'badCSR'],
        ['bytes that are no CSR', { csr: encodeBase64url(randomBytes(64)) }, 'badCSR'],
        ['a CSR that is not base64url', { csr: 'MIIB+/==' }, 'malformed'],
        ['no csr', {}, 'malformed'],
        [
          'an RSA-1024 key',
          {
            csr: encodeBase64url(
              csrWithKey([name], generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'rsa-2048'),
            ),
          },
          'badPublicKey',
        ],
        [
          'a P-521 key',
          {
            csr: encodeBase64url(
              csrWithKey([name], generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'ec-p384'),
            ),
          },
          'badPublicKey',
        ],
      ];
      for (const [what, payload, type] of refusals) {
        const problem = await acme
          .refused(client.post(ready.finalize, payload), 400, type)
          .catch((error: unknown) => {
            throw new Error(`${what}: ${String(error)}`, { cause: error });
          });
        assert.ok(problem.detail.length > 0, what);
        assert.equal((await client.getOrder(orderUrl)).status, 'ready', `${what}: the order stays ready`);
        assert.equal(await acme.certificateCount(), certificatesBefore, `${what}: nothing issued`);
      }

      const valid = await client.finalize(ready, dnsCsr([name]));
      assert.equal(valid.status, 'valid');
      assert.ok(valid.certificate);
      assert.equal(await acme.certificateCount(), certificatesBefore + 1);
      await acme.refused(client.finalize(ready, dnsCsr([name])), 403, 'orderNotReady');
      assert.equal(await acme.certificateCount(), certificatesBefore + 1);
    });
  });

  describe('challenges (RFC 8555 §7.5, §8.3)', () => {
    it('a wrong key authorization → challenge invalid with incorrectResponse, order invalid', async () => {
      const { client } = await acme.account();
      const { url, order } = await client.newOrder({
        identifiers: [{ type: 'dns', value: 'wrong-ka.fleet.test' }],
      });
      const authorizationUrl = order.authorizations[0] ?? '';
      const authorization = await client.getAuthorization(authorizationUrl);
      const challenge = authorization.challenges.find((candidate) => candidate.type === 'http-01');
      assert.ok(challenge?.token);
      server.responder.provideHttp01(
        challenge.token,
        `${challenge.token}.${await jwkThumbprint(new AcmeJwsSigner(p256()).publicJwk)}`,
      );
      await client.respondToChallenge(challenge.url);
      const done = await client.waitForAuthorization(authorizationUrl, WAIT);
      assert.equal(done.status, 'invalid');
      const failed = done.challenges.find((candidate) => candidate.url === challenge.url);
      assert.equal(failed?.status, 'invalid');
      assert.equal(
        (failed.error as { type?: unknown } | undefined)?.type,
        `${ACME_ERROR_NAMESPACE}incorrectResponse`,
      );
      assert.equal((await client.getOrder(url)).status, 'invalid');
      // A settled challenge answers with its state; it does not validate again.
      assert.equal((await client.respondToChallenge(challenge.url)).status, 'invalid');
      await acme.refused(client.finalize(order, dnsCsr(['wrong-ka.fleet.test'])), 403, 'orderNotReady');
    });
  });

  describe('revokeCert (RFC 8555 §7.6)', () => {
    const status = async (): Promise<string | undefined> => {
      const order = await acme.runtime.store.acmeOrders.get(lastSegment(alice.validOrderUrl));
      const certificate = order?.certificate ?? assert.fail('the order has no certificate');
      return (await acme.runtime.store.certificates.get(certificate.issuerId, certificate.serial))?.status;
    };
    const revoke = async (
      client: AcmeClient,
      payload: Record<string, unknown>,
      options: { key?: KeyObject } = {},
    ) =>
      client.post(
        (await client.directory()).revokeCert,
        { certificate: encodeBase64url(alice.certificateDer), ...payload },
        options,
      );

    it('refuses certificates not ours, bad reasons and strangers, and revokes nothing', async () => {
      const foreign = makeTestCertificate({
        subject: 'alice.fleet.test',
        altNames: [{ type: 'dns', value: 'alice.fleet.test' }],
      });
      const { revokeCert } = await alice.client.directory();
      await acme.refused(
        alice.client.post(revokeCert, { certificate: encodeBase64url(foreign.cert.der) }),
        400,
        'malformed',
      );
      await acme.refused(
        alice.client.post(
          revokeCert,
          { certificate: encodeBase64url(foreign.cert.der) },
          { key: foreign.key.material },
        ),
        400,
        'malformed',
      );
      await acme.refused(alice.client.post(revokeCert, { certificate: 'not base64url!' }), 400, 'malformed');
      await acme.refused(alice.client.post(revokeCert, {}), 400, 'malformed');
      for (const reason of [7, 6, 11, -1, 'keyCompromise']) {
        await acme.refused(revoke(alice.client, { reason }), 400, 'badRevocationReason');
      }
      await acme.refused(revoke(alice.client, {}, { key: p256() }), 403, 'unauthorized');
      await acme.refused(revoke(mallory.client, {}), 403, 'unauthorized');
      assert.equal(await status(), 'issued');
    });

    it('a second revocation → alreadyRevoked, by account or by certificate key', async () => {
      await revoke(alice.client, { reason: 4 });
      assert.equal(await status(), 'revoked');
      await acme.refused(revoke(alice.client, {}), 400, 'alreadyRevoked');
      await acme.refused(
        revoke(alice.client, {}, { key: alice.certificateKey.material }),
        400,
        'alreadyRevoked',
      );
    });
  });

  describe('keyChange (RFC 8555 §7.3.5)', () => {
    let client: AcmeClient;
    let keyChangeUrl: string;
    let oldKey: KeyObject;
    before(async () => {
      ({ client } = await acme.account());
      keyChangeUrl = (await client.directory()).keyChange;
      oldKey = client.accountKey;
    });
    after(async () => {
      assert.equal(client.accountKey, oldKey);
      assert.equal((await client.getAccount()).status, 'valid', 'the account still answers to its old key');
      assert.equal(await acme.hasAccount(alice.client.accountKey), true);
    });

    /** The inner JWS by `newKey` (jwk, no nonce) over {account, oldKey}, spoiled by `spoil`. */
    const inner = (
      newKey: KeyObject,
      spoil: {
        header?: Record<string, unknown>;
        payload?: Record<string, unknown>;
        signWith?: KeyObject;
      } = {},
    ): FlattenedJws => {
      const signer = new AcmeJwsSigner(newKey);
      const header = { ...signer.protectedHeader('jwk', keyChangeUrl, undefined), ...spoil.header };
      const payload = {
        account: client.accountUrl,
        oldKey: new AcmeJwsSigner(oldKey).publicJwk,
        ...spoil.payload,
      };
      return new AcmeJwsSigner(spoil.signWith ?? newKey).sign(header, acmePayloadBytes(payload));
    };

    for (const [name, spoil, status, type] of [
      ['an inner JWS with a nonce', { header: { nonce: 'AAAA' } }, 400, 'malformed'],
      [
        'an inner JWS for another url',
        { header: { url: 'https://acme.example/acme/key-change' } },
        403,
        'unauthorized',
      ],
      [
        'an inner JWS with kid',
        { header: { jwk: undefined, kid: 'https://acme.example/acct/1' } },
        400,
        'malformed',
      ],
      ['an inner JWS with alg none', { header: { alg: 'none' } }, 400, 'badSignatureAlgorithm'],
      [
        'an oldKey that is not the account key',
        { payload: { oldKey: new AcmeJwsSigner(p256()).publicJwk } },
        400,
        'malformed',
      ],
      [
        'an account that is not the signer',
        { payload: { account: 'https://acme.example/acct/1' } },
        400,
        'malformed',
      ],
      ['an inner JWS not signed by its jwk', { signWith: p256() }, 400, 'malformed'],
    ] as const) {
      it(`${name} → ${status} ${type}`, async () => {
        await acme.refused(client.post(keyChangeUrl, inner(p256(), spoil)), status, type);
      });
    }

    it('a payload that is no JWS → malformed', async () => {
      await acme.refused(client.post(keyChangeUrl, { account: client.accountUrl }), 400, 'malformed');
      await acme.refused(client.post(keyChangeUrl, ''), 400, 'malformed');
    });

    it("a new key that is another account's → 409 with that account's Location", async () => {
      await acme.refused(client.post(keyChangeUrl, inner(alice.client.accountKey)), 409, 'malformed');
      assert.equal(acme.transport.last?.location, alice.client.accountUrl);
    });
  });

  describe('renewalInfo (RFC 9773 §4)', () => {
    const get = async (certId: string) => {
      const { renewalInfo } = await alice.client.directory();
      return acme.transport.send({ method: 'GET', url: `${renewalInfo ?? ''}/${certId}` });
    };
    const problem = (response: AcmeHttpResponse, status: number) => {
      assert.equal(response.status, status);
      assert.equal(response.contentType, PROBLEM_JSON);
      assert.match(response.replayNonce ?? '', NONCE);
      assert.equal(
        (JSON.parse(Buffer.from(response.body).toString('utf8')) as { type?: unknown }).type,
        `${ACME_ERROR_NAMESPACE}malformed`,
      );
    };

    it('a certID that does not parse → 400 malformed', async () => {
      for (const certId of ['garbage', 'a.b.c', 'AAAA.', '.AQ', 'AA==.AQ', 'AAAA.gA', 'AAAA.AAE'])
        problem(await get(certId), 400);
    });

    it('a certID of no certificate of ours → 404 malformed', async () => {
      const certId = formatAriCertId({ keyIdentifier: randomBytes(20), serial: Uint8Array.of(0x01, 0x02) });
      problem(await get(certId), 404);
    });
  });
});

/**
 * The same bytes in a second spelling: the last character of a 64-byte signature carries 4 unused bits, and
 * setting one of them is still decodable by a lenient reader.
 */
function withStrayBit(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(text.at(-1) ?? 'A');
  return `${text.slice(0, -1)}${alphabet[last ^ 1] ?? 'A'}`;
}

function header(jws: FlattenedJws): Record<string, unknown> {
  return JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
}
