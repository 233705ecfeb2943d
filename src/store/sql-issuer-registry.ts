import type { Insertable, Kysely, Selectable } from 'kysely';
import type { IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { IssuerRegistry } from './issuer-registry.js';
import { toEpochMs, toPlainBytes } from './epoch-ms.js';
import type { IssuerRecord, IssuerRole, IssuerStatus } from './records.js';
import type { Database, IssuersTable } from './schema.js';
import { isForeignKeyViolation, isUniqueViolation } from './store-errors.js';

export class SqlIssuerRegistry implements IssuerRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  async add(issuer: IssuerRecord): Promise<void> {
    try {
      await this.db.insertInto('issuers').values(toIssuerRow(issuer)).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `issuer '${issuer.id}' already exists`, { cause: error });
      }
      if (isForeignKeyViolation(error)) {
        throw new PkiError('NOT_FOUND', `parent issuer '${issuer.parentId ?? ''}' is not registered`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async get(id: IssuerId): Promise<IssuerRecord | undefined> {
    const row = await this.db.selectFrom('issuers').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toIssuerRecord(row);
  }

  /** Oldest first, so a root precedes the intermediates it signed. */
  async list(): Promise<readonly IssuerRecord[]> {
    const rows = await this.db
      .selectFrom('issuers')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toIssuerRecord);
  }

  async setStatus(id: IssuerId, status: IssuerStatus): Promise<void> {
    const result = await this.db
      .updateTable('issuers')
      .set({ status })
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new PkiError('NOT_FOUND', `issuer '${id}' is not registered`);
  }
}

function toIssuerRow(issuer: IssuerRecord): Insertable<IssuersTable> {
  return {
    id: issuer.id,
    role: issuer.role,
    parent_id: issuer.parentId,
    subject: issuer.subject,
    certificate_der: issuer.certificateDer,
    key_uri: issuer.keyUri,
    key_algorithm: issuer.keyAlgorithm,
    not_before: toEpochMs(issuer.notBefore, 'notBefore'),
    not_after: toEpochMs(issuer.notAfter, 'notAfter'),
    subject_key_id_hex: issuer.subjectKeyIdHex,
    fingerprint_sha256: issuer.fingerprintSha256,
    status: issuer.status,
    created_at: toEpochMs(issuer.createdAt, 'createdAt'),
  };
}

function toIssuerRecord(row: Selectable<IssuersTable>): IssuerRecord {
  return {
    id: row.id as IssuerId,
    role: row.role as IssuerRole,
    parentId: row.parent_id as IssuerId | null,
    subject: row.subject,
    certificateDer: toPlainBytes(row.certificate_der),
    keyUri: row.key_uri,
    keyAlgorithm: row.key_algorithm,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    subjectKeyIdHex: row.subject_key_id_hex,
    fingerprintSha256: row.fingerprint_sha256,
    status: row.status as IssuerStatus,
    createdAt: new Date(row.created_at),
  };
}
