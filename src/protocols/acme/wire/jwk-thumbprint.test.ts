import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { isAcmeProblem } from './acme-problem.js';
import { jwkThumbprint, keyAuthorization } from './jwk-thumbprint.js';

/** RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint. */
const RFC7638_JWK = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhM' +
    'stn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5' +
    'hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

test('RFC 7638 §3.1: the example key has the example thumbprint (optional members ignored)', async () => {
  assert.equal(await jwkThumbprint(RFC7638_JWK), RFC7638_THUMBPRINT);
  const { alg: _alg, kid: _kid, ...bare } = RFC7638_JWK;
  assert.equal(await jwkThumbprint(bare), RFC7638_THUMBPRINT);
});

test('EC and OKP thumbprints hash the required members in lexicographic order (RFC 7638 §3.2)', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const okp = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const digest = (json: string) => createHash('sha256').update(json).digest('base64url');
  assert.equal(await jwkThumbprint(ec), digest(`{"crv":"${ec.crv}","kty":"EC","x":"${ec.x}","y":"${ec.y}"}`));
  assert.equal(await jwkThumbprint(okp), digest(`{"crv":"Ed25519","kty":"OKP","x":"${okp.x}"}`));
});

test('RFC 8555 §8.1: key authorization = token "." thumbprint', async () => {
  const token = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
  assert.equal(await keyAuthorization(token, RFC7638_JWK), `${token}.${RFC7638_THUMBPRINT}`);
});

test('a JWK lacking a required member is badPublicKey, not a library error', async () => {
  await assert.rejects(
    () => jwkThumbprint({ kty: 'RSA', n: RFC7638_JWK.n }),
    (error: unknown) => isAcmeProblem(error, 'badPublicKey'),
  );
});
