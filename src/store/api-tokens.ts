/** What an operator's API token may do: `read` may GET, `admin` may also change things. */
export type ApiTokenScope = 'read' | 'admin';

export const API_TOKEN_SCOPES: readonly ApiTokenScope[] = ['read', 'admin'];

export function isApiTokenScope(value: string): value is ApiTokenScope {
  return (API_TOKEN_SCOPES as readonly string[]).includes(value);
}

/** An operator's token for the admin API, without its secret (only its SHA-256 is stored). */
export interface ApiTokenRecord {
  readonly id: string;
  /** Unique for ever (revoked tokens included); the audit trail's actor for what the token does. */
  readonly name: string;
  readonly scope: ApiTokenScope;
  readonly createdAt: Date;
  /** Null: the token does not expire (it can still be revoked). */
  readonly expiresAt: Date | null;
  /** When it last authenticated a request, to the minute (see SqlApiTokens). */
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface NewApiToken {
  /** Letters, digits and `._@-`, starting with a letter or digit, up to 64. */
  readonly name: string;
  readonly scope: ApiTokenScope;
  readonly expiresAt: Date | null;
}

export interface CreatedApiToken {
  readonly record: ApiTokenRecord;
  /** `cft_<id>_<secret>`: shown once to whoever made it; the store keeps only the secret's hash. */
  readonly token: string;
}

export interface RevokedApiToken {
  readonly record: ApiTokenRecord;
  /** False when it was revoked already (the first revocation's time stands). */
  readonly changed: boolean;
}

/** Oldest first, by creation time then id. */
export interface ApiTokenQuery {
  /** Keyset: only tokens after this one in that order. */
  readonly after?: { readonly createdAt: Date; readonly id: string };
  readonly limit?: number;
}

/** Operators' API tokens: made with a random secret, verified in constant time, listed, revoked. */
export interface ApiTokens {
  /** A new token with a fresh random secret. CONFLICT if the name is taken; MALFORMED_INPUT for a bad name. */
  create(token: NewApiToken, at: Date): Promise<CreatedApiToken>;
  /**
   * The token's record if `token` is a well-formed token whose secret matches, not revoked and not expired at
   * `at` (expired from its expiresAt on); undefined otherwise, whatever the reason. Records the use.
   */
  verify(token: string, at: Date): Promise<ApiTokenRecord | undefined>;
  /** By id or by name; CONFLICT if the text is one token's id and another's name. */
  find(idOrName: string): Promise<ApiTokenRecord | undefined>;
  list(query: ApiTokenQuery): Promise<readonly ApiTokenRecord[]>;
  /** Revokes the token named by id or name at `at`; NOT_FOUND if there is none. */
  revoke(idOrName: string, at: Date): Promise<RevokedApiToken>;
}
