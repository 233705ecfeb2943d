import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { DeviceId, IssuerId } from '../core/ids.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import type { IssuedCertificate } from '../ca/issue-order.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { PendingEnrollmentRecord, PendingEnrollments } from '../store/pending-enrollments.js';
import { requestDigest } from './request-digest.js';

export type HoldResult =
  | { readonly status: 'pending'; readonly requestId: string; readonly retryAfterSeconds: number }
  | { readonly status: 'approved'; readonly requestId: string }
  | { readonly status: 'issued'; readonly certificate: IssuedCertificate };

/**
 * Requests held for an operator (RFC 7030 §4.2.3). The first request is recorded as pending and answered 202;
 * the client repeats the identical request; once approved the repeat is issued, and later repeats get the same
 * certificate back, so a lost response costs nothing.
 */
export class ManualApproval {
  constructor(
    private readonly deps: {
      pending: PendingEnrollments;
      certificates: CertificateReader;
      chainOf: (issuerId: IssuerId) => readonly Uint8Array[];
      clock: Clock;
      retryAfterSeconds: number;
    },
  ) {}

  async hold(
    label: string,
    csrDer: Uint8Array,
    info: { deviceId: DeviceId | null; requester: string; profile: string },
  ): Promise<HoldResult> {
    const record = await this.deps.pending.findOrCreate(
      { id: randomUUID(), label, requestSha256: requestDigest(csrDer), csrDer, ...info },
      this.deps.clock.now(),
    );
    switch (record.status) {
      case 'pending':
        return { status: 'pending', requestId: record.id, retryAfterSeconds: this.deps.retryAfterSeconds };
      case 'rejected':
        throw new PkiError(
          'FORBIDDEN',
          `the request was rejected by an operator${record.reason ? `: ${record.reason}` : ''}`,
        );
      case 'approved':
        return { status: 'approved', requestId: record.id };
      case 'issued':
        return { status: 'issued', certificate: await this.certificateOf(record) };
    }
  }

  /** Remembers what an approved request got; if a concurrent repeat got there first, returns that one instead. */
  async issued(requestId: string, certificate: IssuedCertificate): Promise<IssuedCertificate> {
    try {
      await this.deps.pending.markIssued(
        requestId,
        { issuerId: certificate.issuerId, serial: certificate.serial },
        this.deps.clock.now(),
      );
      return certificate;
    } catch (error) {
      if (!isPkiError(error, 'CONFLICT')) throw error;
      const record = await this.deps.pending.get(requestId);
      if (!record || record.status !== 'issued') throw error;
      return this.certificateOf(record);
    }
  }

  private async certificateOf(record: PendingEnrollmentRecord): Promise<IssuedCertificate> {
    const { certificateIssuerId: issuerId, certificateSerial: serial } = record;
    const stored = issuerId && serial ? await this.deps.certificates.get(issuerId, serial) : undefined;
    if (!stored?.der || !stored.fingerprintSha256 || issuerId === null) {
      throw new PkiError('INTERNAL', `approved request ${record.id} has no recorded certificate`);
    }
    return {
      issuerId,
      serial: stored.serial,
      der: stored.der,
      notBefore: stored.notBefore,
      notAfter: stored.notAfter,
      fingerprintSha256: stored.fingerprintSha256,
      chain: this.deps.chainOf(issuerId),
    };
  }
}
