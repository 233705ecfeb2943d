import type { Kysely } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import type { CertificateLifecycle } from './certificate-lifecycle.js';
import {
  checkSupersession,
  markSupersededQuery,
  supersededByQuery,
  toSupersessionRow,
} from './certificate-supersession.js';
import { toEpochMs } from './epoch-ms.js';
import type { Database } from './schema.js';

/**
 * Both engines. markSuperseded is a conditional UPDATE, so of two nodes naming different successors exactly one
 * succeeds. `at` is checked but not stored: the certificates table has no column for it (the enrollment event
 * of the renewal records when it happened).
 */
export class SqlCertificateLifecycle implements CertificateLifecycle {
  constructor(private readonly db: Kysely<Database>) {}

  async markSuperseded(
    issuerId: IssuerId,
    serial: SerialHex,
    supersededBy: SerialHex,
    at: Date,
  ): Promise<void> {
    toEpochMs(at, 'at');
    const row = toSupersessionRow({ issuerId, serial, by: supersededBy });
    const { numUpdatedRows } = await markSupersededQuery(this.db, row).executeTakeFirst();
    if (numUpdatedRows > 0n) return;
    checkSupersession(row, await supersededByQuery(this.db, row).executeTakeFirst());
  }
}
