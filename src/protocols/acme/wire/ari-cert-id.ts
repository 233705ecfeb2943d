import { Certificate } from '@peculiar/asn1-x509';
import { PkiError } from '../../../core/pki-error.js';
import { decodeDer } from '../../../pki/der.js';
import { readExtensions } from '../../../pki/extensions.js';
import { readDerOrPem } from '../../../pki/pem.js';
import { AcmeProblem } from './acme-problem.js';
import { decodeBase64url, encodeBase64url } from './base64url.js';

/** RFC 9773 §4.1: the two halves of a certificate's unique identifier. */
export interface AriCertIdParts {
  /** The `keyIdentifier` of the certificate's Authority Key Identifier extension. */
  readonly keyIdentifier: Uint8Array;
  /** The serial number's DER INTEGER content octets, with the leading 00 that keeps a positive serial positive. */
  readonly serial: Uint8Array;
}

/**
 * RFC 5280 §4.1.2.2 caps serials at 20 octets (21 with the sign octet); key identifiers are usually 20. A little
 * room for non-conforming certificates, but no unbounded input from a URL path.
 */
const MAX_PART_OCTETS = 64;

/**
 * RFC 9773 §4.1: `base64url(AKI keyIdentifier) "." base64url(serial INTEGER contents)`, both unpadded. The
 * renewalInfo path component and the newOrder `replaces` value. Throws PkiError MALFORMED_INPUT for a certificate
 * that does not decode or has no AKI keyIdentifier (ARI cannot name it).
 */
export function ariCertId(certificate: Uint8Array | string): string {
  const der = readDerOrPem(certificate, ['CERTIFICATE'], 'certificate');
  const tbs = decodeDer(der, Certificate, 'certificate').tbsCertificate;
  const keyIdentifier = readExtensions(tbs.extensions, 'certificate').authorityKeyId;
  if (keyIdentifier === undefined || keyIdentifier.length === 0) {
    throw new PkiError(
      'MALFORMED_INPUT',
      'certificate: no authorityKeyIdentifier keyIdentifier, which RFC 9773 needs to name it',
    );
  }
  return formatAriCertId({ keyIdentifier, serial: new Uint8Array(tbs.serialNumber) });
}

export function formatAriCertId(parts: AriCertIdParts): string {
  return `${encodeBase64url(parts.keyIdentifier)}.${encodeBase64url(parts.serial)}`;
}

/**
 * Reads a certID from a renewalInfo path or a `replaces` member. Strict, because servers look certificates up by
 * these bytes: canonical unpadded base64url, a non-empty key identifier, and a serial that is a minimal,
 * non-negative DER INTEGER content (so one certificate has exactly one certID). Anything else is AcmeProblem
 * `malformed`.
 */
export function parseAriCertId(text: string): AriCertIdParts {
  const halves = text.split('.');
  if (halves.length !== 2) {
    throw new AcmeProblem('malformed', 'a certificate identifier is two base64url parts joined by "."');
  }
  const [keyIdentifierText = '', serialText = ''] = halves;
  const keyIdentifier = decodeBase64url(keyIdentifierText, 'the certificate identifier key identifier');
  const serial = decodeBase64url(serialText, 'the certificate identifier serial');
  if (keyIdentifier.length === 0 || keyIdentifier.length > MAX_PART_OCTETS) {
    throw new AcmeProblem('malformed', 'the certificate identifier key identifier has an impossible length');
  }
  if (serial.length === 0 || serial.length > MAX_PART_OCTETS) {
    throw new AcmeProblem('malformed', 'the certificate identifier serial has an impossible length');
  }
  const [first = 0, second = 0] = serial;
  if (first & 0x80) {
    throw new AcmeProblem('malformed', 'the certificate identifier serial is negative');
  }
  if (serial.length > 1 && first === 0 && (second & 0x80) === 0) {
    throw new AcmeProblem('malformed', 'the certificate identifier serial is not minimally encoded');
  }
  return { keyIdentifier, serial };
}
