/**
 * The SQLite ledger's own thread. better-sqlite3 is synchronous: a ledger transaction (hundreds of row writes
 * and an fsync) would otherwise stop the event loop that serves requests and prepares certificates; here it
 * stops only this thread. It runs SqliteCertificateLedger on its own connection to the same file: WAL lets the
 * main thread keep reading, and SQLite's write lock serializes the writers of both connections.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type LedgerReply, type LedgerRequest, serializeError } from './ledger-thread-protocol.js';
import { SqliteAuditChain } from './sqlite-audit-chain.js';
import { SqliteCertificateLedger } from './sqlite-certificate-ledger.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { createSqliteKysely } from './sqlite-kysely.js';

const port = parentPort;
if (!port) throw new Error('sqlite-ledger-thread runs as a worker thread only');
const { path } = workerData as { path: string };
const sqlite = openSqliteDatabase(path);
const db = createSqliteKysely(sqlite);
const ledger = new SqliteCertificateLedger(sqlite, db, new SqliteAuditChain(sqlite, db));

port.on('message', (request: LedgerRequest | 'close') => {
  if (request === 'close') {
    void db.destroy().then(() => port.close());
    return;
  }
  const reply = (message: LedgerReply) => port.postMessage(message);
  ledger.recordBatch(request.batch).then(
    (conflicts) => reply({ id: request.id, ok: true, conflicts }),
    (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
  );
});
