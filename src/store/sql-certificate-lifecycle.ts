import type { Kysely } from 'kysely';
import type { IssuerId, SerialHex } from '../core/ids.js';
import type { CertificateLifecycle, RevocationRequest, RevocationResult } from './certificate-lifecycle.js';
import {
  checkSupersession,
  markSupersededQuery,
  supersededByQuery,
  toSupersessionRow,
} from './certificate-supersession.js';
import { toEpochMs } from './epoch-ms.js';
import type { AuditEvent } from './records.js';
import { toRevocationBatch } from './revocation-recorder.js';
import type { RevocationRecorder } from './revocation-recorder.js';
import type { Database } from './schema.js';

/**
 * Both engines. markSuperseded is a conditional UPDATE, so of two nodes naming different successors exactly one
 * succeeds. `at` is checked but not stored: the certificates table has no column for it (the enrollment event
 * of the renewal records when it happened).
 *
 * revoke checks the times and calls `audit` for every request before anything is written (so a throwing
 * callback fails the call with nothing changed), then hands the batch to the engine's RevocationRecorder, which
 * appends only the events of the certificates it revokes.
 */
export class SqlCertificateLifecycle implements CertificateLifecycle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly revocations: RevocationRecorder,
  ) {}

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

  async revoke(
    requests: readonly RevocationRequest[],
    at: Date,
    audit: (request: RevocationRequest) => AuditEvent,
  ): Promise<readonly RevocationResult[]> {
    if (requests.length === 0) return [];
    return this.revocations.record(toRevocationBatch(requests, at, audit));
  }
}
