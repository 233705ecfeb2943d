import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { PkiError } from '../core/pki-error.js';
import type {
  AcmeAccountRecord,
  AcmeAccounts,
  AcmeAccountStatus,
  AcmeExternalAccountKeyRecord,
  AcmeIdentifierScope,
  NewAcmeAccount,
} from './acme-state.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import type { AcmeAccountsTable, AcmeExternalAccountKeysTable, Database } from './schema.js';
import { isForeignKeyViolation, isUniqueViolation } from './store-errors.js';

const ACCOUNT_STATUSES: ReadonlySet<string> = new Set<AcmeAccountStatus>(['valid', 'deactivated', 'revoked']);

/**
 * Both engines. Every change is one UPDATE … WHERE <expected state> RETURNING, so of two concurrent requests
 * on any number of nodes exactly one gets the row. createBound is one transaction that writes the account
 * first (so SQLite takes its write lock at once, see sql-alert-states.ts) and then claims the key with
 * UPDATE … WHERE bound_account_id IS NULL: PostgreSQL re-checks that condition on the row another binding
 * committed, so a key binds one account even when two nodes race for it; the loser rolls its account back.
 */
export class SqlAcmeAccounts implements AcmeAccounts {
  constructor(private readonly db: Kysely<Database>) {}

  async create(account: NewAcmeAccount, at: Date): Promise<AcmeAccountRecord> {
    const { externalAccountKeyId } = account;
    // An account naming a key must hold it: the binding is what the name asserts.
    if (externalAccountKeyId !== null) return this.createBound({ ...account, externalAccountKeyId }, at);
    const row = accountRow(account, at);
    try {
      await this.db.insertInto('acme_accounts').values(row).execute();
    } catch (error) {
      throw accountConflict(error);
    }
    return toAccountRecord(row);
  }

  async createBound(
    account: NewAcmeAccount & { readonly externalAccountKeyId: string },
    at: Date,
  ): Promise<AcmeAccountRecord> {
    const row = accountRow(account, at);
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('acme_accounts').values(row).execute();
        if (!(await bindKey(trx, account.externalAccountKeyId, account.id, row.created_at))) {
          throw keyUnusable(account.externalAccountKeyId);
        }
      });
    } catch (error) {
      // The account row's foreign key: no such external account key.
      if (isForeignKeyViolation(error)) throw keyUnusable(account.externalAccountKeyId, error);
      throw accountConflict(error);
    }
    return toAccountRecord(row);
  }

  async get(id: string): Promise<AcmeAccountRecord | undefined> {
    const row = await this.db.selectFrom('acme_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toAccountRecord(row);
  }

  async findByThumbprint(keyThumbprint: string): Promise<AcmeAccountRecord | undefined> {
    const row = await this.db
      .selectFrom('acme_accounts')
      .selectAll()
      .where('key_thumbprint', '=', keyThumbprint)
      .executeTakeFirst();
    return row === undefined ? undefined : toAccountRecord(row);
  }

  async update(
    id: string,
    change: { readonly contact?: readonly string[]; readonly status?: AcmeAccountStatus },
    at: Date,
  ): Promise<AcmeAccountRecord | undefined> {
    const values: Updateable<AcmeAccountsTable> = {
      ...(change.contact === undefined ? {} : { contact: JSON.stringify(change.contact) }),
      ...(change.status === undefined ? {} : { status: checkAccountStatus(change.status) }),
      updated_at: toEpochMs(at, 'at'),
    };
    const row = await this.db
      .updateTable('acme_accounts')
      .set(values)
      .where('id', '=', id)
      .where('status', '=', 'valid' satisfies AcmeAccountStatus)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toAccountRecord(row);
  }

  /** RFC 8555 §7.3.5 */
  async changeKey(
    id: string,
    expectedThumbprint: string,
    next: { readonly keyThumbprint: string; readonly jwk: string },
    at: Date,
  ): Promise<AcmeAccountRecord | undefined> {
    try {
      const row = await this.db
        .updateTable('acme_accounts')
        .set({ key_thumbprint: next.keyThumbprint, jwk: next.jwk, updated_at: toEpochMs(at, 'at') })
        .where('id', '=', id)
        .where('status', '=', 'valid' satisfies AcmeAccountStatus)
        .where('key_thumbprint', '=', expectedThumbprint)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toAccountRecord(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', 'another ACME account has this key', { cause: error });
      }
      throw error;
    }
  }

  async addExternalAccountKey(
    keyId: string,
    label: string,
    at: Date,
    identifierScope: AcmeIdentifierScope | null = null,
  ): Promise<AcmeExternalAccountKeyRecord> {
    const row: AcmeExternalAccountKeysTable = {
      key_id: keyId,
      label,
      created_at: toEpochMs(at, 'at'),
      bound_account_id: null,
      bound_at: null,
      revoked_at: null,
      identifier_scope: identifierScope === null ? null : JSON.stringify(identifierScope),
    };
    try {
      await this.db.insertInto('acme_external_account_keys').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `external account key '${keyId}' exists already`, { cause: error });
      }
      throw error;
    }
    return toKeyRecord(row);
  }

  async getExternalAccountKey(keyId: string): Promise<AcmeExternalAccountKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('acme_external_account_keys')
      .selectAll()
      .where('key_id', '=', keyId)
      .executeTakeFirst();
    return row === undefined ? undefined : toKeyRecord(row);
  }

  async listExternalAccountKeys(): Promise<readonly AcmeExternalAccountKeyRecord[]> {
    const rows = await this.db
      .selectFrom('acme_external_account_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('key_id')
      .execute();
    return rows.map(toKeyRecord);
  }

  async revokeExternalAccountKey(keyId: string, at: Date): Promise<AcmeExternalAccountKeyRecord | undefined> {
    const atMs = toEpochMs(at, 'at');
    const row = await this.db
      .updateTable('acme_external_account_keys')
      // Revoking again keeps the first time.
      .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(atMs)) }))
      .where('key_id', '=', keyId)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toKeyRecord(row);
  }
}

