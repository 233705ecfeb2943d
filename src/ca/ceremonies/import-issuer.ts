import type { Clock } from '../../core/clock.js';
import type { IssuerId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { publicKeyFromSpki } from '../../pki/algorithms/key-algorithm.js';
import { TrustStore } from '../../pki/chain.js';
import { bytesEqual } from '../../pki/der.js';
import {
  type ParsedCertificate,
  parseCertificate,
  verifyCertificateSignature,
} from '../../pki/certificate.js';
import type { KeyStore } from '../../keys/signer.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { IssuerRegistry } from '../../store/issuer-registry.js';
import type { IssuerRecord, IssuerRole } from '../../store/records.js';
import { issuerRecordFor } from '../issuer-record.js';

export interface ImportRequest {
  readonly id: IssuerId;
  readonly role: IssuerRole;
  readonly certificate: Uint8Array | string;
  /** Where the intermediate's key is held; required for an intermediate this server will sign with. */
  readonly keyUri: string | null;
}

/**
 * Adds an existing root (a trust anchor whose key stays elsewhere) or intermediate (certificate plus a key
 * already in custody) to the registry. A root must be a self-signed CA; an intermediate must chain to a
 * registered root and match its key. Nothing is recorded if any check fails.
 */
export async function importIssuer(
  request: ImportRequest,
  deps: { issuers: IssuerRegistry; keys: Pick<KeyStore, 'open'>; audit: AuditLog; clock: Clock },
): Promise<IssuerRecord> {
  const cert = parseCertificate(request.certificate);
  const known = await deps.issuers.list();
  if (known.some((k) => k.fingerprintSha256 === cert.fingerprintSha256)) {
    throw new PkiError('CONFLICT', `this certificate is registered already`);
  }
  requireCa(cert);
  const now = deps.clock.now();
  let parentId: IssuerId | null = null;
  if (request.role === 'root') {
    if (!cert.selfIssued || !verifyCertificateSignature(cert, publicKeyFromSpki(cert.spkiDer))) {
      throw new PkiError('POLICY_VIOLATION', 'a root must be self-signed', {
        details: { rule: 'import.root-self-signed' },
      });
    }
    if (request.keyUri !== null) {
      throw new PkiError(
        'POLICY_VIOLATION',
        'the online server never holds the root key; import the root without a key',
        {
          details: { rule: 'import.root-key-online' },
        },
      );
    }
  } else {
    const roots = known.filter((k) => k.role === 'root' && k.status === 'active');
    const parsedRoots = roots.map((r) => parseCertificate(r.certificateDer));
    const path = new TrustStore(parsedRoots).validate(cert, [], now);
    parentId = roots[parsedRoots.indexOf(path.anchor)]?.id ?? null;
    if (request.keyUri === null) {
      throw new PkiError('POLICY_VIOLATION', 'an intermediate needs the URI of its key', {
        details: { rule: 'import.key-required' },
      });
    }
    const signer = await deps.keys.open(request.keyUri);
    if (!bytesEqual(signer.spki, cert.spkiDer)) {
      throw new PkiError('POLICY_VIOLATION', 'the key does not match the certificate', {
        details: { rule: 'import.key-mismatch' },
      });
    }
  }
  const record = issuerRecordFor(cert, {
    id: request.id,
    role: request.role,
    parentId,
    keyUri: request.keyUri,
    createdAt: now,
  });
  await deps.issuers.add(record);
  await deps.audit.append({
    at: now,
    event: 'issuer.imported',
    actor: 'operator:cli',
    subject: `issuer:${request.id}`,
    data: { role: request.role, subject: cert.subjectText, fingerprintSha256: cert.fingerprintSha256 },
  });
  return record;
}

function requireCa(cert: ParsedCertificate): void {
  if (!cert.extensions.basicConstraints?.ca) {
    throw new PkiError('POLICY_VIOLATION', 'the certificate is not a CA certificate', {
      details: { rule: 'import.not-ca' },
    });
  }
  const usages = cert.extensions.keyUsage?.usages;
  if (usages && !usages.includes('keyCertSign')) {
    throw new PkiError(
      'POLICY_VIOLATION',
      'the certificate may not sign certificates (keyCertSign missing)',
      {
        details: { rule: 'import.not-ca' },
      },
    );
  }
}
