import type { Kysely, Selectable } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import { isIssuerId, isSerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { RenewalWindowRecord, RenewalWindows } from './acme-state.js';
import { chunkRows } from './bind-parameter-limit.js';
import { toEpochMs } from './epoch-ms.js';
import type { Database, RenewalWindowsTable } from './schema.js';

/** The columns one renewal_windows row binds. */
const PARAMETERS_PER_ROW = 7;

/**
 * Both engines. set is an upsert (INSERT … ON CONFLICT (issuer_id, serial) DO UPDATE) in statements that stay
 * under the bind parameter limit, all in one transaction, so an operator's change applies to every
 * certificate or to none.
 */
export class SqlRenewalWindows implements RenewalWindows {
  constructor(private readonly db: Kysely<Database>) {}

  /** RFC 9773 §4.2 suggestedWindow */
  async set(
    certificates: readonly { readonly issuerId: IssuerId; readonly serial: SerialHex }[],
    window: { readonly start: Date; readonly end: Date; readonly explanationUrl: string | null },
    setBy: string,
    at: Date,
  ): Promise<number> {
    const startMs = toEpochMs(window.start, 'the window start');
    const endMs = toEpochMs(window.end, 'the window end');
    if (endMs <= startMs) throw new PkiError('MALFORMED_INPUT', 'a renewal window must end after it starts');
    const setAtMs = toEpochMs(at, 'at');
    const rows = new Map<string, RenewalWindowsTable>();
    for (const { issuerId, serial } of certificates) {
      checkCertificate(issuerId, serial);
      // PostgreSQL refuses an upsert that meets the same key twice; the last mention wins, as it would apart.
      rows.set(`${issuerId} ${serial}`, {
        issuer_id: issuerId,
        serial,
        start_at: startMs,
        end_at: endMs,
        explanation_url: window.explanationUrl,
        set_at: setAtMs,
        set_by: setBy,
      });
    }
    if (rows.size === 0) return 0;
    const chunks = chunkRows([...rows.values()], PARAMETERS_PER_ROW);
    await this.db.transaction().execute(async (trx) => {
      for (const chunk of chunks) {
        await trx
          .insertInto('renewal_windows')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['issuer_id', 'serial']).doUpdateSet((eb) => ({
              start_at: eb.ref('excluded.start_at'),
              end_at: eb.ref('excluded.end_at'),
              explanation_url: eb.ref('excluded.explanation_url'),
              set_at: eb.ref('excluded.set_at'),
              set_by: eb.ref('excluded.set_by'),
            })),
          )
          .execute();
      }
    });
    return rows.size;
  }

  async get(issuerId: IssuerId, serial: SerialHex): Promise<RenewalWindowRecord | undefined> {
    const row = await this.db
      .selectFrom('renewal_windows')
      .selectAll()
      .where('issuer_id', '=', issuerId)
      .where('serial', '=', serial)
      .executeTakeFirst();
    return row === undefined ? undefined : toWindowRecord(row);
  }

  async clear(issuerId: IssuerId, serial: SerialHex): Promise<boolean> {
    const result = await this.db
      .deleteFrom('renewal_windows')
      .where('issuer_id', '=', issuerId)
      .where('serial', '=', serial)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

/** Keys compare as text: an upper-case serial would name a window no lookup finds. */
function checkCertificate(issuerId: string, serial: string): void {
  if (!isIssuerId(issuerId)) throw new PkiError('MALFORMED_INPUT', `'${issuerId}' is not an issuer id`);
  if (!isSerialHex(serial))
    throw new PkiError('MALFORMED_INPUT', `'${serial}' is not a lower-case hex serial`);
}

function toWindowRecord(row: Selectable<RenewalWindowsTable>): RenewalWindowRecord {
  return {
    issuerId: row.issuer_id as IssuerId,
    serial: row.serial as SerialHex,
    start: new Date(row.start_at),
    end: new Date(row.end_at),
    explanationUrl: row.explanation_url,
    setAt: new Date(row.set_at),
    setBy: row.set_by,
  };
}
