import type { Kysely, Selectable } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { fromEpochMsOrNull, toEpochMs, toPlainBytes } from './epoch-ms.js';
import { pageLimit } from './page-limit.js';
import type {
  NewPendingEnrollment,
  PendingEnrollmentQuery,
  PendingEnrollmentRecord,
  PendingEnrollments,
  PendingEnrollmentStatus,
} from './pending-enrollments.js';
import type { Database, PendingEnrollmentsTable } from './schema.js';
import { checkSha256Hex } from './sha256-hex.js';
import { isUniqueViolation } from './store-errors.js';

type PendingRow = Selectable<PendingEnrollmentsTable>;

/**
 * Both engines. Every state change is a conditional UPDATE on the expected status, so of two concurrent
 * deciders (or issuers), on any number of nodes, exactly one changes the row; the other finds it changed and
 * gets CONFLICT. findOrCreate inserts with ON CONFLICT DO NOTHING on (label, request_sha256) and then reads:
 * a concurrent insert of the same request either wins (and is read) or waits for the winner's commit.
 */
export class SqlPendingEnrollments implements PendingEnrollments {
  constructor(private readonly db: Kysely<Database>) {}

  async findOrCreate(request: NewPendingEnrollment, at: Date): Promise<PendingEnrollmentRecord> {
    const row: PendingRow = {
      id: request.id,
      label: request.label,
      request_sha256: checkSha256Hex(request.requestSha256, 'the request hash'),
      device_id: request.deviceId,
      requester: request.requester,
      profile: request.profile,
      csr_der: request.csrDer,
      status: 'pending' satisfies PendingEnrollmentStatus,
      created_at: toEpochMs(at, 'at'),
      decided_at: null,
      decided_by: null,
      reason: null,
      certificate_issuer_id: null,
      certificate_serial: null,
    };
    let inserted: { id: string } | undefined;
    try {
      inserted = await this.db
        .insertInto('pending_enrollments')
        .values(row)
        .onConflict((oc) => oc.columns(['label', 'request_sha256']).doNothing())
        .returning('id')
        .executeTakeFirst();
    } catch (error) {
      // ON CONFLICT covers the request's key only: the same id for another request still fails.
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `pending enrollment '${request.id}' exists already`, { cause: error });
      }
      throw error;
    }
    if (inserted !== undefined) return toPendingRecord(row);
    const existing = await this.db
      .selectFrom('pending_enrollments')
      .selectAll()
      .where('label', '=', row.label)
      .where('request_sha256', '=', row.request_sha256)
      .executeTakeFirst();
    // Rows are never deleted, so the row that made the insert do nothing is still there.
    if (existing === undefined) throw new PkiError('INTERNAL', 'a pending enrollment vanished');
    return toPendingRecord(existing);
  }

  async get(id: string): Promise<PendingEnrollmentRecord | undefined> {
    const row = await this.db
      .selectFrom('pending_enrollments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toPendingRecord(row);
  }

  async list(query: PendingEnrollmentQuery): Promise<readonly PendingEnrollmentRecord[]> {
    let select = this.db.selectFrom('pending_enrollments').selectAll();
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageLimit(query.limit))
      .execute();
    return rows.map(toPendingRecord);
  }

  async decide(
    id: string,
    decision: 'approved' | 'rejected',
    decidedBy: string,
    reason: string | null,
    at: Date,
  ): Promise<PendingEnrollmentRecord> {
    if (decision !== 'approved' && decision !== 'rejected') {
      throw new PkiError('MALFORMED_INPUT', 'a decision is approved or rejected');
    }
    const row = await this.db
      .updateTable('pending_enrollments')
      .set({ status: decision, decided_at: toEpochMs(at, 'at'), decided_by: decidedBy, reason })
      .where('id', '=', id)
      .where('status', '=', 'pending' satisfies PendingEnrollmentStatus)
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return toPendingRecord(row);
    throw await this.refusal(id, 'pending');
  }

  async markIssued(
    id: string,
    certificate: { issuerId: IssuerId; serial: SerialHex },
    at: Date,
  ): Promise<void> {
    // No column keeps the time of issuance: the certificate's own record has it.
    toEpochMs(at, 'at');
    const { numUpdatedRows } = await this.db
      .updateTable('pending_enrollments')
      .set({
        status: 'issued' satisfies PendingEnrollmentStatus,
        certificate_issuer_id: certificate.issuerId,
        certificate_serial: certificate.serial,
      })
      .where('id', '=', id)
      .where('status', '=', 'approved' satisfies PendingEnrollmentStatus)
      .executeTakeFirst();
    if (numUpdatedRows > 0n) return;
    throw await this.refusal(id, 'approved');
  }

  /** Why a conditional update changed nothing: the id is unknown, or the request is no longer `expected`. */
  private async refusal(id: string, expected: PendingEnrollmentStatus): Promise<PkiError> {
    const found = await this.db
      .selectFrom('pending_enrollments')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    if (found === undefined) return new PkiError('NOT_FOUND', `pending enrollment '${id}' does not exist`);
    return new PkiError('CONFLICT', `pending enrollment '${id}' is ${found.status}, not ${expected}`, {
      details: { status: found.status },
    });
  }
}

function toPendingRecord(row: PendingRow): PendingEnrollmentRecord {
  return {
    id: row.id,
    label: row.label,
    requestSha256: row.request_sha256,
    deviceId: row.device_id as DeviceId | null,
    requester: row.requester,
    profile: row.profile,
    csrDer: toPlainBytes(row.csr_der),
    status: row.status as PendingEnrollmentStatus,
    createdAt: new Date(row.created_at),
    decidedAt: fromEpochMsOrNull(row.decided_at),
    decidedBy: row.decided_by,
    reason: row.reason,
    certificateIssuerId: row.certificate_issuer_id as IssuerId | null,
    certificateSerial: row.certificate_serial as SerialHex | null,
  };
}
