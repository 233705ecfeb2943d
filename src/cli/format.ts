import { formatDuration } from '../core/duration.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { formatAltName } from '../pki/general-names.js';
import { OID } from '../pki/oids.js';
import type { CertificateRecord, IssuerRecord } from '../store/records.js';

const PURPOSE_NAMES: Readonly<Record<string, string>> = {
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  [OID.codeSigning]: 'codeSigning',
  [OID.ocspSigning]: 'OCSPSigning',
};

/** Left-aligned columns separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function isoDate(date: Date | null): string {
  return date === null ? '-' : date.toISOString().replace('.000Z', 'Z');
}

export function issuerRows(issuers: readonly IssuerRecord[]): string {
  return table(
    ['ID', 'ROLE', 'STATUS', 'KEY', 'NOT AFTER', 'PARENT', 'SUBJECT'],
    issuers.map((i) => [
      i.id,
      i.role,
      i.status,
      i.keyAlgorithm,
      isoDate(i.notAfter),
      i.parentId ?? '-',
      i.subject,
    ]),
  );
}

export function certificateRows(records: readonly CertificateRecord[], now: Date): string {
  return table(
    ['SERIAL', 'ISSUER', 'PROFILE', 'STATUS', 'NOT AFTER', 'LEFT', 'DEVICE', 'SUBJECT'],
    records.map((r) => [
      r.serial,
      r.issuerId,
      r.profile,
      r.status,
      isoDate(r.notAfter),
      timeLeft(r.notAfter, now),
      r.deviceId ?? '-',
      r.subject || r.sans[0] || '-',
    ]),
  );
}

export function timeLeft(notAfter: Date, now: Date): string {
  const seconds = Math.floor((notAfter.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return 'expired';
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h`;
  return formatDuration(Math.max(seconds, 1));
}

export function certificateDetails(cert: ParsedCertificate, record: CertificateRecord | undefined): string {
  const ext = cert.extensions;
  const lines: Array<[string, string]> = [
    ['Serial', cert.serial],
    ['Subject', cert.subjectText || '(empty)'],
    ['Issuer', cert.issuerText],
    ['Not before', isoDate(cert.notBefore)],
    ['Not after', isoDate(cert.notAfter)],
    ['Key', cert.keyAlgorithm ?? 'unsupported'],
    ['SHA-256', cert.fingerprintSha256],
  ];
  if (ext.basicConstraints) {
    const bc = ext.basicConstraints;
    lines.push([
      'Basic constraints',
      `CA:${bc.ca ? 'TRUE' : 'FALSE'}${bc.pathLength === undefined ? '' : `, pathlen:${bc.pathLength}`}`,
    ]);
  }
  if (ext.keyUsage) lines.push(['Key usage', ext.keyUsage.usages.join(', ')]);
  if (ext.extKeyUsage)
    lines.push(['Extended key usage', ext.extKeyUsage.purposes.map((p) => PURPOSE_NAMES[p] ?? p).join(', ')]);
  if (ext.subjectAltNames)
    lines.push(['Alternative names', ext.subjectAltNames.names.map(formatAltName).join(', ')]);
  if (ext.crlDistributionPoints?.length) lines.push(['CRL', ext.crlDistributionPoints.join(', ')]);
  if (ext.ocspUrls?.length) lines.push(['OCSP', ext.ocspUrls.join(', ')]);
  if (record) {
    lines.push(['Profile', record.profile], ['Status', record.status], ['Device', record.deviceId ?? '-']);
    lines.push(['Requested via', record.requestedVia], ['Issued at', isoDate(record.issuedAt)]);
    if (record.revokedAt)
      lines.push([
        'Revoked at',
        `${isoDate(record.revokedAt)} (${record.revocationReason ?? 'unspecified'})`,
      ]);
  }
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n');
}
