import { Worker } from 'node:worker_threads';
import { PkiError } from '../core/pki-error.js';
import type { SerialHex } from '../core/ids.js';
import type { RevocationResult } from './certificate-lifecycle.js';
import type { EnrollmentOutcome, EnrollmentRecorder } from './enrollment-recorder.js';
import { BatchRecordingLedger, type LedgerBatch } from './ledger-batch.js';
import type { RevocationBatch, RevocationRecorder } from './revocation-recorder.js';
import { deserializeError, type WriterReply, type WriterRequest } from './sqlite-writer-protocol.js';

type Success = Extract<WriterReply, { ok: true }>;

interface Pending {
  resolve(reply: Success): void;
  reject(error: unknown): void;
}

/** A request without its id, which the thread client assigns. */
type Request = WriterRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The main thread's end of the SQLite writer thread (sqlite-writer-worker.ts): posts requests and resolves each
 * call when the thread reports its transaction committed, so the durability promises of the roles it serves hold
 * unchanged.
 */
export class SqliteWriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private failure: PkiError | undefined;
  private exited = false;

  constructor(path: string) {
    this.worker = startWriterWorker(path);
    // The thread must not keep the process alive by itself; pending calls keep it referenced.
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => this.settle(reply));
    this.worker.on('error', (error) =>
      this.fail(new PkiError('UNAVAILABLE', 'the SQLite writer thread failed', { cause: error })),
    );
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.pending.size > 0)
        this.fail(new PkiError('UNAVAILABLE', `the SQLite writer thread exited (${code})`));
    });
  }

  call(request: Request): Promise<Success> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<Success>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Lets in-flight transactions finish, then closes the thread's connection. */
  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    if (this.exited) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }

  private settle(reply: WriterReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply);
    else pending.reject(deserializeError(reply.error));
  }

  private fail(error: PkiError): void {
    this.failure = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** The certificate ledger, committed on the writer thread. */
export class ThreadedCertificateLedger extends BatchRecordingLedger {
  constructor(private readonly thread: SqliteWriterThread) {
    super();
  }

  override async recordBatch(batch: LedgerBatch): Promise<readonly SerialHex[]> {
    if (batch.prepared.length === 0 && batch.signed.length === 0) return [];
    const reply = await this.thread.call({ op: 'ledger', batch });
    return (reply.conflicts ?? []) as readonly SerialHex[];
  }
}

/** Enrollment outcomes, committed on the writer thread (wrap it in a GroupCommitEnrollmentRecorder). */
export class ThreadedEnrollmentRecorder implements EnrollmentRecorder {
  constructor(private readonly thread: SqliteWriterThread) {}

  async record(outcomes: readonly EnrollmentOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.thread.call({ op: 'outcomes', outcomes });
  }
}

/** Revocations, committed on the writer thread. */
export class ThreadedRevocationRecorder implements RevocationRecorder {
  constructor(private readonly thread: SqliteWriterThread) {}

  async record(batch: RevocationBatch): Promise<readonly RevocationResult[]> {
    if (batch.rows.length === 0) return [];
    const reply = await this.thread.call({ op: 'revoke', batch });
    if (reply.revocations?.length !== batch.rows.length) {
      throw new Error('the SQLite writer thread returned no result for some revocations');
    }
    return reply.revocations;
  }
}

/**
 * Starts sqlite-writer-worker. The compiled build starts its .js file directly. Run from TypeScript sources
 * (development, tests), the thread first registers tsx with our tsconfig: a worker does not inherit the loader
 * hooks of its parent.
 */
function startWriterWorker(path: string): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), { workerData: { path } });
  }
  const thread = new URL('./sqlite-writer-worker.ts', import.meta.url).href;
  const tsconfig = new URL('../../tsconfig.json', import.meta.url).pathname;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(thread)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: { path } });
}
