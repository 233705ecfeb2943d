import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { DeviceId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type {
  EnrollmentTokenQuery,
  EnrollmentTokenRecord,
  EnrollmentTokens,
  NewEnrollmentToken,
} from './enrollment-tokens.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { Database, EnrollmentTokensTable } from './schema.js';
import { checkSha256Hex } from './sha256-hex.js';
import { isUniqueViolation } from './store-errors.js';

/**
 * Both engines. consume is one conditional `UPDATE … WHERE <usable> RETURNING`: the database evaluates the
 * condition under the row's write lock (SQLite's database lock; PostgreSQL re-checks it on the row version the
 * winner committed), so of any number of concurrent consumers, on any number of nodes, exactly one gets a row.
 */
export class SqlEnrollmentTokens implements EnrollmentTokens {
  constructor(private readonly db: Kysely<Database>) {}

  async create(token: NewEnrollmentToken, at: Date): Promise<EnrollmentTokenRecord> {
    const row: EnrollmentTokensTable = {
      id: token.id,
      secret_sha256: checkSha256Hex(token.secretSha256, 'the token secret hash'),
      device_id: token.deviceId,
      profile: token.profile,
      label: token.label,
      created_by: token.createdBy,
      created_at: toEpochMs(at, 'at'),
      expires_at: toEpochMs(token.expiresAt, 'expiresAt'),
      used_at: null,
      voided_at: null,
    };
    try {
      await this.db.insertInto('enrollment_tokens').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `enrollment token '${token.id}' or its secret exists already`, {
          cause: error,
        });
      }
      throw error;
    }
    return toTokenRecord(row);
  }

  async findUsable(secretSha256: string, at: Date): Promise<EnrollmentTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .where('secret_sha256', '=', checkSha256Hex(secretSha256, 'the token secret hash'))
      .where((eb) => usableAt(eb, toEpochMs(at, 'at')))
      .executeTakeFirst();
    return row === undefined ? undefined : toTokenRecord(row);
  }

  async consume(secretSha256: string, at: Date): Promise<EnrollmentTokenRecord | undefined> {
    const atMs = toEpochMs(at, 'at');
    const row = await this.db
      .updateTable('enrollment_tokens')
      .set({ used_at: atMs })
      .where('secret_sha256', '=', checkSha256Hex(secretSha256, 'the token secret hash'))
      .where((eb) => usableAt(eb, atMs))
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toTokenRecord(row);
  }

  async voidForDevice(deviceId: DeviceId, at: Date): Promise<number> {
    const atMs = toEpochMs(at, 'at');
    const { numUpdatedRows } = await this.db
      .updateTable('enrollment_tokens')
      .set({ voided_at: atMs })
      .where('device_id', '=', deviceId)
      .where((eb) => usableAt(eb, atMs))
      .executeTakeFirst();
    return Number(numUpdatedRows);
  }

  async list(query: EnrollmentTokenQuery): Promise<readonly EnrollmentTokenRecord[]> {
    let select = this.db.selectFrom('enrollment_tokens').selectAll();
    if (query.deviceId !== undefined) select = select.where('device_id', '=', query.deviceId);
    if (query.usableAt !== undefined) {
      const atMs = toEpochMs(query.usableAt, 'usableAt');
      select = select.where((eb) => usableAt(eb, atMs));
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toTokenRecord);
  }
}

/** Unused, not voided, and `at` is before the expiry (a token is expired from its expiresAt on). */
function usableAt(eb: ExpressionBuilder<Database, 'enrollment_tokens'>, atMs: number) {
  return eb.and([eb('used_at', 'is', null), eb('voided_at', 'is', null), eb('expires_at', '>', atMs)]);
}

function toTokenRecord(row: Selectable<EnrollmentTokensTable>): EnrollmentTokenRecord {
  return {
    id: row.id,
    deviceId: row.device_id as DeviceId,
    profile: row.profile,
    label: row.label,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    usedAt: fromEpochMsOrNull(row.used_at),
    voidedAt: fromEpochMsOrNull(row.voided_at),
  };
}
