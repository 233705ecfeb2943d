/**
 * The SQLite writer thread. better-sqlite3 is synchronous: a transaction of hundreds of rows and its fsync would
 * otherwise stop the event loop that serves requests. This thread runs the two write-heavy roles, the certificate
 * ledger and the enrollment recorder, on its own connection to the same file: WAL lets the main thread keep
 * reading, and since both roles commit here, in turn, they never wait for each other's write lock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAuditChain } from './sqlite-audit-chain.js';
import { SqliteCertificateLedger } from './sqlite-certificate-ledger.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { SqliteEnrollmentRecorder } from './sqlite-enrollment-recorder.js';
import { createSqliteKysely } from './sqlite-kysely.js';
import { serializeError, type WriterReply, type WriterRequest } from './sqlite-writer-protocol.js';

const port = parentPort;
if (!port) throw new Error('sqlite-writer-worker runs as a worker thread only');
const { path } = workerData as { path: string };
const sqlite = openSqliteDatabase(path);
const db = createSqliteKysely(sqlite);
const ledger = new SqliteCertificateLedger(sqlite, db, new SqliteAuditChain(sqlite, db));
const recorder = new SqliteEnrollmentRecorder(sqlite, db);

port.on('message', (request: WriterRequest | 'close') => {
  if (request === 'close') {
    void db.destroy().then(() => port.close());
    return;
  }
  const work =
    request.op === 'ledger'
      ? ledger
          .recordBatch(request.batch)
          .then((conflicts): WriterReply => ({ id: request.id, ok: true, conflicts }))
      : recorder.record(request.outcomes).then((): WriterReply => ({ id: request.id, ok: true }));
  work.then(
    (reply) => port.postMessage(reply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies WriterReply),
  );
});
