import type { KeyObject } from 'node:crypto';
import { AcmeProblem, type AcmeProblemType } from './acme-problem.js';

/**
 * RFC 8555 §6.2: the JWS algorithms certfleet accepts. ES256 is the one the RFC makes mandatory, EdDSA (Ed25519)
 * the one it recommends, ES384 and RS256 what certbot, lego and acme.sh use for P-384 and RSA account keys. `none`
 * and the MAC algorithms (HS*) are refused, as §6.2 requires.
 */
export const JWS_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'RS256'] as const;

export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

/** RSA account keys below this size are refused (the CA/B Forum floor, and what Boulder enforces). */
export const MIN_RSA_MODULUS_BITS = 2048;
/** And above this one, so one request cannot make the server verify with an arbitrarily large modulus. */
export const MAX_RSA_MODULUS_BITS = 8192;

export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && (JWS_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * RFC 7518 §3.1 / RFC 8037 §3.1: the key type each algorithm implies (P-256 for ES256, P-384 for ES384, Ed25519
 * for EdDSA, RSA of an acceptable size for RS256). A key that does not fit is refused with `problemType`:
 * `badPublicKey` for a key the client just presented in `jwk`, `badSignatureAlgorithm` for a known account key
 * the client signed for with the wrong `alg`.
 */
export function assertKeyFitsAlgorithm(
  key: KeyObject,
  alg: JwsAlgorithm,
  problemType: AcmeProblemType,
): void {
  const refuse = (detail: string): never => {
    throw new AcmeProblem(problemType, detail, {
      ...(problemType === 'badSignatureAlgorithm' ? { algorithms: JWS_ALGORITHMS } : {}),
    });
  };
  if (key.type !== 'public') refuse('the key is not a public key');
  const details = key.asymmetricKeyDetails ?? {};
  switch (alg) {
    case 'ES256':
    case 'ES384': {
      const curve = alg === 'ES256' ? 'prime256v1' : 'secp384r1';
      if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== curve) {
        refuse(`${alg} needs an EC ${alg === 'ES256' ? 'P-256' : 'P-384'} key`);
      }
      return;
    }
    case 'EdDSA':
      if (key.asymmetricKeyType !== 'ed25519') refuse('EdDSA needs an OKP Ed25519 key');
      return;
    case 'RS256': {
      const bits = details.modulusLength ?? 0;
      if (key.asymmetricKeyType !== 'rsa') refuse('RS256 needs an RSA key');
      if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) {
        refuse(`RSA keys must have ${MIN_RSA_MODULUS_BITS} to ${MAX_RSA_MODULUS_BITS} bits, not ${bits}`);
      }
      return;
    }
  }
}
