import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { FlattenedSign } from 'jose';
import { type AcmeProblemType, isAcmeProblem } from './acme-problem.js';
import { JWS_ALGORITHMS, type JwsAlgorithm } from './jws-algorithm.js';
import { decodeJwsRequest, type JwsRequest } from './jws-request.js';

const URL = 'https://acme.example/acme/new-order';
const NONCE = 'oFvnlFP1wIhRlYS2jTaXbA';
const KID = 'https://acme.example/acme/acct/evOfKhNU60wg';
const PAYLOAD = '{"identifiers":[{"type":"dns","value":"device-1.example"}]}';

const b64u = (text: string | Uint8Array) => Buffer.from(text).toString('base64url');
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const keys = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  EdDSA: generateKeyPairSync('ed25519'),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
} satisfies Record<JwsAlgorithm, unknown>;
const otherP256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const jwkOf = (key: KeyObject) => key.export({ format: 'jwk' });

/** A flattened JWS signed by jose, as an ACME client would send it. */
async function signed(
  privateKey: KeyObject,
  header: Record<string, unknown>,
  payload: string = PAYLOAD,
): Promise<{ protected: string; payload: string; signature: string }> {
  const jws = await new FlattenedSign(new TextEncoder().encode(payload))
    .setProtectedHeader(header)
    .sign(privateKey);
  return {
    protected: jws.protected ?? assert.fail('no protected header'),
    payload: jws.payload,
    signature: jws.signature,
  };
}

/** A flattened JWS with a made-up signature, for headers jose would refuse to sign (the decoder refuses first). */
function unsigned(header: Record<string, unknown>, payload: string = PAYLOAD) {
  return {
    protected: b64u(JSON.stringify(header)),
    payload: b64u(payload),
    signature: b64u('not a signature'),
  };
}

const jwkHeader = (alg: string, key: KeyObject, extra: Record<string, unknown> = {}) => ({
  alg,
  nonce: NONCE,
  url: URL,
  jwk: jwkOf(key),
  ...extra,
});

/** Runs decode and (when it decodes) verify, as the ACME server will. */
async function decodeAndVerify(body: Uint8Array, accountKey: KeyObject = keys.ES256.publicKey) {
  const request: JwsRequest = decodeJwsRequest(body, { url: URL });
  return request.keyRef === 'jwk' ? request.verify() : request.verify(accountKey);
}

async function assertProblem(promise: () => Promise<unknown>, type: AcmeProblemType) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isAcmeProblem(error), `expected an AcmeProblem, got ${String(error)}`);
    assert.equal(error.type, type, `expected ${type}, got ${error.type}: ${error.detail}`);
    return true;
  });
}

for (const alg of JWS_ALGORITHMS) {
  test(`a jwk request signed with ${alg} decodes and verifies`, async () => {
    const { privateKey, publicKey } = keys[alg];
    const body = bytes(await signed(privateKey, jwkHeader(alg, publicKey)));
    const request = decodeJwsRequest(body, { url: URL });
    assert.equal(request.keyRef, 'jwk');
    assert.equal(request.header.alg, alg);
    assert.equal(request.header.nonce, NONCE);
    assert.equal(request.header.url, URL);
    if (request.keyRef !== 'jwk') return;
    assert.ok(request.publicKey.equals(publicKey));
    assert.equal(request.header.jwk.kty, jwkOf(publicKey).kty);
    assert.ok(!('d' in request.header.jwk));
    const verified = await request.verify();
    assert.equal(new TextDecoder().decode(verified.payload), PAYLOAD);
    assert.equal(verified.postAsGet, false);
  });

  test(`a kid request signed with ${alg} verifies with the account key`, async () => {
    const { privateKey, publicKey } = keys[alg];
    const body = bytes(await signed(privateKey, { alg, nonce: NONCE, url: URL, kid: KID }));
    const request = decodeJwsRequest(body, { url: URL });
    assert.equal(request.keyRef, 'kid');
    if (request.keyRef !== 'kid') return;
    assert.equal(request.header.kid, KID);
    const verified = await request.verify(publicKey);
    assert.equal(new TextDecoder().decode(verified.payload), PAYLOAD);
  });
}

test('POST-as-GET: an empty payload verifies and says so (RFC 8555 §6.3)', async () => {
  const body = bytes(
    await signed(keys.ES256.privateKey, { alg: 'ES256', nonce: NONCE, url: URL, kid: KID }, ''),
  );
  const verified = await decodeAndVerify(body);
  assert.equal(verified.payload.length, 0);
  assert.equal(verified.postAsGet, true);
});

test('a kid request signed by another key of the same type is malformed', async () => {
  const body = bytes(await signed(otherP256.privateKey, { alg: 'ES256', nonce: NONCE, url: URL, kid: KID }));
  await assertProblem(() => decodeAndVerify(body, keys.ES256.publicKey), 'malformed');
});

