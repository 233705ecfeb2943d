import type { Kysely, Selectable, Updateable } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type {
  CmpHeldRequest,
  CmpTransactionChange,
  CmpTransactionRecord,
  CmpTransactions,
  CmpTransactionState,
  NewCmpTransaction,
} from './cmp-transactions.js';
import { concatDer, splitDer } from './der-concatenation.js';
import { toEpochMs, toPlainBytes } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type { CmpTransactionsTable, Database } from './schema.js';
import { isUniqueViolation } from './store-errors.js';

type CmpTransactionRow = Selectable<CmpTransactionsTable>;

const STATES: ReadonlySet<string> = new Set<CmpTransactionState>([
  'awaiting-confirmation',
  'waiting-approval',
  'closed',
]);
const OPEN_STATES: readonly CmpTransactionState[] = ['awaiting-confirmation', 'waiting-approval'];
/** Lower-case hex of at least one octet: the key compares as text, so `AB01` would never find `ab01`. */
const TRANSACTION_ID_HEX = /^(?:[0-9a-f]{2})+$/;

/**
 * Both engines. `advance` is one UPDATE … WHERE transaction_id = ? AND state = ? AND server_nonce = ?
 * RETURNING *: the database changes the row for at most one of two concurrent copies of a message, on any
 * number of nodes (PostgreSQL re-checks the WHERE on the row the winner committed; SQLite runs one writer at
 * a time), and the loser changes nothing and gets undefined. `begin` relies on the primary key: a reused
 * transactionID is a unique violation, turned into CONFLICT.
 */
export class SqlCmpTransactions implements CmpTransactions {
  constructor(private readonly db: Kysely<Database>) {}

  async begin(transaction: NewCmpTransaction, at: Date): Promise<CmpTransactionRecord> {
    const atMs = toEpochMs(at, 'at');
    const row: CmpTransactionRow = {
      transaction_id: checkTransactionId(transaction.transactionId),
      sender: transaction.sender,
      state: checkState(transaction.state),
      server_nonce: transaction.serverNonce,
      request_type: transaction.requestType,
      label: transaction.label,
      cert_req_id: checkCertReqId(transaction.certReqId),
      ...certificateColumns(transaction.certificate),
      ...heldColumns(transaction.held),
      created_at: atMs,
      updated_at: atMs,
      expires_at: toEpochMs(transaction.expiresAt, 'expiresAt'),
    };
    try {
      await this.db.insertInto('cmp_transactions').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `CMP transaction ${transaction.transactionId} exists already`, {
          cause: error,
        });
      }
      throw error;
    }
    return toCmpTransactionRecord(row);
  }

  async get(transactionId: string): Promise<CmpTransactionRecord | undefined> {
    const row = await this.db
      .selectFrom('cmp_transactions')
      .selectAll()
      .where('transaction_id', '=', transactionId)
      .executeTakeFirst();
    return row === undefined ? undefined : toCmpTransactionRecord(row);
  }

  async advance(
    transactionId: string,
    expected: { readonly state: CmpTransactionState; readonly serverNonce: Uint8Array },
    change: CmpTransactionChange,
    at: Date,
  ): Promise<CmpTransactionRecord | undefined> {
    const values: Updateable<CmpTransactionsTable> = {
      state: checkState(change.state),
      server_nonce: change.serverNonce,
      // Left out of the change, left as they are.
      ...(change.certificate === undefined ? {} : certificateColumns(change.certificate)),
      ...(change.held === undefined ? {} : heldColumns(change.held)),
      updated_at: toEpochMs(at, 'at'),
      expires_at: toEpochMs(change.expiresAt, 'expiresAt'),
    };
    const row = await this.db
      .updateTable('cmp_transactions')
      .set(values)
      .where('transaction_id', '=', transactionId)
      .where('state', '=', expected.state)
      .where('server_nonce', '=', expected.serverNonce)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toCmpTransactionRecord(row);
  }

  async listExpiredOpen(at: Date, limit: number): Promise<readonly CmpTransactionRecord[]> {
    // cmp_transactions_state_expires_at_idx: one range per open state.
    const rows = await this.db
      .selectFrom('cmp_transactions')
      .selectAll()
      .where('state', 'in', OPEN_STATES)
      .where('expires_at', '<=', toEpochMs(at, 'at'))
      .orderBy('expires_at')
      .orderBy('transaction_id')
      .limit(pageLimit(limit))
      .execute();
    return rows.map(toCmpTransactionRecord);
  }

  async purgeClosed(at: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('cmp_transactions')
      .where('state', '=', 'closed' satisfies CmpTransactionState)
      .where('expires_at', '<=', toEpochMs(at, 'at'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function checkTransactionId(transactionId: string): string {
  if (!TRANSACTION_ID_HEX.test(transactionId)) {
    throw new PkiError('MALFORMED_INPUT', 'a CMP transactionID is kept as lower-case hex of its octets');
  }
  return transactionId;
}

/** The types say so already; a state read from elsewhere (a cast, JSON) is refused rather than stored. */
function checkState(state: CmpTransactionState): CmpTransactionState {
  if (!STATES.has(state)) throw new PkiError('MALFORMED_INPUT', `unknown CMP transaction state '${state}'`);
  return state;
}

/** RFC 4211 §5 certReqId is an INTEGER: 0 for one request, -1 for a p10cr (RFC 9483 §4.1.4). */
function checkCertReqId(certReqId: number): number {
  if (!Number.isSafeInteger(certReqId)) throw new PkiError('MALFORMED_INPUT', 'certReqId is not an integer');
  return certReqId;
}

function certificateColumns(
  certificate: CmpTransactionRecord['certificate'],
): Pick<CmpTransactionRow, 'certificate_issuer_id' | 'certificate_serial'> {
  return {
    certificate_issuer_id: certificate?.issuerId ?? null,
    certificate_serial: certificate?.serial ?? null,
  };
}

function heldColumns(
  held: CmpHeldRequest | null,
): Pick<CmpTransactionRow, 'held_request_der' | 'held_credential_chain'> {
  if (held === null) return { held_request_der: null, held_credential_chain: null };
  return {
    held_request_der: held.requestDer,
    // MAC protection has no chain: null rather than zero bytes, which the drivers may not keep apart from null.
    held_credential_chain: held.credentialChain.length === 0 ? null : concatDer(held.credentialChain),
  };
}

function toCmpTransactionRecord(row: CmpTransactionRow): CmpTransactionRecord {
  return {
    transactionId: row.transaction_id,
    sender: row.sender,
    state: row.state as CmpTransactionState,
    serverNonce: toPlainBytes(row.server_nonce),
    requestType: row.request_type,
    label: row.label,
    certReqId: row.cert_req_id,
    certificate:
      row.certificate_issuer_id === null || row.certificate_serial === null
        ? null
        : {
            issuerId: row.certificate_issuer_id as IssuerId,
            serial: row.certificate_serial as SerialHex,
          },
    held:
      row.held_request_der === null
        ? null
        : {
            requestDer: toPlainBytes(row.held_request_der),
            credentialChain:
              row.held_credential_chain === null ? [] : splitDer(toPlainBytes(row.held_credential_chain)),
          },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    expiresAt: new Date(row.expires_at),
  };
}
