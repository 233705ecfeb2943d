import { createPublicKey, type KeyObject } from 'node:crypto';
import { flattenedVerify } from 'jose';
import { PkiError } from '../../../core/pki-error.js';
import { AcmeProblem } from './acme-problem.js';
import { decodeBase64url } from './base64url.js';
import {
  assertKeyFitsAlgorithm,
  isJwsAlgorithm,
  JWS_ALGORITHMS,
  type JwsAlgorithm,
} from './jws-algorithm.js';

/** Large enough for a finalize with an RSA-8192 CSR or a device-attest-01 attestation object, and no larger. */
export const DEFAULT_MAX_JWS_BYTES = 64 * 1024;

export interface JwsRequestOptions {
  /** Bodies longer than this are refused as `malformed` before any parsing. */
  readonly maxBytes?: number;
  /** An inner JWS (RFC 8555 §7.3.5 key change): it must omit `nonce`, and `header.nonce` is then empty. */
  readonly inner?: boolean;
}

/** RFC 7517 §4 / RFC 7638 §3.2: a public JWK reduced to the members that define the key. */
export type PublicJwk =
  | { readonly kty: 'EC'; readonly crv: 'P-256' | 'P-384'; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string }
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string };

/** RFC 8555 §6.2: the protected header members every ACME request carries. */
export interface JwsRequestHeader {
  readonly alg: JwsAlgorithm;
  /** RFC 8555 §6.5: returned as sent; checking and consuming it against the nonce store is the caller's job. */
  readonly nonce: string;
  readonly url: string;
}

/** What `verify` resolves to: only a verified request exposes its payload. */
export interface VerifiedJwsRequest {
  /** The payload bytes (the JSON of the request object); empty for POST-as-GET. */
  readonly payload: Uint8Array;
  /** RFC 8555 §6.3: the payload is the empty string, i.e. a fetch of the resource at `url`. */
  readonly postAsGet: boolean;
}

/**
 * RFC 8555 §6.2: a request signed by the key it carries in `jwk` — newAccount, and revokeCert signed by the
 * certificate's key. `publicKey` is that key, already checked to fit `alg`.
 */
export interface JwkJwsRequest {
  readonly keyRef: 'jwk';
  readonly header: JwsRequestHeader & { readonly jwk: PublicJwk };
  readonly publicKey: KeyObject;
  verify(): Promise<VerifiedJwsRequest>;
}

/**
 * RFC 8555 §6.2: a request signed by an account key, named by its account URL in `kid`. The caller looks the
 * account up (unknown → `accountDoesNotExist`) and passes its key to `verify`.
 */
export interface KidJwsRequest {
  readonly keyRef: 'kid';
  readonly header: JwsRequestHeader & { readonly kid: string };
  verify(accountKey: KeyObject): Promise<VerifiedJwsRequest>;
}

export type JwsRequest = JwkJwsRequest | KidJwsRequest;

const BODY_MEMBERS = ['protected', 'payload', 'signature'] as const;
/** RFC 7638 §3.2 and RFC 7518 §6: members of a JWK that only a private (or symmetric) key has. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const NONCE = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * RFC 8555 §6.2: decodes the JWS body of an ACME POST and checks everything that can be checked before the
 * signing key is known: flattened JSON serialization only (RFC 7515 §7.2.2) with exactly `protected`, `payload`
 * and `signature` (no unprotected `header`, no `signatures` array), strict base64url, a protected header with
 * `alg`, `nonce`, `url` and exactly one of `jwk` and `kid`, an accepted `alg`, `url` equal to the URL the request
 * arrived at (RFC 8555 §6.4, else `unauthorized`), and for `jwk` a public key that fits `alg`. The signature
 * itself is checked by `verify`. Throws only `AcmeProblem` (and `PkiError` for a caller's mistake).
 */
