import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { AcmeClient } from '../../src/protocols/acme/client/acme-client.js';
import { PROBLEM_JSON } from '../../src/protocols/acme/client/acme-http-response.js';
import { AcmeHttpTransport } from '../../src/protocols/acme/client/acme-http-transport.js';
import { acmePayloadBytes, AcmeJwsSigner } from '../../src/protocols/acme/client/jws-signer.js';
import { ACME_ERROR_NAMESPACE } from '../../src/protocols/acme/wire/acme-problem.js';
import { type AcmeTestServer, startAcmeTestServer } from '../helpers/acme-test-server.js';

// Mutated JWS bodies over real HTTPS to newOrder and newAccount (test/helpers/fuzz.ts's mutations, at the HTTP
// edge): whatever arrives, the server answers within the transport's timeout, never with a 5xx, every refusal as
// an ACME problem document with a Replay-Nonce; and it creates an order or account only from a body whose
// signature still verifies under the key that made it, checked here with node:crypto rather than the server's
// JOSE library.

type Target = 'new-order' | 'new-account';

/** A valid request as sent, with what it takes to sign a variant of it. */
interface ValidRequest {
  readonly url: string;
  readonly key: KeyObject;
  readonly header: Record<string, unknown>;
  readonly payload: unknown;
  readonly body: string;
}

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly xor: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'header'; readonly member: string; readonly value: unknown; readonly resign: boolean }
  | { readonly kind: 'payload'; readonly value: unknown; readonly resign: boolean }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

const utf8 = new TextEncoder();
let server: AcmeTestServer;
let transport: AcmeHttpTransport;
let client: AcmeClient;
let accountId: string;

before(async () => {
  // Limits high enough that a re-signed variant the server accepts never turns later runs into 429s.
  server = await startAcmeTestServer({
    acme: { rateLimits: { ordersPerAccount: { perMinute: 60_000, burst: 10_000 } } },
  });
  transport = new AcmeHttpTransport({ ca: server.rootPem, timeoutMs: 10_000 });
  client = new AcmeClient({ directoryUrl: server.directoryUrl, accountKey: p256(), transport });
  const { url } = await client.newAccount({ termsOfServiceAgreed: true });
  accountId = new URL(url).pathname.split('/').at(-1) ?? '';
});

after(async () => {
  client.close();
  transport.close();
  await server.close();
});

