import { createPublicKey, type KeyObject, sign } from 'node:crypto';
import type { JWK } from 'jose';
import { PkiError } from '../../../core/pki-error.js';
import { encodeBase64url } from '../wire/base64url.js';
import type { JwsAlgorithm } from '../wire/jws-algorithm.js';
import { jwkThumbprint } from '../wire/jwk-thumbprint.js';

/** RFC 7515 §7.2.2: the flattened JSON serialization, the only one ACME accepts (RFC 8555 §6.2). */
export interface FlattenedJws {
  readonly protected: string;
  readonly payload: string;
  readonly signature: string;
}

/** RFC 8555 §6.2: who signed — the account (`kid`, its URL) or a key shown in full (`jwk`). */
export type JwsKeyReference = { readonly kid: string } | { readonly jwk: JWK };

/**
 * The JWS algorithm for a private key: ES256 (P-256), ES384 (P-384), EdDSA (Ed25519) or RS256 (RSA), the set the
 * certfleet server accepts (wire/jws-algorithm.ts). Other keys are UNSUPPORTED_ALGORITHM.
 */
export function jwsAlgorithmFor(key: KeyObject): JwsAlgorithm {
  if (key.type !== 'private')
    throw new PkiError('CONFIG_INVALID', 'an ACME signing key must be a private key');
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return 'ES384';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  throw new PkiError(
    'UNSUPPORTED_ALGORITHM',
    `no ACME JWS algorithm for a ${key.asymmetricKeyType ?? 'secret'} key`,
  );
}

/**
 * RFC 8555 §6.2 body bytes: `''` means POST-as-GET (an empty payload, §6.3), bytes are sent as they are (for
 * tests of malformed input), anything else is JSON.
 */
export function acmePayloadBytes(payload: unknown): Uint8Array {
  if (payload === '') return new Uint8Array(0);
  if (payload instanceof Uint8Array) return payload;
  return new TextEncoder().encode(JSON.stringify(payload));
}

/**
 * Signs ACME requests with one private key. The signature is made with node:crypto over whatever protected header
 * it is given, rather than with a JOSE library that checks the header first, so that tests can send the headers a
 * server must refuse (`alg: none`, a wrong `url`, both `jwk` and `kid`) correctly signed.
 */
export class AcmeJwsSigner {
  readonly alg: JwsAlgorithm;
  /** The public key as a JWK with only the members that define it (no `d`, no `kid` or `alg`). */
  readonly publicJwk: JWK;

  constructor(readonly privateKey: KeyObject) {
    this.alg = jwsAlgorithmFor(privateKey);
    const { kty, crv, x, y, n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
    this.publicJwk = Object.fromEntries(
      Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined),
    );
  }

  /** RFC 7638 thumbprint of the public key, as key authorizations use it (RFC 8555 §8.1). */
  thumbprint(): Promise<string> {
    return jwkThumbprint(this.publicJwk);
  }

  /** RFC 8555 §6.2: `{alg, jwk|kid, nonce?, url}`; the inner JWS of a key change and EAB have no nonce. */
  protectedHeader(
    keyRef: 'kid' | 'jwk',
    url: string,
    nonce: string | undefined,
    kid?: string,
  ): Record<string, unknown> {
    if (keyRef === 'kid' && kid === undefined) {
      throw new PkiError(
        'CONFIG_INVALID',
        'a kid-signed ACME request needs the account URL; create the account first',
      );
    }
    return {
      alg: this.alg,
      ...(keyRef === 'kid' ? { kid } : { jwk: this.publicJwk }),
      ...(nonce === undefined ? {} : { nonce }),
      url,
    };
  }

  /** RFC 7515 §5.1: signs `base64url(header) "." base64url(payload)` with this key, whatever the header says. */
  sign(protectedHeader: Record<string, unknown>, payload: Uint8Array): FlattenedJws {
    const protectedB64 = encodeBase64url(new TextEncoder().encode(JSON.stringify(protectedHeader)));
    const payloadB64 = encodeBase64url(payload);
    const signingInput = Buffer.from(`${protectedB64}.${payloadB64}`, 'ascii');
    return {
      protected: protectedB64,
      payload: payloadB64,
      signature: encodeBase64url(this.signBytes(signingInput)),
    };
  }

  private signBytes(data: Uint8Array): Uint8Array {
    switch (this.alg) {
      case 'ES256':
      case 'ES384':
        // RFC 7518 §3.4: JWS carries ECDSA signatures as r || s, not DER.
        return sign(this.alg === 'ES256' ? 'sha256' : 'sha384', data, {
          key: this.privateKey,
          dsaEncoding: 'ieee-p1363',
        });
      case 'EdDSA':
        return sign(null, data, this.privateKey);
      case 'RS256':
        return sign('sha256', data, this.privateKey);
    }
  }
}
