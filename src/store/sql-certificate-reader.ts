import { sql } from 'kysely';
import type { ExpressionBuilder, ExpressionWrapper, Kysely, NotNull, SqlBool } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import type {
  CertificateQuery,
  CertificateReader,
  CertificateStatusRecord,
  IssuedWithoutDeviceQuery,
  RevokedCertificate,
} from './certificate-reader.js';
import { toCertificateRecord } from './certificate-row.js';
import { fromEpochMsOrNull, toEpochMs } from './epoch-ms.js';
import { pageLimit, pageOffset } from './page-limit.js';
import type { CertificateRecord, CertificateStatus, RevocationReason } from './records.js';
import type { Database } from './schema.js';

type CertificateFilter = Omit<CertificateQuery, 'limit' | 'offset'>;

export class SqlCertificateReader implements CertificateReader {
  constructor(private readonly db: Kysely<Database>) {}

  async get(issuerId: IssuerId, serial: SerialHex): Promise<CertificateRecord | undefined> {
    const row = await this.db
      .selectFrom('certificates')
      .selectAll()
      .where('issuer_id', '=', issuerId)
      .where('serial', '=', serial)
      .executeTakeFirst();
    return row === undefined ? undefined : toCertificateRecord(row);
  }

  async status(issuerId: IssuerId, serial: SerialHex): Promise<CertificateStatusRecord | undefined> {
    const row = await this.db
      .selectFrom('certificates')
      .select(['status', 'revoked_at', 'revocation_reason'])
      .where('issuer_id', '=', issuerId)
      .where('serial', '=', serial)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          status: row.status as CertificateStatus,
          revokedAt: fromEpochMsOrNull(row.revoked_at),
          revocationReason: row.revocation_reason as RevocationReason | null,
        };
  }

  async findBySerial(serial: SerialHex): Promise<readonly CertificateRecord[]> {
    const rows = await this.db
      .selectFrom('certificates')
      .selectAll()
      .where('serial', '=', serial)
      .orderBy('issuer_id')
      .execute();
    return rows.map(toCertificateRecord);
  }

  async list(query: CertificateQuery): Promise<readonly CertificateRecord[]> {
    const rows = await this.db
      .selectFrom('certificates')
      .selectAll()
      .where((eb) => eb.and(certificateFilters(eb, query)))
      .orderBy('not_after')
      .orderBy('serial')
      .orderBy('issuer_id')
      .limit(pageLimit(query.limit))
      .offset(pageOffset(query.offset))
      .execute();
    return rows.map(toCertificateRecord);
  }

  async count(query: CertificateFilter): Promise<number> {
    const row = await this.db
      .selectFrom('certificates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.and(certificateFilters(eb, query)))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Served by the partial index certificates_issuer_id_not_after_revoked_idx (migration 0003): the query names
   * its predicate, `revoked_at is not null`, word for word, which is how SQLite (and PostgreSQL's generic
   * plans) know the index holds every row it needs. Not paged: a CRL lists them all.
   */
  async listRevoked(
    issuerId: IssuerId,
    options: { readonly notAfterFrom: Date; readonly revokedSince?: Date },
  ): Promise<readonly RevokedCertificate[]> {
    let query = this.db
      .selectFrom('certificates')
      .select(['serial', 'revoked_at', 'revocation_reason', 'invalidity_date'])
      .where('issuer_id', '=', issuerId)
      .where('revoked_at', 'is not', null)
      .where('status', '=', sql.lit('revoked'))
      .where('not_after', '>=', toEpochMs(options.notAfterFrom, 'notAfterFrom'))
      // A revocation sets the time and the reason together (RevocationRecorder).
      .$narrowType<{ revoked_at: NotNull; revocation_reason: NotNull }>();
    if (options.revokedSince !== undefined) {
      query = query.where('revoked_at', '>=', toEpochMs(options.revokedSince, 'revokedSince'));
    }
    const rows = await query.orderBy('serial').execute();
    return rows.map((row) => ({
      serial: row.serial as SerialHex,
      revokedAt: new Date(row.revoked_at),
      reason: row.revocation_reason as RevocationReason,
      invalidityDate: fromEpochMsOrNull(row.invalidity_date),
    }));
  }

  /**
   * Served by certificates_device_id_spki_sha256_idx (migration 0001): `device_id is null` is the leading
   * column's range of certificates without a device, a few per service or signer, whatever the fleet's size;
   * profile, status and notAfter are filtered on the way and the few rows sorted.
   */
  async listIssuedWithoutDevice(query: IssuedWithoutDeviceQuery): Promise<readonly CertificateRecord[]> {
    const validAt = toEpochMs(query.validAt, 'validAt');
    const rows = await this.db
      .selectFrom('certificates')
      .selectAll()
      .where('device_id', 'is', null)
      .where('profile', '=', query.profile)
      .where('status', '=', 'issued' satisfies CertificateStatus)
      .where('not_after', '>=', validAt)
      .orderBy('not_after')
      .orderBy('serial')
      .orderBy('issuer_id')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toCertificateRecord);
  }
}

function certificateFilters(
  eb: ExpressionBuilder<Database, 'certificates'>,
  query: CertificateFilter,
): ExpressionWrapper<Database, 'certificates', SqlBool>[] {
  const filters: ExpressionWrapper<Database, 'certificates', SqlBool>[] = [];
  if (query.issuerId !== undefined) filters.push(eb('issuer_id', '=', query.issuerId));
  if (query.profile !== undefined) filters.push(eb('profile', '=', query.profile));
  if (query.deviceId !== undefined) filters.push(eb('device_id', '=', query.deviceId));
  if (query.status !== undefined) filters.push(eb('status', '=', query.status));
  if (query.notAfterFrom !== undefined) {
    filters.push(eb('not_after', '>=', toEpochMs(query.notAfterFrom, 'notAfterFrom')));
  }
  if (query.notAfterBefore !== undefined) {
    filters.push(eb('not_after', '<', toEpochMs(query.notAfterBefore, 'notAfterBefore')));
  }
  return filters;
}
