import type { IssuerId } from '../core/ids.js';
import { bytesToHex } from '../pki/der.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import type { IssuerRecord, IssuerRole } from '../store/records.js';

/** The registry record for an issuer certificate. */
export function issuerRecordFor(
  cert: ParsedCertificate,
  fields: {
    id: IssuerId;
    role: IssuerRole;
    parentId: IssuerId | null;
    keyUri: string | null;
    createdAt: Date;
  },
): IssuerRecord {
  return {
    ...fields,
    subject: cert.subjectText,
    certificateDer: cert.der,
    keyAlgorithm: cert.keyAlgorithm ?? 'unsupported',
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subjectKeyIdHex: cert.extensions.subjectKeyId ? bytesToHex(cert.extensions.subjectKeyId) : '',
    fingerprintSha256: cert.fingerprintSha256,
    status: 'active',
  };
}
