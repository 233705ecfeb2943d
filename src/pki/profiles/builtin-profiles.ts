import { SECONDS_PER_DAY } from '../../core/duration.js';
import { PkiError } from '../../core/pki-error.js';
import type { KeyAlgorithmName } from '../algorithms/key-algorithm.js';
import { OID } from '../oids.js';
import { type CertificateProfile, isProfileName, type ProfileName } from './certificate-profile.js';

const HOUR = 3600;
const DAY = SECONDS_PER_DAY;
const YEAR = 365 * DAY;

const CA_KEYS: readonly KeyAlgorithmName[] = ['ec-p256', 'ec-p384', 'ed25519', 'rsa-3072', 'rsa-4096'];
const DEVICE_KEYS: readonly KeyAlgorithmName[] = ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048', 'rsa-3072'];
const ORGANIZATION_ATTRIBUTES = [
  OID.commonName,
  OID.organizationName,
  OID.organizationalUnitName,
  OID.countryName,
  OID.stateOrProvinceName,
  OID.localityName,
  OID.domainComponent,
  OID.serialNumber,
  OID.matterVendorId,
  OID.matterProductId,
];
const DEVICE_ATTRIBUTES = [
  OID.commonName,
  OID.serialNumber,
  OID.organizationName,
  OID.organizationalUnitName,
  OID.countryName,
  OID.matterVendorId,
  OID.matterProductId,
];

