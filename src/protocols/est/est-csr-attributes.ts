import { PkiError } from '../../core/pki-error.js';
import type { KeyAlgorithmName } from '../../pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../../pki/algorithms/signature-algorithm.js';
import { RenewalPolicy } from '../../pki/asn1/renewal-policy.js';
import { encodeDer } from '../../pki/der.js';
import { OID } from '../../pki/oids.js';
import type { CertificateProfile } from '../../pki/profiles/certificate-profile.js';
import { type CsrAttributesRequest, encodeCsrAttrs } from './wire/csr-attrs.js';

/**
 * What `csrattrs` tells a client about the next CSR under a profile (RFC 7030 §4.5, RFC 9908): the key type the
 * profile prefers, its signature algorithm, the subject attributes it requires (serialNumber for an IDevID), and
 * certfleet's renewal policy for profiles that are renewed automatically.
 */
export function csrAttributesFor(profile: CertificateProfile): Uint8Array {
  const key = profile.keyAlgorithms[0];
  if (key === undefined) throw new PkiError('CONFIG_INVALID', `profile ${profile.name} allows no key type`);
  const request: CsrAttributesRequest = {
    keyAlgorithm: keyTypeAttribute(key),
    signatureAlgorithmOid: defaultSignatureAlgorithm(key).oid,
    ...(profile.subject.required.length > 0
      ? { requiredSubjectAttributeOids: profile.subject.required }
      : {}),
    ...(profile.renewalWindowStart === undefined
      ? {}
      : {
          private: [
            {
              oid: OID.certfleetRenewalPolicy,
              valueDer: encodeDer(
                new RenewalPolicy({
                  lifetimeSeconds: profile.validity.defaultSeconds,
                  renewAfterSeconds: Math.round(profile.validity.defaultSeconds * profile.renewalWindowStart),
                }),
              ),
            },
          ],
        }),
  };
  return encodeCsrAttrs(request);
}

function keyTypeAttribute(key: KeyAlgorithmName): NonNullable<CsrAttributesRequest['keyAlgorithm']> {
  switch (key) {
    case 'ec-p256':
      return { oid: OID.ecPublicKey, parameter: OID.secp256r1 };
    case 'ec-p384':
      return { oid: OID.ecPublicKey, parameter: OID.secp384r1 };
    case 'ed25519':
      return { oid: OID.ed25519 };
    case 'rsa-2048':
      return { oid: OID.rsaEncryption, parameter: 2048 };
    case 'rsa-3072':
      return { oid: OID.rsaEncryption, parameter: 3072 };
    case 'rsa-4096':
      return { oid: OID.rsaEncryption, parameter: 4096 };
  }
}