function p256(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

async function validRequest(target: Target): Promise<ValidRequest> {
  const directory = await client.directory();
  const nonce = await client.nonces.take();
  if (target === 'new-order') {
    const signer = new AcmeJwsSigner(client.accountKey);
    const header = signer.protectedHeader('kid', directory.newOrder, nonce, client.accountUrl);
    const payload = { identifiers: [{ type: 'dns', value: 'fuzz.fleet.test' }] };
    const body = JSON.stringify(signer.sign(header, acmePayloadBytes(payload)));
    return { url: directory.newOrder, key: client.accountKey, header, payload, body };
  }
  const key = p256();
  const signer = new AcmeJwsSigner(key);
  const header = signer.protectedHeader('jwk', directory.newAccount, nonce);
  const payload = { termsOfServiceAgreed: true };
  return {
    url: directory.newAccount,
    key,
    header,
    payload,
    body: JSON.stringify(signer.sign(header, acmePayloadBytes(payload))),
  };
}

function mutate(request: ValidRequest, mutation: Mutation): Uint8Array {
  const valid = utf8.encode(request.body);
  switch (mutation.kind) {
    case 'flip': {
      const copy = new Uint8Array(valid);
      const at = mutation.at % copy.length;
      copy[at] = (copy[at] ?? 0) ^ mutation.xor;
      return copy;
    }
    case 'truncate':
      return valid.subarray(0, mutation.at % valid.length);
    case 'bytes':
      return mutation.bytes;
    case 'header':
    case 'payload': {
      const jws = JSON.parse(request.body) as Record<string, string>;
      const header =
        mutation.kind === 'header'
          ? { ...request.header, [mutation.member]: mutation.value }
          : request.header;
      const payload = acmePayloadBytes(mutation.kind === 'payload' ? mutation.value : request.payload);
      if (mutation.resign)
        return utf8.encode(JSON.stringify(new AcmeJwsSigner(request.key).sign(header, payload)));
      return utf8.encode(
        JSON.stringify({
          ...jws,
          ...(mutation.kind === 'header'
            ? { protected: Buffer.from(JSON.stringify(header)).toString('base64url') }
            : { payload: Buffer.from(payload).toString('base64url') }),
        }),
      );
    }
  }
}

/** Whether `body` is a flattened JWS whose ES256 signature verifies under `key` (the `alg` it names aside). */
function signatureVerifies(body: Uint8Array, key: KeyObject): boolean {
  let jws: unknown;
  try {
    jws = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return false;
  }
  const { protected: protectedB64, payload, signature } = (jws ?? {}) as Record<string, unknown>;
  if (typeof protectedB64 !== 'string' || typeof payload !== 'string' || typeof signature !== 'string')
    return false;
  return verify(
    'sha256',
    Buffer.from(`${protectedB64}.${payload}`, 'ascii'),
    { key: createPublicKey(key), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
}

async function orderCount(): Promise<number> {
  return (await server.est.server.runtime.store.acmeOrders.listByAccount(accountId, { limit: 10_000 }))
    .length;
}

async function hasAccount(key: KeyObject): Promise<boolean> {
  const thumbprint = await new AcmeJwsSigner(key).thumbprint();
  return (await server.est.server.runtime.store.acmeAccounts.findByThumbprint(thumbprint)) !== undefined;
}

const member = fc.oneof(
  fc.constantFrom('alg', 'nonce', 'url', 'jwk', 'kid', 'crit', 'b64', 'typ', 'x5c'),
  fc.string({ maxLength: 8 }),
);
// An undefined value deletes the member (JSON.stringify leaves it out).
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      xor: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('header' as const),
      member,
      value: fc.option(
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('ES256', 'none', 'HS256', '')),
        { nil: undefined },
      ),
      resign: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('payload' as const),
      value: fc.jsonValue({ maxDepth: 3 }),
      resign: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 600 }) }),
  },
);

test('mutated newOrder and newAccount requests get a problem document, never a 5xx, and create nothing unsigned', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<Target>('new-order', 'new-account'),
      mutation,
      async (target, change) => {
        const request = await validRequest(target);
        const body = mutate(request, change);
        const ordersBefore = target === 'new-order' ? await orderCount() : 0;
        const response = await transport.send({ method: 'POST', url: request.url, body });
        client.nonces.add(response.replayNonce);

        assert.ok(
          response.status < 500,
          `HTTP ${response.status}: ${Buffer.from(response.body).toString('utf8')}`,
        );
        assert.ok(response.replayNonce, 'every answer carries a Replay-Nonce');
        const signed = signatureVerifies(body, request.key);
        if (response.status >= 400) {
          assert.equal(response.contentType, PROBLEM_JSON);
          const problem = JSON.parse(Buffer.from(response.body).toString('utf8')) as { type?: unknown };
          assert.ok(
            String(problem.type).startsWith(ACME_ERROR_NAMESPACE),
            `problem type ${String(problem.type)}`,
          );
        } else {
          assert.ok(signed, `HTTP ${response.status} for a body whose signature does not verify`);
        }
        const created =
          target === 'new-order'
            ? (await orderCount()) - ordersBefore
            : Number(await hasAccount(request.key));
        assert.equal(
          created,
          response.status === 201 ? 1 : 0,
          'something is created exactly when the answer is 201',
        );
      },
    ),
    // A couple of hundred runs keep the file within seconds; ACME_HTTP_FUZZ_RUNS=5000 for a longer search.
    { numRuns: Number(process.env['ACME_HTTP_FUZZ_RUNS'] ?? 200) },
  );
});
