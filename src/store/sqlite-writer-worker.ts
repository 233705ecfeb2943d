/**
 * The SQLite writer thread. better-sqlite3 is synchronous: a transaction of hundreds of rows and its fsync would
 * otherwise stop the event loop that serves requests. This thread runs the two write-heavy roles, the certificate
 * ledger and the enrollment recorder, on its own connection to the same file: WAL lets the main thread keep
 * reading, and since both roles commit here, in turn, they never wait for each other's write lock.
 *
 * Revocations commit here too: they are rare, but they append to the audit chain and change certificates as
 * the ledger does. Queued behind the ledger's commits, a revocation never waits for this thread's write lock;
 * from the main connection it would block the event loop in SQLite's busy handler for as long as the commits
 * queued here take, and fail with SQLITE_BUSY if that exceeded busy_timeout.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAuditChain } from './sqlite-audit-chain.js';
import { SqliteCertificateLedger } from './sqlite-certificate-ledger.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { SqliteEnrollmentRecorder } from './sqlite-enrollment-recorder.js';
import { SqliteRevocationRecorder } from './sqlite-revocation-recorder.js';
import { createSqliteKysely } from './sqlite-kysely.js';
import { serializeError, type WriterReply, type WriterRequest } from './sqlite-writer-protocol.js';

const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker runs as a worker thread only');
const { path } = workerData as { path: string };
const sqlite = openSqliteDatabase(path);
// Its hot paths run prepared SqliteStatements already; its few Kysely queries are not worth caching.
const db = createSqliteKysely(sqlite, { cacheStatements: false });
const auditChain = new SqliteAuditChain(sqlite, db);
const ledger = new SqliteCertificateLedger(sqlite, db, auditChain);
const recorder = new SqliteEnrollmentRecorder(sqlite, db);
const revocations = new SqliteRevocationRecorder(sqlite, db, auditChain);

function commit(request: WriterRequest): Promise<WriterReply> {
  switch (request.op) {
    case 'ledger':
      return ledger.recordBatch(request.batch).then((conflicts) => ({ id: request.id, ok: true, conflicts }));
    case 'outcomes':
      return recorder.record(request.outcomes).then(() => ({ id: request.id, ok: true }));
    case 'revoke':
      return revocations
        .record(request.batch)
        .then((results) => ({ id: request.id, ok: true, revocations: results }));
  }
}

port.on('message', (request: WriterRequest | 'close') => {
  if (request === 'close') {
    void db.destroy().then(() => port.close());
    return;
  }
  commit(request).then(
    (reply) => port.postMessage(reply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies WriterReply),
  );
});
