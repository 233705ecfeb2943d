import type { Kysely } from 'kysely';
import type { AcmeNonces } from './acme-state.js';
import { toEpochMs } from './epoch-ms.js';
import type { Database } from './schema.js';
import { PkiError } from '../core/pki-error.js';

/** Two bound parameters a row: far below every engine's limit (bind-parameter-limit.ts). */
export const MAX_BATCH = 1000;

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
   * Consumes several nonces in one statement (one transaction, one fsync): for each, whether this call was its
   * first use. A nonce twice in `nonces` counts once, for its first occurrence. At most 1000 per call.
   */
  async consumeMany(
    nonces: readonly { readonly nonce: string; readonly expiresAt: Date }[],
  ): Promise<boolean[]> {
    if (nonces.length === 0) return [];
    if (nonces.length > MAX_BATCH) throw new PkiError('INTERNAL', `at most ${MAX_BATCH} nonces per call`);
    const rows = nonces.map(({ nonce, expiresAt }) => ({
      nonce,
      expires_at: toEpochMs(expiresAt, 'expiresAt'),
    }));
    const inserted = new Set(
      (
        await this.db
          .insertInto('acme_nonces')
          .values(rows)
          .onConflict((oc) => oc.column('nonce').doNothing())
          .returning('nonce')
          .execute()
      ).map((row) => row.nonce),
    );
    return nonces.map(({ nonce }) => inserted.delete(nonce));
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
