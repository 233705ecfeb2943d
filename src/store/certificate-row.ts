import type { Selectable } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { fromEpochMsOrNull, toEpochMs, toPlainBytesOrNull } from './epoch-ms.js';
import type {
  CertificateRecord,
  CertificateStatus,
  PreparedCertificate,
  RevocationReason,
} from './records.js';
import type { CertificatesTable } from './schema.js';

export type CertificateRow = Selectable<CertificatesTable>;

/** The columns written when a certificate is prepared; the others stay NULL until it is signed or revoked. */
export type PreparedRow = Pick<
  CertificatesTable,
  | 'issuer_id'
  | 'serial'
  | 'profile'
  | 'subject'
  | 'sans'
  | 'device_id'
  | 'not_before'
  | 'not_after'
  | 'key_algorithm'
  | 'spki_sha256'
  | 'requested_via'
  | 'status'
  | 'prepared_at'
>;

const PREPARED_ROW_KEYS = {
  issuer_id: true,
  serial: true,
  profile: true,
  subject: true,
  sans: true,
  device_id: true,
  not_before: true,
  not_after: true,
  key_algorithm: true,
  spki_sha256: true,
  requested_via: true,
  status: true,
  prepared_at: true,
} satisfies Record<keyof PreparedRow, true>;

/** Every column of PreparedRow (the compiler checks the list is complete); one bind parameter each. */
export const PREPARED_ROW_COLUMNS = Object.keys(PREPARED_ROW_KEYS) as (keyof PreparedRow)[];

export function toPreparedRow(entry: PreparedCertificate, preparedAtMs: number): PreparedRow {
  return {
    issuer_id: entry.issuerId,
    serial: entry.serial,
    profile: entry.profile,
    subject: entry.subject,
    sans: JSON.stringify(entry.sans),
    device_id: entry.deviceId,
    not_before: toEpochMs(entry.notBefore, 'notBefore'),
    not_after: toEpochMs(entry.notAfter, 'notAfter'),
    key_algorithm: entry.keyAlgorithm,
    spki_sha256: entry.spkiSha256,
    requested_via: entry.requestedVia,
    status: 'prepared' satisfies CertificateStatus,
    prepared_at: preparedAtMs,
  };
}

export function toCertificateRecord(row: CertificateRow): CertificateRecord {
  return {
    issuerId: row.issuer_id as IssuerId,
    serial: row.serial as SerialHex,
    profile: row.profile,
    subject: row.subject,
    sans: JSON.parse(row.sans) as string[],
    deviceId: row.device_id as DeviceId | null,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    keyAlgorithm: row.key_algorithm,
    spkiSha256: row.spki_sha256,
    requestedVia: row.requested_via,
    status: row.status as CertificateStatus,
    der: toPlainBytesOrNull(row.der),
    fingerprintSha256: row.fingerprint_sha256,
    preparedAt: new Date(row.prepared_at),
    issuedAt: fromEpochMsOrNull(row.issued_at),
    revokedAt: fromEpochMsOrNull(row.revoked_at),
    revocationReason: row.revocation_reason as RevocationReason | null,
    invalidityDate: fromEpochMsOrNull(row.invalidity_date),
    supersededBy: row.superseded_by as SerialHex | null,
  };
}

/** `issuer/serial`, the key the ledgers match rows and entries by. */
export function certificateKey(entry: { readonly issuerId: string; readonly serial: string }): string {
  return `${entry.issuerId}/${entry.serial}`;
}
