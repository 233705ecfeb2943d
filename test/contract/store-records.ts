import { randomBytes } from 'node:crypto';
import type { DeviceId, IssuerId, SerialHex } from '../../src/core/ids.js';
import type { RevocationRequest } from '../../src/store/certificate-lifecycle.js';
import type { NewCmpTransaction } from '../../src/store/cmp-transactions.js';
import type { CrlRecord } from '../../src/store/crl-store.js';
import type { NewEnrollmentToken } from '../../src/store/enrollment-tokens.js';
import type { NewPendingEnrollment } from '../../src/store/pending-enrollments.js';
import type {
  AuditEvent,
  EnrollmentEvent,
  IssuerRecord,
  PreparedCertificate,
  SignedCertificate,
} from '../../src/store/records.js';

/** Test records for the store contracts. Ids are random so the tests of a suite can share one store. */

export const T0 = new Date('2030-01-01T00:00:00.123Z');

export function at(offsetSeconds: number): Date {
  return new Date(T0.getTime() + offsetSeconds * 1000);
}

export function uniqueIssuerId(prefix = 'ca'): IssuerId {
  return `${prefix}-${randomBytes(4).toString('hex')}` as IssuerId;
}

export function uniqueDeviceId(prefix = 'dev'): DeviceId {
  return `${prefix}-${randomBytes(4).toString('hex')}` as DeviceId;
}

export function randomSerial(): SerialHex {
  // A positive DER INTEGER of 16 bytes: top bit clear, first byte non-zero.
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex') as SerialHex;
}

export function issuerRecord(overrides: Partial<IssuerRecord> = {}): IssuerRecord {
  return {
    id: uniqueIssuerId(),
    role: 'intermediate',
    parentId: null,
    subject: 'CN=Test Issuing CA,O=certfleet',
    certificateDer: new Uint8Array(randomBytes(300)),
    keyUri: 'file:keys/issuing.p8',
    keyAlgorithm: 'ecdsa-p256',
    notBefore: at(-86_400),
    notAfter: at(10 * 365 * 86_400),
    subjectKeyIdHex: randomBytes(20).toString('hex'),
    fingerprintSha256: randomBytes(32).toString('hex'),
    status: 'active',
    createdAt: at(0),
    ...overrides,
  };
}

export function preparedCertificate(
  issuerId: IssuerId,
  overrides: Partial<PreparedCertificate> = {},
): PreparedCertificate {
  return {
    issuerId,
    serial: randomSerial(),
    profile: 'ldevid',
    subject: 'CN=device-1,O=certfleet',
    sans: ['uri:urn:dev:serial:1', 'dns:device-1.example'],
    deviceId: null,
    notBefore: at(0),
    notAfter: at(90 * 86_400),
    keyAlgorithm: 'ecdsa-p256',
    spkiSha256: randomBytes(32).toString('hex'),
    requestedVia: 'est',
    ...overrides,
  };
}

export function signedCertificate(
  entry: Pick<PreparedCertificate, 'issuerId' | 'serial'>,
): SignedCertificate {
  return {
    issuerId: entry.issuerId,
    serial: entry.serial,
    der: new Uint8Array(randomBytes(420)),
    fingerprintSha256: randomBytes(32).toString('hex'),
  };
}

export function issuedAudit(signedAt: Date): (entry: SignedCertificate) => AuditEvent {
  return (entry) => ({
    at: signedAt,
    event: 'cert.issued',
    actor: 'ca',
    subject: `cert:${entry.issuerId}/${entry.serial}`,
    data: { serial: entry.serial, fingerprintSha256: entry.fingerprintSha256 },
  });
}

export function revocationRequest(
  entry: Pick<PreparedCertificate, 'issuerId' | 'serial'>,
  overrides: Partial<RevocationRequest> = {},
): RevocationRequest {
  return {
    issuerId: entry.issuerId,
    serial: entry.serial,
    reason: 'keyCompromise',
    invalidityDate: null,
    ...overrides,
  };
}

export function revokedAudit(revokedAt: Date): (request: RevocationRequest) => AuditEvent {
  return (request) => ({
    at: revokedAt,
    event: 'cert.revoked',
    actor: 'operator:test',
    subject: `cert:${request.issuerId}/${request.serial}`,
    data: { reason: request.reason, invalidityDate: request.invalidityDate?.toISOString() ?? null },
  });
}

export function crlRecord(issuerId: IssuerId, overrides: Partial<CrlRecord> = {}): CrlRecord {
  return {
    issuerId,
    crlNumber: 1,
    thisUpdate: at(0),
    nextUpdate: at(86_400),
    der: new Uint8Array(randomBytes(700)),
    baseCrlNumber: null,
    ...overrides,
  };
}

export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    at: T0,
    event: 'test.event',
    actor: 'operator:test',
    subject: null,
    data: { z: 1, a: [true, null, 'x'], nested: { b: 2, a: 1 } },
    ...overrides,
  };
}

export function enrollmentEvent(overrides: Partial<EnrollmentEvent> = {}): EnrollmentEvent {
  return {
    at: T0,
    deviceId: null,
    protocol: 'est',
    operation: 'simpleenroll',
    profile: 'ldevid',
    issuerId: null,
    outcome: 'issued',
    reasonCode: null,
    reason: null,
    requester: 'idevid:01',
    certificateSerial: null,
    ...overrides,
  };
}

/** A random lower-case hex SHA-256, standing in for the hash of a token secret or a request. */
export function randomSha256(): string {
  return randomBytes(32).toString('hex');
}

export function newEnrollmentToken(overrides: Partial<NewEnrollmentToken> = {}): NewEnrollmentToken {
  return {
    id: `tok-${randomBytes(6).toString('hex')}`,
    secretSha256: randomSha256(),
    deviceId: uniqueDeviceId(),
    profile: 'ldevid',
    label: null,
    createdBy: 'operator:alice',
    expiresAt: at(3600),
    ...overrides,
  };
}

export function newPendingEnrollment(overrides: Partial<NewPendingEnrollment> = {}): NewPendingEnrollment {
  return {
    id: `pend-${randomBytes(6).toString('hex')}`,
    label: 'plant-a',
    requestSha256: randomSha256(),
    deviceId: uniqueDeviceId(),
    requester: 'idevid:01ab',
    profile: 'ldevid',
    csrDer: new Uint8Array(randomBytes(180)),
    ...overrides,
  };
}

/** Random bytes framed as one DER SEQUENCE (long-form length), standing in for a certificate or a request. */
export function fakeDer(contentLength = 300): Uint8Array {
  return new Uint8Array([
    0x30,
    0x82,
    contentLength >> 8,
    contentLength & 0xff,
    ...randomBytes(contentLength),
  ]);
}

/** An `awaiting-confirmation` transaction for a random transactionID, with no request held. */
export function newCmpTransaction(overrides: Partial<NewCmpTransaction> = {}): NewCmpTransaction {
  return {
    transactionId: randomBytes(16).toString('hex'),
    sender: `mac:${randomBytes(4).toString('hex')}`,
    state: 'awaiting-confirmation',
    serverNonce: new Uint8Array(randomBytes(16)),
    requestType: 'ir',
    label: 'plant-a',
    certReqId: 0,
    certificate: { issuerId: 'operational' as IssuerId, serial: randomSerial() },
    held: null,
    expiresAt: at(300),
    ...overrides,
  };
}
