import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { PkiError } from '../core/pki-error.js';
import {
  apiTokenSecretSha256,
  formatApiToken,
  newApiTokenParts,
  parseApiToken,
  secretMatches,
} from './api-token-text.js';
import type {
  ApiTokenQuery,
  ApiTokenRecord,
  ApiTokens,
  ApiTokenScope,
  CreatedApiToken,
  NewApiToken,
  RevokedApiToken,
} from './api-tokens.js';
import { isApiTokenScope } from './api-tokens.js';
import { fromEpochMsOrNull, toEpochMs, toEpochMsOrNull } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { ApiTokensTable, Database } from './schema.js';
import { isUniqueViolation } from './store-errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/**
 * How stale last_used_at may be. Recording every use would make every API request a write; to the minute is
 * what an operator needs to tell a forgotten token from one in use.
 */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Both engines. A token's id is random and not secret; its secret is known only by its SHA-256. */
export class SqlApiTokens implements ApiTokens {
  constructor(private readonly db: Kysely<Database>) {}

  async create(token: NewApiToken, at: Date): Promise<CreatedApiToken> {
    if (!NAME.test(token.name)) {
      throw new PkiError(
        'MALFORMED_INPUT',
        'an API token name is 1 to 64 letters, digits and ._@-, starting with a letter or digit',
      );
    }
    if (!isApiTokenScope(token.scope)) {
      throw new PkiError('MALFORMED_INPUT', `'${String(token.scope)}' is not a scope; use read or admin`);
    }
    const createdAt = toEpochMs(at, 'at');
    const expiresAt = toEpochMsOrNull(token.expiresAt, 'expiresAt');
    if (expiresAt !== null && expiresAt <= createdAt) {
      throw new PkiError('MALFORMED_INPUT', 'an API token must expire after it is created');
    }
    const parts = newApiTokenParts();
    const row: ApiTokensTable = {
      id: parts.id,
      name: token.name,
      scope: token.scope,
      secret_sha256: apiTokenSecretSha256(parts.secret),
      created_at: createdAt,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
    };
    try {
      await this.db.insertInto('api_tokens').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError(
          'CONFLICT',
          `an API token named '${token.name}' exists already (names are never reused, revoked tokens' included)`,
          { cause: error },
        );
      }
      throw error;
    }
    return { record: toApiTokenRecord(row), token: formatApiToken(parts) };
  }

  async verify(token: string, at: Date): Promise<ApiTokenRecord | undefined> {
    const atMs = toEpochMs(at, 'at');
    const parts = parseApiToken(token);
    if (parts === undefined) return undefined;
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', parts.id)
      .executeTakeFirst();
    if (row === undefined || !secretMatches(parts.secret, row.secret_sha256)) return undefined;
    if (row.revoked_at !== null) return undefined;
    if (row.expires_at !== null && atMs >= row.expires_at) return undefined;
    if (row.last_used_at !== null && atMs - row.last_used_at < LAST_USED_RESOLUTION_MS) {
      return toApiTokenRecord(row);
    }
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: atMs })
      .where('id', '=', row.id)
      // Of concurrent requests, the newest time wins; a late one never moves it back.
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', atMs)]))
      .execute();
    return toApiTokenRecord({ ...row, last_used_at: atMs });
  }

  async find(idOrName: string): Promise<ApiTokenRecord | undefined> {
    const rows = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .execute();
    if (rows.length > 1) {
      throw new PkiError('CONFLICT', `'${idOrName}' is one API token's id and another's name; use the id`);
    }
    return rows[0] === undefined ? undefined : toApiTokenRecord(rows[0]);
  }

  async list(query: ApiTokenQuery): Promise<readonly ApiTokenRecord[]> {
    let select = this.db.selectFrom('api_tokens').selectAll();
    if (query.after !== undefined) {
      const createdAt = toEpochMs(query.after.createdAt, 'after.createdAt');
      select = select.where(sql<boolean>`(created_at, id) > (${createdAt}, ${query.after.id})`);
    }
    const rows = await select.orderBy('created_at').orderBy('id').limit(pageLimit(query.limit)).execute();
    return rows.map(toApiTokenRecord);
  }

  async revoke(idOrName: string, at: Date): Promise<RevokedApiToken> {
    const atMs = toEpochMs(at, 'at');
    const found = await this.find(idOrName);
    if (found === undefined) throw new PkiError('NOT_FOUND', `no API token '${idOrName}'`);
    const row = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: atMs })
      .where('id', '=', found.id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return { record: toApiTokenRecord(row), changed: true };
    // Revoked already, perhaps a moment ago by someone else: report the revocation that stands.
    const current = await this.find(found.id);
    return { record: current ?? found, changed: false };
  }
}

function toApiTokenRecord(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope as ApiTokenScope,
    createdAt: new Date(row.created_at),
    expiresAt: fromEpochMsOrNull(row.expires_at),
    lastUsedAt: fromEpochMsOrNull(row.last_used_at),
    revokedAt: fromEpochMsOrNull(row.revoked_at),
  };
}
