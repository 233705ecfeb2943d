import type { Kysely, Selectable } from 'kysely';
import type { IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { CrlRecord, CrlStore } from './crl-store.js';
import { toEpochMs, toPlainBytes } from './epoch-ms.js';
import type { CrlsTable, Database } from './schema.js';
import { isForeignKeyViolation, isUniqueViolation } from './store-errors.js';

/** Both engines. Every query is a range of the primary key (issuer_id, crl_number); no other index. */
export class SqlCrlStore implements CrlStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Walks the issuer's CRLs down from the highest number to the first of the kind. */
  async latest(issuerId: IssuerId, kind: 'full' | 'delta'): Promise<CrlRecord | undefined> {
    const row = await this.db
      .selectFrom('crls')
      .selectAll()
      .where('issuer_id', '=', issuerId)
      .where('base_crl_number', kind === 'full' ? 'is' : 'is not', null)
      .orderBy('crl_number', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toCrlRecord(row);
  }

  async highestNumber(issuerId: IssuerId): Promise<number> {
    const row = await this.db
      .selectFrom('crls')
      .select((eb) => eb.fn.max('crl_number').as('highest'))
      .where('issuer_id', '=', issuerId)
      .executeTakeFirst();
    return row?.highest === null || row?.highest === undefined ? 0 : Number(row.highest);
  }

  async add(crl: CrlRecord): Promise<void> {
    try {
      await this.db.insertInto('crls').values(toCrlRow(crl)).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `CRL number ${crl.crlNumber} of issuer '${crl.issuerId}' is taken`, {
          cause: error,
          details: { issuerId: crl.issuerId, crlNumber: crl.crlNumber },
        });
      }
      if (isForeignKeyViolation(error)) {
        throw new PkiError('NOT_FOUND', `issuer '${crl.issuerId}' is not registered`, { cause: error });
      }
      throw error;
    }
  }
}

function toCrlRow(crl: CrlRecord): CrlsTable {
  return {
    issuer_id: crl.issuerId,
    crl_number: crlNumber(crl.crlNumber, 'crlNumber'),
    this_update: toEpochMs(crl.thisUpdate, 'thisUpdate'),
    next_update: toEpochMs(crl.nextUpdate, 'nextUpdate'),
    der: crl.der,
    base_crl_number: crl.baseCrlNumber === null ? null : crlNumber(crl.baseCrlNumber, 'baseCrlNumber'),
  };
}

/** RFC 5280 §5.2.3: a non-negative integer; the store keeps those a JavaScript number holds exactly. */
function crlNumber(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PkiError('MALFORMED_INPUT', `${what} is not a non-negative integer`);
  }
  return value;
}

function toCrlRecord(row: Selectable<CrlsTable>): CrlRecord {
  return {
    issuerId: row.issuer_id as IssuerId,
    crlNumber: row.crl_number,
    thisUpdate: new Date(row.this_update),
    nextUpdate: new Date(row.next_update),
    der: toPlainBytes(row.der),
    baseCrlNumber: row.base_crl_number,
  };
}
