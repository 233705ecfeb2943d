import type { Clock } from '../../core/clock.js';
import type { IssuerId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { publicKeyFromSpki } from '../../pki/algorithms/key-algorithm.js';
import { signatureAlgorithmOf } from '../../pki/algorithms/signature-algorithm.js';
import { parseCertificate } from '../../pki/certificate.js';
import { parseCrl } from '../../pki/crl.js';
import { bytesEqual } from '../../pki/der.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { CrlRecord, CrlStore } from '../../store/crl-store.js';
import type { IssuerRegistry } from '../../store/issuer-registry.js';
import { crlRecordOf } from './hierarchy.js';

export interface ImportedCrl {
  readonly record: CrlRecord;
  readonly entries: number;
  /** Registered intermediates the CRL revokes, now retired (online nodes stop signing with them at start). */
  readonly retired: readonly IssuerId[];
}

/**
 * Publishes a CRL signed away from the server (the offline root's) after checking that the issuer signed it and
 * that it is newer than the one served. Intermediates it revokes are retired in the registry, so that no node
 * opens them again as online issuers; what they issued stays valid until revoked (or refused by relying parties
 * that check the whole chain). Nothing changes if a check fails.
 */
export async function importCrl(
  issuerId: IssuerId,
  der: Uint8Array,
  deps: { issuers: IssuerRegistry; crls: CrlStore; audit: AuditLog; clock: Clock },
): Promise<ImportedCrl> {
  const issuer = await deps.issuers.get(issuerId);
  if (!issuer) throw new PkiError('NOT_FOUND', `no issuer '${issuerId}'`);
  const record = crlRecordOf(issuerId, der);
  const crl = parseCrl(record.der);
  const issuerCert = parseCertificate(issuer.certificateDer);
  const algorithm = signatureAlgorithmOf(crl.signatureAlgorithm);
  if (
    !bytesEqual(crl.issuerDer, issuerCert.subjectDer) ||
    !algorithm.verify(publicKeyFromSpki(issuerCert.spkiDer), crl.tbsDer, crl.signature)
  ) {
    throw new PkiError('BAD_SIGNATURE', `the CRL is not signed by '${issuerId}'`);
  }
  // The newest CRL is the one served: an older one would be stored and never served.
  const published = await deps.crls.highestNumber(issuerId);
  if (record.crlNumber <= published)
    throw new PkiError(
      'CONFLICT',
      `CRL ${record.crlNumber} of '${issuerId}' is not newer than the published CRL ${published}; nothing changed`,
    );
  await deps.crls.add(record);

  const revokedSerials = new Set(crl.entries.map((e) => e.serial));
  const children = (await deps.issuers.list()).filter(
    (i) => i.parentId === issuerId && i.status === 'active' && i.id !== issuerId,
  );
  const retired: IssuerId[] = [];
  for (const child of children) {
    if (!revokedSerials.has(parseCertificate(child.certificateDer).serial)) continue;
    await deps.issuers.setStatus(child.id, 'retired');
    retired.push(child.id);
  }
  await deps.audit.append({
    at: deps.clock.now(),
    event: 'crl.imported',
    actor: 'operator:cli',
    subject: `issuer:${issuerId}`,
    data: { crlNumber: record.crlNumber, entries: crl.entries.length, retired },
  });
  return { record, entries: crl.entries.length, retired };
}
