import type { Kysely } from 'kysely';
import type { AcmeNonces } from './acme-state.js';
import { toEpochMs } from './epoch-ms.js';
import type { Database } from './schema.js';

/**
 * Both engines. consume is one INSERT … ON CONFLICT DO NOTHING RETURNING: the primary key decides, so of any
 * number of concurrent uses of one nonce, on any number of nodes, exactly one inserts the row and gets it back.
 */
export class SqlAcmeNonces implements AcmeNonces {
  constructor(private readonly db: Kysely<Database>) {}

  /** RFC 8555 §6.5.2 */
  async consume(nonce: string, expiresAt: Date): Promise<boolean> {
    const inserted = await this.db
      .insertInto('acme_nonces')
      .values({ nonce, expires_at: toEpochMs(expiresAt, 'expiresAt') })
      .onConflict((oc) => oc.column('nonce').doNothing())
      .returning('nonce')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /**
   * Deletes the nonces whose expiry is at or before `at`. A node whose clock lags would still accept such a
   * nonce by its own expiry: callers pass their clock minus the skew they tolerate.
   */
  async purgeExpired(at: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('acme_nonces')
      .where('expires_at', '<=', toEpochMs(at, 'at'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
