import type { AcmeNonces } from './acme-state.js';
import { GroupCommitQueue } from './group-commit-queue.js';
import { MAX_BATCH, type SqlAcmeNonces } from './sql-acme-nonces.js';

interface NonceUse {
  readonly nonce: string;
  readonly expiresAt: Date;
}

/**
 * Every signed ACME request consumes a nonce: about seven writes per certificate ordered. Alone, each is a
 * transaction with its own fsync (measured with bench/acme: a third of the server's time on SQLite). This coalesces
 * the uses that arrive together into one multi-row insert, and each caller still learns, after that commit,
 * whether its nonce was fresh.
 */
export class GroupCommitAcmeNonces implements AcmeNonces {
  private readonly queue: GroupCommitQueue<NonceUse, boolean>;

  constructor(private readonly inner: Pick<SqlAcmeNonces, 'consumeMany' | 'purgeExpired'>) {
    this.queue = new GroupCommitQueue<NonceUse, boolean>({
      maxBatchSize: MAX_BATCH,
      sizeOf: () => 1,
      commit: (uses) => inner.consumeMany(uses),
    });
  }

  consume(nonce: string, expiresAt: Date): Promise<boolean> {
    return this.queue.submit({ nonce, expiresAt });
  }

  purgeExpired(at: Date): Promise<number> {
    return this.inner.purgeExpired(at);
  }
}
