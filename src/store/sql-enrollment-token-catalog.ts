import { sql } from 'kysely';
import type { Kysely, Selectable, SqlBool } from 'kysely';
import type { DeviceId } from '../core/ids.js';
import type {
  EnrollmentTokenCatalog,
  EnrollmentTokenPageQuery,
  VoidOutcome,
} from './enrollment-token-catalog.js';
import type { EnrollmentTokenRecord } from './enrollment-tokens.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { Database, EnrollmentTokensTable } from './schema.js';

/**
 * Both engines. Pages walk enrollment_tokens_created_at_id_idx (migration 0007) backwards from the key, or a
 * device's few tokens through enrollment_tokens_device_id_idx. voidToken is one conditional UPDATE, so a
 * token being consumed at the same moment is either used or voided, never both.
 */
export class SqlEnrollmentTokenCatalog implements EnrollmentTokenCatalog {
  constructor(private readonly db: Kysely<Database>) {}

  async page(query: EnrollmentTokenPageQuery): Promise<readonly EnrollmentTokenRecord[]> {
    let select = this.db.selectFrom('enrollment_tokens').selectAll();
    if (query.deviceId !== undefined) select = select.where('device_id', '=', query.deviceId);
    if (query.usableAt !== undefined) {
      const atMs = toEpochMs(query.usableAt, 'usableAt');
      select = select
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .where('expires_at', '>', atMs);
    }
    if (query.before !== undefined) {
      const createdAt = toEpochMs(query.before.createdAt, 'before.createdAt');
      select = select.where(sql<SqlBool>`(created_at, id) < (${createdAt}, ${query.before.id})`);
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toTokenRecord);
  }

  async get(id: string): Promise<EnrollmentTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toTokenRecord(row);
  }

  async voidToken(
    id: string,
    at: Date,
  ): Promise<{ readonly outcome: VoidOutcome; readonly token: EnrollmentTokenRecord } | undefined> {
    const row = await this.db
      .updateTable('enrollment_tokens')
      .set({ voided_at: toEpochMs(at, 'at') })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return { outcome: 'voided', token: toTokenRecord(row) };
    const token = await this.get(id);
    if (token === undefined) return undefined;
    return { outcome: token.usedAt === null ? 'already-voided' : 'used', token };
  }
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
