import Type, { type Static } from 'typebox';
import type { IssuerId, SerialHex } from '../core/ids.js';
import type { CertificateKey } from '../store/certificate-catalog.js';
import type { CertificateRecord } from '../store/records.js';
import { Instant, isoOrNull, NullableInstant, nullable } from './api-schemas.js';
import { isEpochMs, isText, PageCursor } from './page-cursor.js';

export const CertificateSchema = Type.Object({
  serial: Type.String({ description: 'Lower-case hex' }),
  issuerId: Type.String(),
  profile: Type.String(),
  status: Type.Union([Type.Literal('prepared'), Type.Literal('issued'), Type.Literal('revoked')]),
  subject: Type.String({ description: 'RFC 4514' }),
  sans: Type.Array(Type.String(), { description: 'e.g. uri:urn:…, dns:gw1.example' }),
  deviceId: nullable(Type.String()),
  notBefore: Instant,
  notAfter: Instant,
  keyAlgorithm: Type.String(),
  spkiSha256: Type.String(),
  fingerprintSha256: nullable(Type.String()),
  requestedVia: Type.String(),
  issuedAt: NullableInstant,
  revokedAt: NullableInstant,
  revocationReason: nullable(Type.String()),
  invalidityDate: NullableInstant,
  supersededBy: nullable(Type.String()),
});

export type CertificateJson = Static<typeof CertificateSchema>;

export function certificateJson(record: CertificateRecord): CertificateJson {
  return {
    serial: record.serial,
    issuerId: record.issuerId,
    profile: record.profile,
    status: record.status,
    subject: record.subject,
    sans: [...record.sans],
    deviceId: record.deviceId,
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    keyAlgorithm: record.keyAlgorithm,
    spkiSha256: record.spkiSha256,
    fingerprintSha256: record.fingerprintSha256,
    requestedVia: record.requestedVia,
    issuedAt: isoOrNull(record.issuedAt),
    revokedAt: isoOrNull(record.revokedAt),
    revocationReason: record.revocationReason,
    invalidityDate: isoOrNull(record.invalidityDate),
    supersededBy: record.supersededBy,
  };
}

/** Certificates are listed by notAfter, serial, issuer; a page ends at that key. */
export const CERTIFICATE_CURSOR = new PageCursor<CertificateKey>('certificates', {
  encode: (key) => [key.notAfter.getTime(), key.serial, key.issuerId],
  decode: ([notAfter, serial, issuerId]) =>
    isEpochMs(notAfter) && isText(serial) && isText(issuerId)
      ? { notAfter: new Date(notAfter), serial: serial as SerialHex, issuerId: issuerId as IssuerId }
      : undefined,
});

export function certificateKey(record: CertificateRecord): CertificateKey {
  return { notAfter: record.notAfter, serial: record.serial, issuerId: record.issuerId };
}
