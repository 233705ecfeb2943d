import { createHmac } from 'node:crypto';
import { flattenedVerify } from 'jose';
import { AcmeProblem } from './wire/acme-problem.js';
import { decodeBase64url } from './wire/base64url.js';
import { jwkThumbprint } from './wire/jwk-thumbprint.js';
import type { PublicJwk } from './wire/jws-request.js';

const LABEL = 'certfleet acme external account key v1\0';
const MAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const KEY_ID = /^eab_[0-9a-f]{16}$/;

/**
 * RFC 8555 §7.3.4 external account binding keys. The MAC key of a key id is derived from the deployment's ACME key,
 * so the store keeps only the id and who used it, and an operator can hand the pair out once.
 */
export class ExternalAccountKeys {
  constructor(private readonly key: Uint8Array) {}

  macKeyFor(keyId: string): Uint8Array {
    return createHmac('sha256', this.key).update(LABEL).update(keyId, 'utf8').digest();
  }

  static isKeyId(text: string): boolean {
    return KEY_ID.test(text);
  }
}

/**
 * Checks the `externalAccountBinding` member of a newAccount payload: a flattened JWS with a MAC algorithm,
 * `kid` the external key id, `url` the newAccount URL, no nonce, and as payload the very account key the outer
 * JWS carries. Returns the key id; any defect is `unauthorized` (a MAC that does not verify) or `malformed`.
 */
export async function verifyExternalAccountBinding(
  binding: unknown,
  expected: { readonly url: string; readonly accountJwk: PublicJwk },
  keys: ExternalAccountKeys,
): Promise<string> {
  if (typeof binding !== 'object' || binding === null || Array.isArray(binding)) {
    throw new AcmeProblem('malformed', 'externalAccountBinding is not a flattened JWS');
  }
  const jws = binding as Record<string, unknown>;
  const { protected: protectedB64, payload, signature } = jws;
  if (
    typeof protectedB64 !== 'string' ||
    typeof payload !== 'string' ||
    typeof signature !== 'string' ||
    Object.keys(jws).some((name) => !['protected', 'payload', 'signature'].includes(name))
  ) {
    throw new AcmeProblem('malformed', 'externalAccountBinding is not a flattened JWS');
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      Buffer.from(decodeBase64url(protectedB64, 'the binding header')).toString('utf8'),
    ) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof AcmeProblem) throw error;
    throw new AcmeProblem('malformed', 'the externalAccountBinding header is not JSON', { cause: error });
  }
  const { alg, kid, url } = header;
  if (typeof alg !== 'string' || !MAC_ALGORITHMS.includes(alg)) {
    throw new AcmeProblem('malformed', 'externalAccountBinding must use HS256, HS384 or HS512');
  }
  if ('nonce' in header) throw new AcmeProblem('malformed', 'externalAccountBinding must not carry a nonce');
  if (url !== expected.url) throw new AcmeProblem('unauthorized', 'externalAccountBinding names another URL');
  if (typeof kid !== 'string' || !ExternalAccountKeys.isKeyId(kid)) {
    throw new AcmeProblem('unauthorized', 'externalAccountBinding names no known external account key');
  }
  try {
    await flattenedVerify({ protected: protectedB64, payload, signature }, keys.macKeyFor(kid), {
      algorithms: MAC_ALGORITHMS,
    });
  } catch (error) {
    throw new AcmeProblem('unauthorized', 'the externalAccountBinding MAC does not verify', { cause: error });
  }
  let boundJwk: unknown;
  try {
    boundJwk = JSON.parse(Buffer.from(decodeBase64url(payload, 'the binding payload')).toString('utf8'));
  } catch (error) {
    if (error instanceof AcmeProblem) throw error;
    throw new AcmeProblem('malformed', 'the externalAccountBinding payload is not a JWK', { cause: error });
  }
  if (typeof boundJwk !== 'object' || boundJwk === null) {
    throw new AcmeProblem('malformed', 'the externalAccountBinding payload is not a JWK');
  }
  const [bound, outer] = await Promise.all([
    jwkThumbprint(boundJwk as Record<string, string>),
    jwkThumbprint(expected.accountJwk),
  ]);
  if (bound !== outer) {
    throw new AcmeProblem('unauthorized', 'externalAccountBinding binds another key than the account key');
  }
  return kid;
}
