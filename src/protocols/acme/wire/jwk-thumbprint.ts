import { calculateJwkThumbprint, type JWK } from 'jose';
import { AcmeProblem } from './acme-problem.js';

/**
 * RFC 7638 §3: the base64url SHA-256 thumbprint of a public JWK, computed over its required members only (EC:
 * `crv,kty,x,y`; RSA: `e,kty,n`; OKP: `crv,kty,x`) in lexicographic order, so optional members (`kid`, `alg`,
 * `use`) never change it. RFC 8555 §8.1 uses it to bind challenges to the account key.
 */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  try {
    return await calculateJwkThumbprint(jwk, 'sha256');
  } catch (error) {
    throw new AcmeProblem('badPublicKey', 'the JWK lacks a member its thumbprint needs', { cause: error });
  }
}

/**
 * RFC 8555 §8.1: the key authorization a client proves for a challenge, `token || '.' || thumbprint(accountKey)`.
 * http-01 serves it as is; dns-01, tls-alpn-01 and device-attest-01 hash or sign it.
 */
export async function keyAuthorization(token: string, accountJwk: JWK): Promise<string> {
  return `${token}.${await jwkThumbprint(accountJwk)}`;
}
