import type { KeyUsageName } from '../pki/extensions.js';
import {
  authorityInfoAccessExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  extendedKeyUsageExtension,
  keyUsageExtension,
} from '../pki/extensions.js';
import type { CertificateProfile } from '../pki/profiles/certificate-profile.js';
import { CertificateTemplate } from '../pki/tbs-template.js';
import { ocspNoCheckExtension } from '../pki/ocsp/ocsp-signing.js';
import type { OnlineIssuer } from './online-issuer.js';

/**
 * Compiled issuance templates, one per (issuer, profile, key usage). Compiling costs a few schema encodings;
 * issuing from a compiled template costs a few splices.
 */
export class TemplateCache {
  private readonly templates = new Map<string, CertificateTemplate>();

  get(
    issuer: OnlineIssuer,
    profile: CertificateProfile,
    keyUsage: readonly KeyUsageName[],
  ): CertificateTemplate {
    const key = `${issuer.id}\u0000${profile.name}\u0000${keyUsage.join(',')}`;
    let template = this.templates.get(key);
    if (!template) {
      template = compile(issuer, profile, keyUsage);
      this.templates.set(key, template);
    }
    return template;
  }
}

function compile(
  issuer: OnlineIssuer,
  profile: CertificateProfile,
  keyUsage: readonly KeyUsageName[],
): CertificateTemplate {
  const leading = [basicConstraintsExtension(profile.ca, profile.pathLength), keyUsageExtension(keyUsage)];
  if (profile.extendedKeyUsage.length > 0) leading.push(extendedKeyUsageExtension(profile.extendedKeyUsage));
  if (profile.ocspNoCheck) leading.push(ocspNoCheckExtension());
  const trailing = [];
  const { crlUrl, ocspUrl, caIssuersUrl } = issuer.pointers;
  if (profile.revocationPointers && crlUrl !== undefined)
    trailing.push(crlDistributionPointsExtension([crlUrl]));
  if (profile.revocationPointers && (ocspUrl !== undefined || caIssuersUrl !== undefined)) {
    trailing.push(
      authorityInfoAccessExtension({
        ...(ocspUrl === undefined ? {} : { ocsp: [ocspUrl] }),
        ...(caIssuersUrl === undefined ? {} : { caIssuers: [caIssuersUrl] }),
      }),
    );
  }
  return new CertificateTemplate({
    signatureAlgorithm: issuer.signer.signatureAlgorithm,
    issuerDer: issuer.certificate.subjectDer,
    authorityKeyId: issuer.certificate.extensions.subjectKeyId ?? new Uint8Array(0),
    leadingExtensions: leading,
    trailingExtensions: trailing,
  });
}
