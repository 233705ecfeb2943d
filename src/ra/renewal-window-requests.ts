import type { Clock } from '../core/clock.js';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { RenewalWindows } from '../store/acme-state.js';
import type { AuditLog } from '../store/audit-log.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { CertificateRecord } from '../store/records.js';
import type { Credential } from './provisioner.js';

/** Which certificates in force a pull-forward applies to; at least one field. */
export interface RenewalSelection {
  /** Every certificate in force of this issuer (e.g. an intermediate being retired). */
  readonly issuerId?: IssuerId;
  readonly deviceId?: DeviceId;
  readonly serials?: readonly SerialHex[];
}

export interface PulledForward {
  readonly certificates: number;
  readonly start: Date;
  readonly end: Date;
}

/** Certificates read per page while selecting; a retiring issuer may have a whole fleet below it. */
const PAGE = 5000;

/**
 * RFC 9773: an operator moves the suggested renewal window of chosen certificates earlier, e.g. every certificate
 * of an intermediate being retired, or of devices whose keys are suspect. ACME clients and the device agent read it
 * at their next renewalInfo check and renew within the new window. Operators only; each change is audited.
 */
export class RenewalWindowRequests {
  constructor(
    private readonly deps: {
      readonly certificates: Pick<CertificateReader, 'list' | 'findBySerial'>;
      readonly windows: Pick<RenewalWindows, 'set'>;
      readonly audit: Pick<AuditLog, 'append'>;
      readonly clock: Clock;
    },
  ) {}

  async pullForward(
    credential: Credential,
    selection: RenewalSelection,
    window: { readonly start: Date; readonly end: Date; readonly explanationUrl: string | null },
  ): Promise<PulledForward> {
    if (credential.kind !== 'operator') throw new PkiError('FORBIDDEN', 'only operators set renewal windows');
    if (
      selection.issuerId === undefined &&
      selection.deviceId === undefined &&
      (selection.serials ?? []).length === 0
    ) {
      throw new PkiError('MALFORMED_INPUT', 'name an issuer, a device or serials');
    }
    if (window.end.getTime() <= window.start.getTime()) {
      throw new PkiError('MALFORMED_INPUT', 'the window must end after it starts (RFC 9773 §4.2)');
    }
    const now = this.deps.clock.now();
    const chosen = await this.select(selection, now);
    // A window that would open after a certificate expires is no help; it closes by its notAfter at the latest.
    const byEnd = new Map<number, { issuerId: IssuerId; serial: SerialHex }[]>();
    for (const record of chosen) {
      const end = Math.min(window.end.getTime(), record.notAfter.getTime());
      const list = byEnd.get(end) ?? [];
      list.push({ issuerId: record.issuerId, serial: record.serial });
      byEnd.set(end, list);
    }
    let count = 0;
    for (const [endMs, certificates] of byEnd) {
      const start = new Date(Math.min(window.start.getTime(), endMs - 1000));
      count += await this.deps.windows.set(
        certificates,
        { start, end: new Date(endMs), explanationUrl: window.explanationUrl },
        `operator:${credential.name}`,
        now,
      );
    }
    await this.deps.audit.append({
      at: now,
      event: 'renewal.window-set',
      actor: `operator:${credential.name}`,
      subject:
        selection.issuerId !== undefined
          ? `issuer:${selection.issuerId}`
          : selection.deviceId !== undefined
            ? `device:${selection.deviceId}`
            : 'certificates',
      data: {
        certificates: count,
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        ...(selection.serials === undefined ? {} : { serials: selection.serials.join(',') }),
        ...(window.explanationUrl === null ? {} : { explanationUrl: window.explanationUrl }),
      },
    });
    return { certificates: count, start: window.start, end: window.end };
  }

  /** Issued, unexpired certificates matching every given field. */
  private async select(selection: RenewalSelection, now: Date): Promise<CertificateRecord[]> {
    const inForce = (record: CertificateRecord) => record.status === 'issued' && record.notAfter > now;
    if (selection.serials !== undefined && selection.serials.length > 0) {
      const found: CertificateRecord[] = [];
      for (const serial of selection.serials) {
        const records = (await this.deps.certificates.findBySerial(serial)).filter(
          (record) =>
            inForce(record) &&
            (selection.issuerId === undefined || record.issuerId === selection.issuerId) &&
            (selection.deviceId === undefined || record.deviceId === selection.deviceId),
        );
        if (records.length === 0)
          throw new PkiError('NOT_FOUND', `no certificate in force with serial ${serial}`);
        found.push(...records);
      }
      return found;
    }
    const found: CertificateRecord[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.deps.certificates.list({
        ...(selection.issuerId === undefined ? {} : { issuerId: selection.issuerId }),
        ...(selection.deviceId === undefined ? {} : { deviceId: selection.deviceId }),
        status: 'issued',
        notAfterFrom: now,
        limit: PAGE,
        offset,
      });
      found.push(...page);
      if (page.length < PAGE) return found;
    }
  }
}