export function decodeJwsRequest(
  body: Uint8Array,
  expected: { readonly url: string },
  options: JwsRequestOptions = {},
): JwsRequest {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JWS_BYTES;
  if (body.length > maxBytes) {
    throw new AcmeProblem('malformed', `the request body is larger than ${maxBytes} bytes`);
  }
  const jws = parseFlattenedJws(body);
  const header = parseJsonObject(decodeBase64url(jws.protected, 'protected'), 'the protected header');
  decodeBase64url(jws.payload, 'payload');
  decodeBase64url(jws.signature, 'signature');

  const alg = header['alg'];
  if (typeof alg !== 'string') throw new AcmeProblem('malformed', 'the protected header has no "alg"');
  if (!isJwsAlgorithm(alg)) {
    throw new AcmeProblem('badSignatureAlgorithm', `the JWS algorithm "${printable(alg)}" is not accepted`, {
      algorithms: JWS_ALGORITHMS,
    });
  }
  // RFC 7515 §4.1.11 and RFC 7797: ACME defines no critical extensions, and an unencoded payload ("b64": false)
  // would let the signed bytes differ from the ones parsed.
  if ('crit' in header || 'b64' in header) {
    throw new AcmeProblem('malformed', 'the protected header must not carry "crit" or "b64"');
  }
  const nonce = options.inner === true ? innerNonce(header) : header['nonce'];
  if (typeof nonce !== 'string' || (options.inner !== true && !NONCE.test(nonce))) {
    throw new AcmeProblem('badNonce', 'the protected header has no base64url "nonce"');
  }
  const url = header['url'];
  if (typeof url !== 'string') throw new AcmeProblem('malformed', 'the protected header has no "url"');
  if (url !== expected.url) {
    throw new AcmeProblem('unauthorized', 'the "url" in the protected header is not the URL requested');
  }

  const hasJwk = 'jwk' in header;
  const hasKid = 'kid' in header;
  if (hasJwk === hasKid) {
    throw new AcmeProblem('malformed', 'the protected header must carry exactly one of "jwk" and "kid"');
  }
  const verifyWith = async (key: KeyObject): Promise<VerifiedJwsRequest> => {
    try {
      await flattenedVerify(jws, key, { algorithms: [alg] });
    } catch (error) {
      throw new AcmeProblem('malformed', 'the JWS signature does not verify', { cause: error });
    }
    const payload = decodeBase64url(jws.payload, 'payload');
    return { payload, postAsGet: payload.length === 0 };
  };

  if (hasJwk) {
    const jwk = parsePublicJwk(header['jwk']);
    const publicKey = importPublicJwk(jwk);
    assertKeyFitsAlgorithm(publicKey, alg, 'badPublicKey');
    return {
      keyRef: 'jwk',
      header: { alg, nonce, url, jwk },
      publicKey,
      verify: () => verifyWith(publicKey),
    };
  }
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new AcmeProblem('malformed', 'the "kid" in the protected header is not an account URL');
  }
  return {
    keyRef: 'kid',
    header: { alg, nonce, url, kid },
    verify: async (accountKey: KeyObject) => {
      if (accountKey.type !== 'public') {
        throw new PkiError('INTERNAL', 'an account key passed to verify is not a public key');
      }
      assertKeyFitsAlgorithm(accountKey, alg, 'badSignatureAlgorithm');
      return await verifyWith(accountKey);
    },
  };
}

function innerNonce(header: Record<string, unknown>): string {
  if ('nonce' in header) throw new AcmeProblem('malformed', 'the inner JWS must not carry a "nonce"');
  return '';
}

interface FlattenedJws {
  readonly protected: string;
  readonly payload: string;
  readonly signature: string;
}

/** RFC 7515 §7.2.2, narrowed by RFC 8555 §6.2: a JSON object with exactly the three string members. */
function parseFlattenedJws(body: Uint8Array): FlattenedJws {
  const object = parseJsonObject(body, 'the request body');
  if ('signatures' in object) {
    throw new AcmeProblem('malformed', 'the general JWS serialization ("signatures") is not accepted');
  }
  if ('header' in object) {
    throw new AcmeProblem('malformed', 'an unprotected JWS "header" is not accepted');
  }
  for (const name of Object.keys(object)) {
    if (!(BODY_MEMBERS as readonly string[]).includes(name)) {
      throw new AcmeProblem('malformed', `unexpected member "${printable(name)}" in the flattened JWS`);
    }
  }
  const [protectedB64, payload, signature] = BODY_MEMBERS.map((name) => object[name]);
  if (typeof protectedB64 !== 'string' || typeof payload !== 'string' || typeof signature !== 'string') {
    throw new AcmeProblem(
      'malformed',
      'the flattened JWS needs string "protected", "payload" and "signature"',
    );
  }
  return { protected: protectedB64, payload, signature };
}

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    throw new AcmeProblem('malformed', `${what} is not UTF-8 JSON`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AcmeProblem('malformed', `${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** RFC 7517 §4 with RFC 7518 §6.2–6.3 and RFC 8037 §2: keeps only the members that define the public key. */
function parsePublicJwk(value: unknown): PublicJwk {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AcmeProblem('malformed', 'the "jwk" in the protected header is not a JSON object');
  }
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_JWK_MEMBERS.some((name) => name in jwk)) {
    throw new AcmeProblem('badPublicKey', 'the "jwk" holds private or symmetric key material');
  }
  const member = (name: string): string => {
    const text = jwk[name];
    if (typeof text !== 'string' || text.length === 0) {
      throw new AcmeProblem('badPublicKey', `the "jwk" has no "${name}"`);
    }
    decodeBase64url(text, `jwk "${name}"`);
    return text;
  };
  const kty = jwk['kty'];
  const crv = jwk['crv'];
  if (kty === 'EC' && (crv === 'P-256' || crv === 'P-384'))
    return { kty, crv, x: member('x'), y: member('y') };
  if (kty === 'OKP' && crv === 'Ed25519') return { kty, crv, x: member('x') };
  if (kty === 'RSA') return { kty, n: member('n'), e: member('e') };
  throw new AcmeProblem('badPublicKey', 'the "jwk" is not an EC P-256/P-384, OKP Ed25519 or RSA public key');
}

/**
 * Imports through node:crypto rather than jose's async `importJWK`, so the decoder stays synchronous and a point
 * off its curve or a bad modulus is `badPublicKey` here; the KeyObject is what `flattenedVerify` then uses.
 */
function importPublicJwk(jwk: PublicJwk): KeyObject {
  try {
    return createPublicKey({ key: { ...jwk }, format: 'jwk' });
  } catch (error) {
    throw new AcmeProblem('badPublicKey', 'the "jwk" is not a valid public key', { cause: error });
  }
}

/** Echoes client text in a detail only when it is short, plain ASCII. */
function printable(text: string): string {
  return /^[\x20-\x7e]{0,40}$/.test(text) && !text.includes('"') ? text : '…';
}
