import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { AcmeAuthorizationStatus, AcmeOrderStatus, ProblemJson } from './acme-state.js';
import type { Database } from './schema.js';

/**
 * What a change of an authorization does to the orders holding it (RFC 8555 §7.1.6), inside the transaction
 * that changed it (SqlAcmeOrders), so a client never sees a valid challenge with its order still pending
 * (PROTOCOLS.md §3.7 pitfall 2).
 *
 * An order becomes ready from the statuses of all its authorizations, which other transactions may be
 * changing: two authorizations of one order completing at once on PostgreSQL (READ COMMITTED) would each see
 * the other still pending, and the order would never become ready. So readyOrders first locks the order rows
 * with a no-op UPDATE; the second transaction waits for the first to commit, and its next statement reads the
 * first's authorization as valid. On SQLite the transactions run one at a time anyway.
 */

/** The ids of the orders holding the authorization, as a subquery. */
function holdersOf(trx: Transaction<Database>, authorizationId: string) {
  return trx
    .selectFrom('acme_order_authorizations')
    .select('order_id')
    .where('authorization_id', '=', authorizationId);
}

/** The pending orders holding a newly valid authorization → ready, those whose authorizations all are valid. */
export async function readyOrders(
  trx: Transaction<Database>,
  authorizationId: string,
  atMs: number,
): Promise<void> {
  // The lock (see the module comment): a no-op write to each order that may move.
  const locked = await trx
    .updateTable('acme_orders')
    .set({ status: 'pending' satisfies AcmeOrderStatus })
    .where('status', '=', 'pending' satisfies AcmeOrderStatus)
    .where('id', 'in', holdersOf(trx, authorizationId))
    .returning('id')
    .execute();
  if (locked.length === 0) return;
  await trx
    .updateTable('acme_orders')
    .set({ status: 'ready' satisfies AcmeOrderStatus, updated_at: atMs })
    .where(
      'id',
      'in',
      locked.map((order) => order.id),
    )
    .where('status', '=', 'pending' satisfies AcmeOrderStatus)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('acme_order_authorizations')
            .innerJoin(
              'acme_authorizations',
              'acme_authorizations.id',
              'acme_order_authorizations.authorization_id',
            )
            .select(sql.lit(1).as('one'))
            .whereRef('acme_order_authorizations.order_id', '=', 'acme_orders.id')
            .where('acme_authorizations.status', '<>', 'valid' satisfies AcmeAuthorizationStatus),
        ),
      ),
    )
    .execute();
}

/** The orders holding the authorization whose status is in `from` → invalid, with `error`. */
export async function invalidateOrders(
  trx: Transaction<Database>,
  authorizationId: string,
  from: readonly AcmeOrderStatus[],
  error: ProblemJson | null,
  atMs: number,
): Promise<void> {
  await trx
    .updateTable('acme_orders')
    .set({ status: 'invalid' satisfies AcmeOrderStatus, error, updated_at: atMs })
    .where('status', 'in', from)
    .where('id', 'in', holdersOf(trx, authorizationId))
    .execute();
}
