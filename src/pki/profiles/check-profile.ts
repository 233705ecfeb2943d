import type { Name } from '@peculiar/asn1-x509';
import { formatDuration } from '../../core/duration.js';
import { PkiError } from '../../core/pki-error.js';
import type { KeyAlgorithmName } from '../algorithms/key-algorithm.js';
import type { KeyUsageName } from '../extensions.js';
import { type AltName, formatAltName, isDnsName } from '../general-names.js';
import { attributeShortName, nameAttributes } from '../name.js';
import type { CertificateProfile } from './certificate-profile.js';

/** What a requester asks for, before the profile has had its say. */
export interface RequestedContent {
  readonly subject: Name;
  readonly altNames: readonly AltName[];
  readonly keyAlgorithm: KeyAlgorithmName;
  /** Requested lifetime; the profile's default when absent. */
  readonly validitySeconds?: number;
}

/** What the profile decided. */
export interface ProfileDecision {
  readonly validitySeconds: number;
  readonly keyUsage: readonly KeyUsageName[];
  /** RFC 5280 §4.2.1.6: with an empty subject the SAN extension must be critical. */
  readonly altNamesCritical: boolean;
}

function refuse(profile: CertificateProfile, rule: string, message: string): never {
  throw new PkiError('POLICY_VIOLATION', `${profile.name} profile: ${message}`, {
    details: { profile: profile.name, rule: `${profile.name}.${rule}` },
  });
}

/**
 * Applies a profile to requested content. Returns the decision, or throws POLICY_VIOLATION whose message says
 * which rule was broken and whose `details.rule` names it (`ldevid.validity.max`, `idevid.subject.required`…).
 */
export function checkProfile(profile: CertificateProfile, content: RequestedContent): ProfileDecision {
  if (!profile.keyAlgorithms.includes(content.keyAlgorithm)) {
    refuse(
      profile,
      'key-algorithm',
      `key type ${content.keyAlgorithm} is not allowed (allowed: ${profile.keyAlgorithms.join(', ')})`,
    );
  }

  const validitySeconds = content.validitySeconds ?? profile.validity.defaultSeconds;
  if (!Number.isSafeInteger(validitySeconds) || validitySeconds < profile.validity.minSeconds) {
    refuse(
      profile,
      'validity.min',
      `validity ${formatDuration(validitySeconds)} is shorter than the minimum ${formatDuration(profile.validity.minSeconds)}`,
    );
  }
  if (validitySeconds > profile.validity.maxSeconds) {
    refuse(
      profile,
      'validity.max',
      `validity ${formatDuration(validitySeconds)} exceeds the maximum ${formatDuration(profile.validity.maxSeconds)}`,
    );
  }

  const attributes = nameAttributes(content.subject);
  if (attributes.length === 0 && !profile.subject.mayBeEmpty) {
    refuse(profile, 'subject.empty', 'the subject must not be empty');
  }
  for (const oid of profile.subject.required) {
    if (!attributes.some((a) => a.oid === oid)) {
      refuse(profile, 'subject.required', `the subject must contain ${attributeShortName(oid)}`);
    }
  }
  for (const attribute of attributes) {
    if (!profile.subject.allowed.includes(attribute.oid)) {
      refuse(profile, 'subject.attribute', `subject attribute ${attribute.type} is not allowed`);
    }
    if (attribute.value.trim().length === 0) {
      refuse(profile, 'subject.attribute', `subject attribute ${attribute.type} is empty`);
    }
  }

  for (const name of content.altNames) {
    if (!profile.altNames.allowed.includes(name.type)) {
      refuse(
        profile,
        'san.type',
        `subject alternative name ${formatAltName(name)} is of a type not allowed here`,
      );
    }
    if (name.type === 'dns' && !isDnsName(name.value, profile.altNames.wildcardDns)) {
      refuse(
        profile,
        'san.wildcard',
        `DNS name ${name.value} is not allowed (wildcards ${profile.altNames.wildcardDns ? 'only as the leftmost label' : 'are not allowed'})`,
      );
    }
  }
  const required = profile.altNames.requiredOneOf;
  if (required.length > 0 && !content.altNames.some((n) => required.includes(n.type))) {
    refuse(
      profile,
      'san.required',
      `a subject alternative name of type ${required.join(' or ')} is required`,
    );
  }
  if (attributes.length === 0 && content.altNames.length === 0) {
    refuse(profile, 'subject.empty', 'a certificate with an empty subject needs subject alternative names');
  }
  if (profile.name === 'tls-server') checkCommonNameInSans(profile, attributes, content.altNames);

  const keyUsage =
    content.keyAlgorithm.startsWith('rsa-') && profile.rsaKeyUsage ? profile.rsaKeyUsage : profile.keyUsage;
  return { validitySeconds, keyUsage, altNamesCritical: attributes.length === 0 };
}

/** A server certificate's CN, if any, must repeat one of its SAN entries (CA/Browser Forum BR §7.1.4.3). */
function checkCommonNameInSans(
  profile: CertificateProfile,
  attributes: ReturnType<typeof nameAttributes>,
  altNames: readonly AltName[],
): void {
  for (const cn of attributes.filter((a) => a.type === 'CN')) {
    const listed = altNames.some(
      (n) => (n.type === 'dns' || n.type === 'ip') && n.value.toLowerCase() === cn.value.toLowerCase(),
    );
    if (!listed)
      refuse(profile, 'subject.cn-not-in-san', `common name ${cn.value} must also appear as a DNS or IP SAN`);
  }
}
