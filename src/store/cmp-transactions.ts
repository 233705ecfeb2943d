import type { IssuerId, SerialHex } from '../core/ids.js';

/**
 * Where a CMP transaction stands (RFC 9810 §5.1.1 transactionID; RFC 9483 §4.1 confirmation, §4.4 polling):
 * - `awaiting-confirmation`: a certificate was issued and the client has not yet sent certConf;
 * - `waiting-approval`: the request is held for an operator and the client polls (pollReq);
 * - `closed`: nothing more is expected. A closed transaction is kept until `expiresAt`, so its transactionID
 *   cannot be used again while a replay of its messages would still pass the messageTime check.
 */
export type CmpTransactionState = 'awaiting-confirmation' | 'waiting-approval' | 'closed';

export interface CmpTransactionRecord {
  /** Lower-case hex of the transactionID octets. */
  readonly transactionId: string;
  /**
   * Who the transaction belongs to, as the front end authenticated the first message: `mac:<senderKID>` or
   * `signature:<SHA-256 hex of the protection certificate>`. Later messages must come from the same sender.
   */
  readonly sender: string;
  readonly state: CmpTransactionState;
  /** Our last senderNonce: the client's next message must carry it as recipNonce. */
  readonly serverNonce: Uint8Array;
  /** The body type that opened it (`ir`, `cr`, `kur`, `p10cr`, `rr`, `genm`). */
  readonly requestType: string;
  /** The CMP label (`/.well-known/cmp/p/<label>`) it came in under. */
  readonly label: string;
  readonly certReqId: number;
  /** The certificate issued and not yet confirmed (awaiting-confirmation; kept after closing). */
  readonly certificate: { readonly issuerId: IssuerId; readonly serial: SerialHex } | null;
  /** What a held request needs to be submitted again when the client polls (waiting-approval). */
  readonly held: CmpHeldRequest | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** After this the transaction may be purged; an `awaiting-confirmation` one past it is unconfirmed. */
  readonly expiresAt: Date;
}

export interface CmpHeldRequest {
  /** The request as received: the CertReqMsg DER (ir/cr/kur) or the PKCS#10 DER (p10cr). */
  readonly requestDer: Uint8Array;
  /** The DER certificates the client authenticated with (leaf first), empty for MAC protection. */
  readonly credentialChain: readonly Uint8Array[];
}

export interface NewCmpTransaction {
  readonly transactionId: string;
  readonly sender: string;
  readonly state: CmpTransactionState;
  readonly serverNonce: Uint8Array;
  readonly requestType: string;
  readonly label: string;
  readonly certReqId: number;
  readonly certificate: { readonly issuerId: IssuerId; readonly serial: SerialHex } | null;
  readonly held: CmpHeldRequest | null;
  readonly expiresAt: Date;
}

/** The change {@link CmpTransactions.advance} makes; fields left out keep their value. */
export interface CmpTransactionChange {
  readonly state: CmpTransactionState;
  readonly serverNonce: Uint8Array;
  readonly certificate?: { readonly issuerId: IssuerId; readonly serial: SerialHex } | null;
  readonly held?: CmpHeldRequest | null;
  readonly expiresAt: Date;
}

/**
 * CMP transaction state, shared by every node (a client's certConf or pollReq may reach another node than its
 * ir). Each transition is a compare-and-set on (state, serverNonce), so of two copies of the same message
 * (a replay, or a client retrying on two connections) exactly one advances the transaction.
 */
export interface CmpTransactions {
  /** Records a new transaction; CONFLICT if the transactionID is known (in any state, until purged). */
  begin(transaction: NewCmpTransaction, at: Date): Promise<CmpTransactionRecord>;
  get(transactionId: string): Promise<CmpTransactionRecord | undefined>;
  /**
   * Moves the transaction on if it is still in `expected.state` with `expected.serverNonce`; returns the
   * updated record, or undefined when another message got there first (or the transaction is unknown).
   */
  advance(
    transactionId: string,
    expected: { readonly state: CmpTransactionState; readonly serverNonce: Uint8Array },
    change: CmpTransactionChange,
    at: Date,
  ): Promise<CmpTransactionRecord | undefined>;
  /**
   * Open transactions (`awaiting-confirmation` or `waiting-approval`) whose `expiresAt` is at or before `at`,
   * oldest first, at most `limit`: certificates nobody confirmed, held requests nobody polls for.
   */
  listExpiredOpen(at: Date, limit: number): Promise<readonly CmpTransactionRecord[]>;
  /** Deletes closed transactions whose `expiresAt` is at or before `at`; returns how many. */
  purgeClosed(at: Date): Promise<number>;
}
