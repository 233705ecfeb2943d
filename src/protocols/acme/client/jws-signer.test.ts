import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { calculateJwkThumbprint, flattenedVerify } from 'jose';
import { isPkiError } from '../../../core/pki-error.js';
import { isAcmeProblem } from '../wire/acme-problem.js';
import type { JwsAlgorithm } from '../wire/jws-algorithm.js';
import { decodeJwsRequest } from '../wire/jws-request.js';
import { acmePayloadBytes, AcmeJwsSigner, jwsAlgorithmFor } from './jws-signer.js';

const URL = 'https://acme.example/acme/new-order';
const KID = 'https://acme.example/acme/acct/1';
const NONCE = 'oFvnlFP1wIhRlYS2jTaXbA';

const keys: Record<JwsAlgorithm, { privateKey: KeyObject; publicKey: KeyObject }> = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  EdDSA: generateKeyPairSync('ed25519'),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

const body = (jws: unknown) => new TextEncoder().encode(JSON.stringify(jws));

for (const [alg, pair] of Object.entries(keys) as [JwsAlgorithm, (typeof keys)[JwsAlgorithm]][]) {
  test(`${alg}: the certfleet server's JWS decoder accepts what the signer sends, jwk and kid`, async () => {
    const signer = new AcmeJwsSigner(pair.privateKey);
    assert.equal(signer.alg, alg);
    assert.equal(jwsAlgorithmFor(pair.privateKey), alg);
    assert.ok(!('d' in signer.publicJwk), 'the JWK carries no private member');

    const payload = acmePayloadBytes({ identifiers: [{ type: 'dns', value: 'device-1.example' }] });
    const byJwk = decodeJwsRequest(body(signer.sign(signer.protectedHeader('jwk', URL, NONCE), payload)), {
      url: URL,
    });
    assert.equal(byJwk.keyRef, 'jwk');
    assert.equal(byJwk.header.nonce, NONCE);
    const verified = byJwk.keyRef === 'jwk' ? await byJwk.verify() : assert.fail('expected jwk');
    assert.deepEqual(verified.payload, payload);

    const byKid = decodeJwsRequest(
      body(signer.sign(signer.protectedHeader('kid', URL, NONCE, KID), new Uint8Array(0))),
      {
        url: URL,
      },
    );
    assert.equal(byKid.keyRef, 'kid');
    const postAsGet =
      byKid.keyRef === 'kid' ? await byKid.verify(pair.publicKey) : assert.fail('expected kid');
    assert.equal(postAsGet.postAsGet, true);
    // Verified against another key of the same type, the signature fails: it really covers the request.
    const other =
      alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : alg === 'RS256'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
    await assert.rejects(
      () => (byKid.keyRef === 'kid' ? byKid.verify(other.publicKey) : Promise.resolve()),
      (error: unknown) => isAcmeProblem(error, 'malformed'),
    );
  });
}

test('thumbprint is the RFC 7638 thumbprint of the public key', async () => {
  const signer = new AcmeJwsSigner(keys.ES256.privateKey);
  assert.equal(
    await signer.thumbprint(),
    await calculateJwkThumbprint(keys.ES256.publicKey.export({ format: 'jwk' })),
  );
});

test('a header edited after it is built is signed as edited, so a server sees exactly that', () => {
  const signer = new AcmeJwsSigner(keys.ES256.privateKey);
  const header = { ...signer.protectedHeader('jwk', URL, NONCE), alg: 'none' };
  assert.throws(
    () => decodeJwsRequest(body(signer.sign(header, acmePayloadBytes({}))), { url: URL }),
    (error: unknown) => isAcmeProblem(error, 'badSignatureAlgorithm'),
  );
  const both = { ...signer.protectedHeader('kid', URL, NONCE, KID), jwk: signer.publicJwk };
  assert.throws(
    () => decodeJwsRequest(body(signer.sign(both, acmePayloadBytes({}))), { url: URL }),
    (error: unknown) => isAcmeProblem(error, 'malformed'),
  );
});

test('the inner JWS of a key change has no nonce; a kid header needs the account URL', () => {
  const signer = new AcmeJwsSigner(keys.ES256.privateKey);
  assert.deepEqual(Object.keys(signer.protectedHeader('jwk', URL, undefined)), ['alg', 'jwk', 'url']);
  assert.throws(
    () => signer.protectedHeader('kid', URL, NONCE),
    (error: unknown) => isPkiError(error, 'CONFIG_INVALID'),
  );
});

test('payload bytes: "" is POST-as-GET, bytes pass through, the rest is JSON', async () => {
  assert.equal(acmePayloadBytes('').length, 0);
  assert.deepEqual(acmePayloadBytes(Uint8Array.of(1, 2)), Uint8Array.of(1, 2));
  assert.equal(
    new TextDecoder().decode(acmePayloadBytes({ status: 'deactivated' })),
    '{"status":"deactivated"}',
  );
  // jose agrees the ES256 signature over an empty payload is valid (an independent verifier).
  const signer = new AcmeJwsSigner(keys.ES256.privateKey);
  const jws = signer.sign(signer.protectedHeader('kid', URL, NONCE, KID), acmePayloadBytes(''));
  const result = await flattenedVerify(jws, keys.ES256.publicKey);
  assert.equal(result.payload.length, 0);
});

test('keys without an ACME algorithm are refused', () => {
  assert.throws(
    () => jwsAlgorithmFor(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey),
    (error: unknown) => isPkiError(error, 'UNSUPPORTED_ALGORITHM'),
  );
  assert.throws(
    () => jwsAlgorithmFor(generateKeyPairSync('x25519').privateKey),
    (error: unknown) => isPkiError(error, 'UNSUPPORTED_ALGORITHM'),
  );
  assert.throws(
    () => jwsAlgorithmFor(keys.ES256.publicKey),
    (error: unknown) => isPkiError(error, 'CONFIG_INVALID'),
  );
});