test('a kid request whose alg does not fit the account key is badSignatureAlgorithm', async () => {
  const body = bytes(await signed(keys.ES256.privateKey, { alg: 'ES256', nonce: NONCE, url: URL, kid: KID }));
  await assert.rejects(
    () => decodeAndVerify(body, keys.RS256.publicKey),
    (error: unknown) => isAcmeProblem(error, 'badSignatureAlgorithm') && error.algorithms !== undefined,
  );
});

test('refusals, each with its ACME error type', async (t) => {
  const es256 = keys.ES256;
  const valid = await signed(es256.privateKey, jwkHeader('ES256', es256.publicKey));
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const x25519 = generateKeyPairSync('x25519');
  const foreign = await signed(otherP256.privateKey, jwkHeader('ES256', otherP256.publicKey));
  const padded =
    valid.protected.length % 4 === 0
      ? null
      : `${valid.protected}${'='.repeat(4 - (valid.protected.length % 4))}`;
  const noNonce: Record<string, unknown> = jwkHeader('ES256', es256.publicKey);
  delete noNonce['nonce'];
  const noUrl: Record<string, unknown> = jwkHeader('ES256', es256.publicKey);
  delete noUrl['url'];
  const tamperedHeader = b64u(
    JSON.stringify(jwkHeader('ES256', es256.publicKey, { nonce: 'AAAAAAAAAAAAAAAAAAAAAA' })),
  );

  const cases: Array<{ name: string; body: Uint8Array | (() => Promise<unknown>); type: AcmeProblemType }> = [
    {
      name: 'alg none',
      body: bytes(unsigned(jwkHeader('none', es256.publicKey))),
      type: 'badSignatureAlgorithm',
    },
    {
      name: 'alg HS256',
      body: bytes(unsigned({ alg: 'HS256', nonce: NONCE, url: URL, kid: KID })),
      type: 'badSignatureAlgorithm',
    },
    {
      name: 'unknown alg',
      body: bytes(unsigned(jwkHeader('ES999', es256.publicKey))),
      type: 'badSignatureAlgorithm',
    },
    {
      name: 'ES512 (not accepted)',
      body: bytes(unsigned(jwkHeader('ES512', es256.publicKey))),
      type: 'badSignatureAlgorithm',
    },
    { name: 'no alg', body: bytes(unsigned({ nonce: NONCE, url: URL, kid: KID })), type: 'malformed' },
    {
      name: 'wrong url',
      body: bytes(unsigned({ alg: 'ES256', nonce: NONCE, url: `${URL}/`, kid: KID })),
      type: 'unauthorized',
    },
    { name: 'no url', body: bytes(unsigned(noUrl)), type: 'malformed' },
    { name: 'no nonce', body: bytes(unsigned(noNonce)), type: 'badNonce' },
    {
      name: 'nonce not base64url',
      body: bytes(unsigned({ alg: 'ES256', nonce: 'a b', url: URL, kid: KID })),
      type: 'badNonce',
    },
    {
      name: 'jwk and kid',
      body: bytes(unsigned(jwkHeader('ES256', es256.publicKey, { kid: KID }))),
      type: 'malformed',
    },
    {
      name: 'neither jwk nor kid',
      body: bytes(unsigned({ alg: 'ES256', nonce: NONCE, url: URL })),
      type: 'malformed',
    },
    {
      name: 'empty kid',
      body: bytes(unsigned({ alg: 'ES256', nonce: NONCE, url: URL, kid: '' })),
      type: 'malformed',
    },
    {
      name: 'crit header',
      body: bytes(unsigned(jwkHeader('ES256', es256.publicKey, { crit: ['b64'], b64: false }))),
      type: 'malformed',
    },
    {
      name: 'jwk with d',
      body: bytes(unsigned({ ...jwkHeader('ES256', es256.publicKey), jwk: jwkOf(es256.privateKey) })),
      type: 'badPublicKey',
    },
    { name: 'RSA 1024', body: bytes(unsigned(jwkHeader('RS256', rsa1024.publicKey))), type: 'badPublicKey' },
    {
      name: 'P-384 key with ES256',
      body: bytes(unsigned(jwkHeader('ES256', keys.ES384.publicKey))),
      type: 'badPublicKey',
    },
    {
      name: 'P-256 key with ES384',
      body: bytes(unsigned(jwkHeader('ES384', es256.publicKey))),
      type: 'badPublicKey',
    },
    {
      name: 'RSA key with ES256',
      body: bytes(unsigned(jwkHeader('ES256', keys.RS256.publicKey))),
      type: 'badPublicKey',
    },
    {
      name: 'Ed25519 key with RS256',
      body: bytes(unsigned(jwkHeader('RS256', keys.EdDSA.publicKey))),
      type: 'badPublicKey',
    },
    {
      name: 'X25519 key with EdDSA',
      body: bytes(unsigned(jwkHeader('EdDSA', x25519.publicKey))),
      type: 'badPublicKey',
    },
    {
      name: 'EC point off the curve',
      body: bytes(
        unsigned({
          ...jwkHeader('ES256', es256.publicKey),
          jwk: { ...jwkOf(es256.publicKey), y: jwkOf(otherP256.publicKey).y },
        }),
      ),
      type: 'badPublicKey',
    },
    {
      name: 'jwk not an object',
      body: bytes(unsigned({ alg: 'ES256', nonce: NONCE, url: URL, jwk: 'key' })),
      type: 'malformed',
    },
    {
      name: 'tampered payload',
      body: bytes({ ...valid, payload: b64u('{"identifiers":[]}') }),
      type: 'malformed',
    },
    {
      name: 'tampered protected header',
      body: bytes({ ...valid, protected: tamperedHeader }),
      type: 'malformed',
    },
    {
      name: 'signature from another key',
      body: bytes({ ...valid, signature: foreign.signature }),
      type: 'malformed',
    },
    { name: 'empty signature', body: bytes({ ...valid, signature: '' }), type: 'malformed' },
    { name: 'non-JSON body', body: new TextEncoder().encode('protected=abc&payload='), type: 'malformed' },
    { name: 'not UTF-8', body: new Uint8Array([0x7b, 0xff, 0x7d]), type: 'malformed' },
    { name: 'empty body', body: new Uint8Array(), type: 'malformed' },
    { name: 'JSON array', body: bytes([valid]), type: 'malformed' },
    { name: 'JSON null', body: bytes(null), type: 'malformed' },
    {
      name: 'compact serialization',
      body: new TextEncoder().encode(`"${valid.protected}.${valid.payload}.${valid.signature}"`),
      type: 'malformed',
    },
    { name: 'extra header member', body: bytes({ ...valid, header: { kid: KID } }), type: 'malformed' },
    { name: 'unknown extra member', body: bytes({ ...valid, extra: 1 }), type: 'malformed' },
    {
      name: 'general serialization',
      body: bytes({
        payload: valid.payload,
        signatures: [{ protected: valid.protected, signature: valid.signature }],
      }),
      type: 'malformed',
    },
    {
      name: 'missing signature',
      body: bytes({ protected: valid.protected, payload: valid.payload }),
      type: 'malformed',
    },
    { name: 'payload not a string', body: bytes({ ...valid, payload: 1 }), type: 'malformed' },
    {
      name: 'padded base64url',
      body: bytes({ ...valid, protected: padded ?? `${valid.protected}==` }),
      type: 'malformed',
    },
    {
      name: "base64 '+/' alphabet",
      body: bytes({ ...valid, signature: valid.signature.replace(/-/g, '+').replace(/_/g, '/') + '+/' }),
      type: 'malformed',
    },
    {
      name: 'non-canonical base64url',
      body: bytes({ ...valid, payload: `${valid.payload}A` }),
      type: 'malformed',
    },
    {
      name: 'protected header not JSON',
      body: bytes({ ...valid, protected: b64u('alg=ES256') }),
      type: 'malformed',
    },
    {
      name: 'protected header an array',
      body: bytes({ ...valid, protected: b64u('[]') }),
      type: 'malformed',
    },
    {
      name: 'oversized body',
      body: () =>
        Promise.resolve().then(() => decodeJwsRequest(bytes(valid), { url: URL }, { maxBytes: 100 })),
      type: 'malformed',
    },
  ];
  for (const { name, body, type } of cases) {
    await t.test(name, () =>
      assertProblem(typeof body === 'function' ? body : () => decodeAndVerify(body), type),
    );
  }
});

test('badSignatureAlgorithm lists the accepted algorithms (RFC 8555 §6.2)', () => {
  assert.throws(
    () => decodeJwsRequest(bytes(unsigned({ alg: 'none', nonce: NONCE, url: URL, kid: KID })), { url: URL }),
    (error: unknown) => {
      assert.ok(isAcmeProblem(error, 'badSignatureAlgorithm'));
      assert.deepEqual(error.algorithms, ['ES256', 'ES384', 'EdDSA', 'RS256']);
      assert.equal(error.typeUrn, 'urn:ietf:params:acme:error:badSignatureAlgorithm');
      return true;
    },
  );
});

test('the size cap counts bytes and admits a body exactly at the limit', async () => {
  const body = bytes(await signed(keys.ES256.privateKey, jwkHeader('ES256', keys.ES256.publicKey)));
  assert.equal(decodeJwsRequest(body, { url: URL }, { maxBytes: body.length }).keyRef, 'jwk');
});
