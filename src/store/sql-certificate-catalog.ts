import { sql } from 'kysely';
import type { ExpressionBuilder, ExpressionWrapper, Kysely, SqlBool } from 'kysely';
import type { IssuerId } from '../core/ids.js';
import type { CertificateCatalog, CertificatePageQuery } from './certificate-catalog.js';
import { toCertificateRecord } from './certificate-row.js';
import { toEpochMs } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { CertificateRecord } from './records.js';
import type { Database } from './schema.js';

/**
 * Both engines. No index of its own (each one costs every issuance a B-tree insert): a device's certificates
 * come from certificates_device_id_spki_sha256_idx and are few; the other filters walk certificates_not_after_idx
 * in the page's order from the key on, which the row-value comparison lets both engines seek to.
 */
export class SqlCertificateCatalog implements CertificateCatalog {
  constructor(private readonly db: Kysely<Database>) {}

  async page(query: CertificatePageQuery): Promise<readonly CertificateRecord[]> {
    const rows = await this.db
      .selectFrom('certificates')
      .selectAll()
      .where((eb) => eb.and(filters(eb, query)))
      .orderBy('not_after')
      .orderBy('serial')
      .orderBy('issuer_id')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toCertificateRecord);
  }

  /**
   * A range of certificates_not_after_idx from `now` on (the certificates not yet expired), status filtered on
   * the way, grouped by issuer: it reads every certificate in force, a million at a million devices, which is
   * why the admin API caches the answer (issuer-dependents.ts).
   */
  async countInForceByIssuer(now: Date): Promise<ReadonlyMap<IssuerId, number>> {
    const rows = await this.db
      .selectFrom('certificates')
      .select(['issuer_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('not_after', '>', toEpochMs(now, 'now'))
      .where('status', '=', 'issued')
      .groupBy('issuer_id')
      .execute();
    return new Map(rows.map((row) => [row.issuer_id as IssuerId, Number(row.n)]));
  }
}

function filters(
  eb: ExpressionBuilder<Database, 'certificates'>,
  query: CertificatePageQuery,
): Array<ExpressionWrapper<Database, 'certificates', SqlBool>> {
  const where: Array<ExpressionWrapper<Database, 'certificates', SqlBool>> = [];
  if (query.issuerId !== undefined) where.push(eb('issuer_id', '=', query.issuerId));
  if (query.profile !== undefined) where.push(eb('profile', '=', query.profile));
  if (query.deviceId !== undefined) where.push(eb('device_id', '=', query.deviceId));
  if (query.status !== undefined) where.push(eb('status', '=', query.status));
  if (query.after !== undefined) {
    const { notAfter, serial, issuerId } = query.after;
    const afterKey = sql<SqlBool>`(not_after, serial, issuer_id) > (${toEpochMs(notAfter, 'after.notAfter')}, ${serial}, ${issuerId})`;
    where.push(eb.and([afterKey]));
  }
  return where;
}
