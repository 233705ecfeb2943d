import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { flattenedVerify } from 'jose';
import { externalAccountBindingJws } from './external-account-binding.js';
import { AcmeJwsSigner } from './jws-signer.js';

const NEW_ACCOUNT = 'https://acme.example/acme/new-account';

test('RFC 8555 §7.3.4: HS256 over the account JWK, header {alg, kid, url}, no nonce', async () => {
  const hmacKey = new Uint8Array(32).fill(7);
  const signer = new AcmeJwsSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const jws = externalAccountBindingJws({ keyId: 'kid-1', hmacKey }, signer.publicJwk, NEW_ACCOUNT);

  const verified = await flattenedVerify(jws, createSecretKey(hmacKey), { algorithms: ['HS256'] });
  assert.deepEqual(verified.protectedHeader, { alg: 'HS256', kid: 'kid-1', url: NEW_ACCOUNT });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(verified.payload)), signer.publicJwk);
  await assert.rejects(() =>
    flattenedVerify(jws, createSecretKey(new Uint8Array(32)), { algorithms: ['HS256'] }),
  );
});