const PROFILES: Record<ProfileName, CertificateProfile> = {
  'root-ca': {
    name: 'root-ca',
    description: 'Offline root CA (self-signed trust anchor)',
    issuedBy: 'self',
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    extendedKeyUsage: [],
    validity: { defaultSeconds: 20 * YEAR, minSeconds: YEAR, maxSeconds: 30 * YEAR },
    keyAlgorithms: CA_KEYS,
    subject: { required: [OID.commonName], allowed: ORGANIZATION_ATTRIBUTES, mayBeEmpty: false },
    altNames: { requiredOneOf: [], allowed: [], wildcardDns: false },
    revocationPointers: false,
  },
  'intermediate-ca': {
    name: 'intermediate-ca',
    description: 'Online issuing CA for a product line or role, signed by the root (pathLen 0)',
    issuedBy: 'root',
    ca: true,
    pathLength: 0,
    keyUsage: ['keyCertSign', 'cRLSign'],
    extendedKeyUsage: [],
    validity: { defaultSeconds: 10 * YEAR, minSeconds: 30 * DAY, maxSeconds: 20 * YEAR },
    keyAlgorithms: CA_KEYS,
    subject: { required: [OID.commonName], allowed: ORGANIZATION_ATTRIBUTES, mayBeEmpty: false },
    altNames: { requiredOneOf: [], allowed: [], wildcardDns: false },
    revocationPointers: true,
  },
  idevid: {
    name: 'idevid',
    description:
      'Factory birth certificate (IEEE 802.1AR IDevID), long-lived, device serial number in the subject',
    issuedBy: 'intermediate',
    ca: false,
    keyUsage: ['digitalSignature'],
    // Not clientAuth: the birth certificate proves identity to the enrollment server only, never in daily TLS.
    extendedKeyUsage: [OID.certfleetDeviceBirth],
    validity: { defaultSeconds: 15 * YEAR, minSeconds: YEAR, maxSeconds: 30 * YEAR },
    keyAlgorithms: DEVICE_KEYS,
    subject: { required: [OID.serialNumber], allowed: DEVICE_ATTRIBUTES, mayBeEmpty: false },
    altNames: {
      requiredOneOf: [],
      allowed: ['uri', 'permanentIdentifier', 'hardwareModuleName'],
      wildcardDns: false,
    },
    revocationPointers: true,
  },
  ldevid: {
    name: 'ldevid',
    description: 'Operational device certificate (LDevID), short-lived, device identity in a SAN URI',
    issuedBy: 'intermediate',
    ca: false,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [OID.clientAuth],
    validity: { defaultSeconds: 30 * DAY, minSeconds: HOUR, maxSeconds: 90 * DAY },
    renewalWindowStart: 2 / 3,
    keyAlgorithms: DEVICE_KEYS,
    subject: { required: [], allowed: DEVICE_ATTRIBUTES, mayBeEmpty: true },
    altNames: {
      requiredOneOf: ['uri'],
      allowed: ['uri', 'dns', 'ip', 'permanentIdentifier', 'hardwareModuleName'],
      wildcardDns: false,
    },
    revocationPointers: true,
  },
  'tls-server': {
    name: 'tls-server',
    description: 'TLS server (gateways, OTA servers, MQTT brokers): DNS names or IP addresses in the SAN',
    issuedBy: 'intermediate',
    ca: false,
    keyUsage: ['digitalSignature'],
    rsaKeyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: [OID.serverAuth],
    validity: { defaultSeconds: 90 * DAY, minSeconds: HOUR, maxSeconds: 397 * DAY },
    renewalWindowStart: 2 / 3,
    keyAlgorithms: DEVICE_KEYS,
    subject: {
      required: [],
      allowed: [OID.commonName, OID.organizationName, OID.organizationalUnitName, OID.countryName],
      mayBeEmpty: true,
    },
    altNames: { requiredOneOf: ['dns', 'ip'], allowed: ['dns', 'ip'], wildcardDns: true },
    revocationPointers: true,
  },
  'code-signing': {
    name: 'code-signing',
    description: 'Firmware and software signing',
    issuedBy: 'intermediate',
    ca: false,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [OID.codeSigning],
    validity: { defaultSeconds: YEAR, minSeconds: DAY, maxSeconds: 3 * YEAR },
    keyAlgorithms: ['ec-p256', 'ec-p384', 'ed25519', 'rsa-3072', 'rsa-4096'],
    subject: {
      required: [OID.commonName, OID.organizationName],
      allowed: [
        OID.commonName,
        OID.organizationName,
        OID.organizationalUnitName,
        OID.countryName,
        OID.localityName,
      ],
      mayBeEmpty: false,
    },
    altNames: { requiredOneOf: [], allowed: ['email', 'uri'], wildcardDns: false },
    revocationPointers: true,
  },
  'factory-station': {
    name: 'factory-station',
    description: 'A factory provisioning station: authenticates to EST to have IDevIDs signed',
    issuedBy: 'intermediate',
    ca: false,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [OID.clientAuth],
    validity: { defaultSeconds: YEAR, minSeconds: DAY, maxSeconds: 3 * YEAR },
    keyAlgorithms: ['ec-p256', 'ec-p384', 'ed25519', 'rsa-3072'],
    subject: {
      required: [OID.commonName],
      allowed: [
        OID.commonName,
        OID.organizationName,
        OID.organizationalUnitName,
        OID.countryName,
        OID.localityName,
      ],
      mayBeEmpty: false,
    },
    altNames: { requiredOneOf: [], allowed: ['uri', 'dns'], wildcardDns: false },
    revocationPointers: true,
  },
  'ocsp-responder': {
    name: 'ocsp-responder',
    description:
      "A server node's delegated OCSP responder (RFC 6960 §4.2.2.2), short-lived, never checked itself",
    issuedBy: 'intermediate',
    ca: false,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [OID.ocspSigning],
    validity: { defaultSeconds: 7 * DAY, minSeconds: HOUR, maxSeconds: 30 * DAY },
    keyAlgorithms: ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048', 'rsa-3072'],
    subject: {
      required: [OID.commonName],
      allowed: [OID.commonName, OID.organizationName],
      mayBeEmpty: false,
    },
    altNames: { requiredOneOf: [], allowed: [], wildcardDns: false },
    // No CRL or OCSP pointers: with id-pkix-ocsp-nocheck, relying parties do not check the responder's status.
    revocationPointers: false,
    ocspNoCheck: true,
  },
  'cmp-ra': {
    name: 'cmp-ra',
    description:
      "A server node's CMP signing certificate (RFC 9810 §5.1.3.3, RFC 9483 §3.3: id-kp-cmcRA), protects responses",
    issuedBy: 'intermediate',
    ca: false,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [OID.cmcRA],
    validity: { defaultSeconds: 7 * DAY, minSeconds: HOUR, maxSeconds: 30 * DAY },
    keyAlgorithms: ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048', 'rsa-3072'],
    subject: {
      required: [OID.commonName],
      allowed: [OID.commonName, OID.organizationName],
      mayBeEmpty: false,
    },
    altNames: { requiredOneOf: [], allowed: [], wildcardDns: false },
    revocationPointers: true,
  },
};

export function builtinProfile(name: ProfileName): CertificateProfile {
  return PROFILES[name];
}

/** Looks a profile up by user-supplied name; an unknown name is refused with the list of known ones. */
export function profileByName(name: string): CertificateProfile {
  if (!isProfileName(name)) {
    throw new PkiError(
      'POLICY_VIOLATION',
      `unknown certificate profile '${name}'; known: ${Object.keys(PROFILES).join(', ')}`,
      {
        details: { rule: 'profile.unknown' },
      },
    );
  }
  return PROFILES[name];
}

export function builtinProfiles(): readonly CertificateProfile[] {
  return Object.values(PROFILES);
}
