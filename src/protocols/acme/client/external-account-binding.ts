import { createHmac } from 'node:crypto';
import type { JWK } from 'jose';
import { encodeBase64url } from '../wire/base64url.js';
import type { FlattenedJws } from './jws-signer.js';

/** RFC 8555 §7.3.4: the key identifier and MAC key a CA hands out of band to bind a new account. */
export interface ExternalAccountBinding {
  readonly keyId: string;
  /** The raw MAC key (already base64url-decoded from what the CA gave). */
  readonly hmacKey: Uint8Array;
}

/**
 * RFC 8555 §7.3.4: the `externalAccountBinding` member of a newAccount payload — a JWS over the new account's
 * public JWK, MACed with HS256 under the CA-issued key, protected header `{alg, kid: keyId, url: newAccount}` and
 * no nonce.
 */
export function externalAccountBindingJws(
  binding: ExternalAccountBinding,
  accountJwk: JWK,
  newAccountUrl: string,
): FlattenedJws {
  const encoder = new TextEncoder();
  const protectedB64 = encodeBase64url(
    encoder.encode(JSON.stringify({ alg: 'HS256', kid: binding.keyId, url: newAccountUrl })),
  );
  const payloadB64 = encodeBase64url(encoder.encode(JSON.stringify(accountJwk)));
  const mac = createHmac('sha256', binding.hmacKey).update(`${protectedB64}.${payloadB64}`, 'ascii').digest();
  return { protected: protectedB64, payload: payloadB64, signature: encodeBase64url(mac) };
}
