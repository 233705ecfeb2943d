import type { ExpressionBuilder, ExpressionWrapper, Kysely, SqlBool } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import type { CertificateQuery, CertificateReader } from './certificate-reader.js';
import { toCertificateRecord } from './certificate-row.js';
import { toEpochMs } from './epoch-ms.js';
import { pageLimit, pageOffset } from './page-limit.js';
import type { CertificateRecord } from './records.js';
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
