import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { FlattenedSign } from 'jose';
import { PkiError } from '../../../core/pki-error.js';
import { AcmeProblem } from './acme-problem.js';
import { decodeJwsRequest } from './jws-request.js';
import { mutationsOf } from '../../../../test/helpers/fuzz.js';

// The decoder reads untrusted bytes: whatever arrives, decode and verify either succeed or raise an AcmeProblem
// (or a PkiError), never a library exception. test/helpers/fuzz.ts's assertParserOnlyRaisesPkiErrors, adapted:
// verify is asynchronous and the decoder's own error type is AcmeProblem.
const URL = 'https://acme.example/acme/new-account';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const utf8 = new TextEncoder();

async function decodeAndVerify(body: Uint8Array): Promise<void> {
  try {
    const request = decodeJwsRequest(body, { url: URL });
    await (request.keyRef === 'jwk' ? request.verify() : request.verify(key.publicKey));
  } catch (error) {
    assert.ok(
      error instanceof AcmeProblem || error instanceof PkiError,
      `unexpected error: ${String(error)}`,
    );
  }
}

async function signedBody(header: Record<string, unknown>, payload: string): Promise<Uint8Array> {
  const jws = await new FlattenedSign(utf8.encode(payload))
    .setProtectedHeader({ alg: 'ES256', ...header })
    .sign(key.privateKey);
  return utf8.encode(JSON.stringify(jws));
}

test('mutations, truncations of a valid request and random bytes raise only AcmeProblem', async () => {
  for (const header of [
    { jwk: key.publicKey.export({ format: 'jwk' }) },
    { kid: 'https://acme.example/acct/1' },
  ]) {
    const valid = await signedBody(
      { nonce: 'bm9uY2U', url: URL, ...header },
      '{"termsOfServiceAgreed":true}',
    );
    await fc.assert(fc.asyncProperty(mutationsOf(valid), decodeAndVerify), { numRuns: 2000 });
  }
});

test('protected headers of arbitrary JSON values raise only AcmeProblem', async () => {
  const member = fc.oneof(fc.jsonValue(), fc.constantFrom('ES256', 'RS256', 'none', URL, 'bm9uY2U'));
  const jwkLike = fc.record(
    {
      kty: fc.oneof(fc.constantFrom('EC', 'OKP', 'RSA', 'oct'), fc.jsonValue()),
      crv: fc.oneof(fc.constantFrom('P-256', 'P-384', 'Ed25519', 'X25519'), fc.jsonValue()),
      x: fc.oneof(fc.base64String(), fc.jsonValue()),
      y: fc.base64String(),
      n: fc.base64String(),
      e: fc.constantFrom('AQAB', 'Aw', '', 'AA'),
      d: fc.string(),
    },
    { requiredKeys: [] },
  );
  const header = fc.record(
    {
      alg: member,
      nonce: member,
      url: member,
      jwk: fc.oneof(jwkLike, fc.jsonValue()),
      kid: member,
      crit: member,
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(header, fc.string(), async (protectedHeader, payload) => {
      const b64u = (text: string) => Buffer.from(text).toString('base64url');
      const body = {
        protected: b64u(JSON.stringify(protectedHeader)),
        payload: b64u(payload),
        signature: 'AAAA',
      };
      await decodeAndVerify(utf8.encode(JSON.stringify(body)));
    }),
    { numRuns: 3000 },
  );
});
