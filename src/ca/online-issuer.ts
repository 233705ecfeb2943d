import type { IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { bytesEqual } from '../pki/der.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import type { KeyStore, Signer } from '../keys/signer.js';
import type { IssuerRegistry } from '../store/issuer-registry.js';
import type { IssuerRecord } from '../store/records.js';

/** Where relying parties find an issuer's CRL, OCSP responder and certificate (RFC 5280 §4.2.1.13, §4.2.2.1). */
export interface RevocationPointers {
  readonly crlUrl?: string;
  readonly ocspUrl?: string;
  readonly caIssuersUrl?: string;
}

/** An issuer this server signs with: its certificate, its key, and where its revocation status is published. */
export interface OnlineIssuer {
  readonly id: IssuerId;
  readonly record: IssuerRecord;
  readonly certificate: ParsedCertificate;
  readonly signer: Signer;
  readonly pointers: RevocationPointers;
  /** The certificates above this issuer up to and including the root, for building chains. */
  readonly chain: readonly Uint8Array[];
}

/**
 * Opens the keys of every active intermediate in the registry. The root never has a key here: the online
 * server holds intermediate keys only. A key whose public half does not match its certificate is refused.
 */
export async function openOnlineIssuers(
  registry: IssuerRegistry,
  keys: Pick<KeyStore, 'open'>,
  pointersFor: (id: IssuerId) => RevocationPointers,
): Promise<Map<IssuerId, OnlineIssuer>> {
  const records = await registry.list();
  const byId = new Map(records.map((r) => [r.id, r]));
  const issuers = new Map<IssuerId, OnlineIssuer>();
  for (const record of records) {
    if (record.role !== 'intermediate' || record.status !== 'active' || record.keyUri === null) continue;
    const signer = await keys.open(record.keyUri);
    const certificate = parseCertificate(record.certificateDer);
    if (!bytesEqual(signer.spki, certificate.spkiDer)) {
      throw new PkiError('CONFIG_INVALID', `the key of issuer '${record.id}' does not match its certificate`);
    }
    issuers.set(record.id, {
      id: record.id,
      record,
      certificate,
      signer,
      pointers: pointersFor(record.id),
      chain: chainAbove(record, byId),
    });
  }
  return issuers;
}

function chainAbove(record: IssuerRecord, byId: ReadonlyMap<IssuerId, IssuerRecord>): Uint8Array[] {
  const chain: Uint8Array[] = [];
  let parentId = record.parentId;
  while (parentId !== null && chain.length < 8) {
    const parent = byId.get(parentId);
    if (!parent) break;
    chain.push(parent.certificateDer);
    parentId = parent.parentId;
  }
  return chain;
}
