import { Certificate } from '@peculiar/asn1-x509';
import { PkiError } from '../../../core/pki-error.js';
import { bytesEqual, decodeDer } from '../../../pki/der.js';
import { type ExtensionsView, readExtensions } from '../../../pki/extensions.js';
import type { AltName } from '../../../pki/general-names.js';
import { AcmeProblem } from '../wire/acme-problem.js';
import { acmeIdentifierValue, ID_PE_ACME_IDENTIFIER } from '../wire/acme-identifier-extension.js';
import { ipAddressBytes } from './ip-identifier.js';
import type { ValidationIdentifier } from './validation-identifier.js';

/**
 * RFC 8737 §3 (RFC 8738 §6 for `ip`): the certificate a tls-alpn-01 responder presented must name exactly the
 * identifier in its only subjectAltName and carry a critical acmeIdentifier extension holding SHA-256 of the key
 * authorization. Nothing else about it matters: it is self-signed and never chained. Any miss is RFC 8555 §6.7
 * `incorrectResponse`.
 */
export function checkTlsAlpn01Certificate(
  der: Uint8Array,
  identifier: ValidationIdentifier,
  keyAuthorization: string,
): void {
  const extensions = readCertificateExtensions(der);
  checkSubjectAltName(extensions.view, identifier);
  const acmeIdentifier = extensions.raw.find((ext) => ext.extnID === ID_PE_ACME_IDENTIFIER);
  if (acmeIdentifier === undefined)
    throw incorrect('the certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)');
  if (!acmeIdentifier.critical) throw incorrect('the acmeIdentifier extension is not marked critical');
  if (!bytesEqual(new Uint8Array(acmeIdentifier.extnValue.buffer), acmeIdentifierValue(keyAuthorization)))
    throw incorrect('the acmeIdentifier extension does not hold the SHA-256 of the key authorization');
}

function readCertificateExtensions(der: Uint8Array) {
  try {
    const raw = decodeDer(der, Certificate, 'tls-alpn-01 certificate').tbsCertificate.extensions ?? [];
    return { raw, view: readExtensions(raw, 'tls-alpn-01 certificate') };
  } catch (error) {
    if (error instanceof PkiError) throw incorrect(error.message, error);
    throw error;
  }
}

function checkSubjectAltName(view: ExtensionsView, identifier: ValidationIdentifier): void {
  const names = view.subjectAltNames?.names ?? [];
  if (names.length !== 1) {
    throw incorrect(
      `the certificate must have exactly one subjectAltName, ${identifier.value}; it has ${names.length}`,
    );
  }
  const [name] = names as [AltName];
  if (!namesIdentifier(name, identifier))
    throw incorrect(`the certificate's subjectAltName is not ${identifier.type} ${identifier.value}`);
}

/** DNS names compare case-insensitively (RFC 8737 §3, RFC 4343); addresses compare as octets. */
function namesIdentifier(name: AltName, identifier: ValidationIdentifier): boolean {
  if (identifier.type === 'dns')
    return name.type === 'dns' && name.value.toLowerCase() === identifier.value.toLowerCase();
  if (name.type !== 'ip') return false;
  const presented = ipAddressBytes(name.value);
  const expected = ipAddressBytes(identifier.value);
  return presented !== undefined && expected !== undefined && bytesEqual(presented, expected);
}

function incorrect(detail: string, cause?: unknown): AcmeProblem {
  return new AcmeProblem('incorrectResponse', detail, cause === undefined ? {} : { cause });
}