/** Claims an unbound, unrevoked key for the account; false if it is bound, revoked or unknown. */
async function bindKey(
  trx: Transaction<Database>,
  keyId: string,
  accountId: string,
  atMs: number,
): Promise<boolean> {
  const bound = await trx
    .updateTable('acme_external_account_keys')
    .set({ bound_account_id: accountId, bound_at: atMs })
    .where('key_id', '=', keyId)
    .where('bound_account_id', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('key_id')
    .executeTakeFirst();
  return bound !== undefined;
}

function accountRow(account: NewAcmeAccount, at: Date): AcmeAccountsTable {
  const atMs = toEpochMs(at, 'at');
  return {
    id: account.id,
    key_thumbprint: account.keyThumbprint,
    jwk: account.jwk,
    status: 'valid' satisfies AcmeAccountStatus,
    contact: JSON.stringify(account.contact),
    terms_of_service_agreed: account.termsOfServiceAgreed ? 1 : 0,
    external_account_key_id: account.externalAccountKeyId,
    created_at: atMs,
    updated_at: atMs,
  };
}

function accountConflict(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  return new PkiError('CONFLICT', 'an ACME account with this key or id exists already', { cause: error });
}

function keyUnusable(keyId: string, cause?: unknown): PkiError {
  return new PkiError('CONFLICT', `external account key '${keyId}' is unknown, revoked or already bound`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The types say so already; a status read from elsewhere (a cast, JSON) is refused rather than stored. */
function checkAccountStatus(status: AcmeAccountStatus): AcmeAccountStatus {
  if (!ACCOUNT_STATUSES.has(status))
    throw new PkiError('MALFORMED_INPUT', `unknown account status '${status}'`);
  return status;
}

function toAccountRecord(row: Selectable<AcmeAccountsTable>): AcmeAccountRecord {
  return {
    id: row.id,
    keyThumbprint: row.key_thumbprint,
    jwk: row.jwk,
    status: row.status as AcmeAccountStatus,
    contact: JSON.parse(row.contact) as string[],
    termsOfServiceAgreed: row.terms_of_service_agreed === 1,
    externalAccountKeyId: row.external_account_key_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toKeyRecord(row: Selectable<AcmeExternalAccountKeysTable>): AcmeExternalAccountKeyRecord {
  return {
    keyId: row.key_id,
    label: row.label,
    createdAt: new Date(row.created_at),
    boundAccountId: row.bound_account_id,
    boundAt: fromEpochMsOrNull(row.bound_at),
    revokedAt: fromEpochMsOrNull(row.revoked_at),
    identifierScope:
      row.identifier_scope === null ? null : (JSON.parse(row.identifier_scope) as AcmeIdentifierScope),
  };
}
