import { Worker } from 'node:worker_threads';
import type { SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { BatchRecordingLedger, type LedgerBatch } from './ledger-batch.js';
import { deserializeError, type LedgerReply, type LedgerRequest } from './ledger-thread-protocol.js';

interface Pending {
  resolve(reply: Extract<LedgerReply, { ok: true }>): void;
  reject(error: unknown): void;
}

/**
 * A CertificateLedger whose SQLite transactions run on a worker thread (sqlite-ledger-thread.ts), so the
 * event loop keeps preparing and signing certificates while a batch is written and fsynced. The durability
 * promise is unchanged: a call resolves only when the thread reports its transaction committed.
 */
export class ThreadedCertificateLedger extends BatchRecordingLedger {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private failure: PkiError | undefined;
  private exited = false;

  constructor(path: string) {
    super();
    this.worker = startLedgerThread(path);
    // The ledger thread must not keep the process alive by itself; pending calls keep it referenced.
    this.worker.unref();
    this.worker.on('message', (reply: LedgerReply) => this.settle(reply));
    this.worker.on('error', (error) =>
      this.fail(new PkiError('UNAVAILABLE', 'the ledger thread failed', { cause: error })),
    );
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.pending.size > 0) this.fail(new PkiError('UNAVAILABLE', `the ledger thread exited (${code})`));
    });
  }

  override async recordBatch(batch: LedgerBatch): Promise<readonly SerialHex[]> {
    if (batch.prepared.length === 0 && batch.signed.length === 0) return [];
    const reply = await this.call(batch);
    return reply.conflicts as readonly SerialHex[];
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

  private call(batch: LedgerBatch): Promise<Extract<LedgerReply, { ok: true }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<Extract<LedgerReply, { ok: true }>>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, batch } satisfies LedgerRequest);
    });
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private settle(reply: LedgerReply): void {
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

/**
 * Starts sqlite-ledger-thread. The compiled build starts its .js file directly. Run from TypeScript sources
 * (development, tests), the thread first registers tsx with our tsconfig: a worker does not inherit the
 * loader hooks of its parent.
 */
function startLedgerThread(path: string): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./sqlite-ledger-thread.js', import.meta.url), { workerData: { path } });
  }
  const thread = new URL('./sqlite-ledger-thread.ts', import.meta.url).href;
  const tsconfig = new URL('../../tsconfig.json', import.meta.url).pathname;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(thread)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: { path } });
}
