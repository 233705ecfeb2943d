import type { KeyObject } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { AcmeAccountRecord, AcmeAccounts, AcmeNonces } from '../../store/acme-state.js';
import { accountPublicKey } from './account-key.js';
import type { AcmeUrls } from './acme-urls.js';
import type { NonceMinter } from './nonce-minter.js';
import { AcmeProblem } from './wire/acme-problem.js';
import { jwkThumbprint } from './wire/jwk-thumbprint.js';
import { decodeJwsRequest, type PublicJwk } from './wire/jws-request.js';

/** A POST whose JWS verified and whose nonce was fresh, signed by an account key (kid). */
export interface AccountRequest {
  readonly keyRef: 'kid';
  readonly account: AcmeAccountRecord;
  /** The parsed JSON payload; undefined for POST-as-GET. */
  readonly payload: Record<string, unknown> | undefined;
}

/** A POST whose JWS verified and whose nonce was fresh, signed by the key it carries (jwk). */
export interface KeyRequest {
  readonly keyRef: 'jwk';
  readonly jwk: PublicJwk;
  readonly publicKey: KeyObject;
  readonly thumbprint: string;
  readonly payload: Record<string, unknown> | undefined;
}

export type AuthenticatedRequest = AccountRequest | KeyRequest;

export interface AcmeAuthenticatorDependencies {
  readonly accounts: Pick<AcmeAccounts, 'get'>;
  readonly nonces: AcmeNonces;
  readonly minter: NonceMinter;
  readonly urls: AcmeUrls;
  readonly clock: Clock;
  readonly maxBodyBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 8555 §6.2–§6.5 for every POST: decodes the JWS, checks that `url` is the URL requested, finds the account
 * a `kid` names (it must be `valid`), verifies the signature, and only then consumes the nonce, so a forged
 * request cannot burn a client's nonce. The payload must be a JSON object or empty (POST-as-GET, §6.3).
 */
export class AcmeAuthenticator {
  constructor(private readonly deps: AcmeAuthenticatorDependencies) {}

  async authenticate(
    body: Uint8Array,
    url: string,
    accepts: 'kid' | 'jwk' | 'either',
  ): Promise<AuthenticatedRequest> {
    const request = decodeJwsRequest(body, { url }, { maxBytes: this.deps.maxBodyBytes });
    const expiresAt = this.deps.minter.check(request.header.nonce, this.deps.clock.now());
    if (accepts !== 'either' && request.keyRef !== accepts) {
      throw new AcmeProblem(
        'malformed',
        accepts === 'jwk'
          ? 'this request is signed with the key it carries ("jwk"), not an account ("kid")'
          : 'this request is signed by an account ("kid"), not with a "jwk"',
      );
    }
    let authenticated: AuthenticatedRequest;
    if (request.keyRef === 'kid') {
      const accountId = this.deps.urls.accountIdOf(request.header.kid);
      const account = accountId === undefined ? undefined : await this.deps.accounts.get(accountId);
      if (!account) throw new AcmeProblem('accountDoesNotExist', 'no account has this URL');
      if (account.status !== 'valid') {
        throw new AcmeProblem('unauthorized', `the account is ${account.status}`);
      }
      const verified = await request.verify(accountPublicKey(account));
      authenticated = { keyRef: 'kid', account, payload: parsePayload(verified.payload) };
    } else {
      const verified = await request.verify();
      authenticated = {
        keyRef: 'jwk',
        jwk: request.header.jwk,
        publicKey: request.publicKey,
        thumbprint: await jwkThumbprint(request.header.jwk),
        payload: parsePayload(verified.payload),
      };
    }
    if (!(await this.deps.nonces.consume(request.header.nonce, expiresAt))) {
      throw new AcmeProblem('badNonce', 'the nonce was used already');
    }
    return authenticated;
  }
}

function parsePayload(bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    throw new AcmeProblem('malformed', 'the JWS payload is not UTF-8 JSON', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AcmeProblem('malformed', 'the JWS payload is not a JSON object');
  }
  return value as Record<string, unknown>;
}
