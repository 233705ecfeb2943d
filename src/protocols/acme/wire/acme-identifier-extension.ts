import { createHash } from 'node:crypto';
import { OctetString } from '@peculiar/asn1-schema';
import { Extension } from '@peculiar/asn1-x509';
import { encodeDer } from '../../../pki/der.js';

/** RFC 8737 §6.1: id-pe-acmeIdentifier, the extension a tls-alpn-01 certificate proves the challenge with. */
export const ID_PE_ACME_IDENTIFIER = '1.3.6.1.5.5.7.1.31';

/**
 * RFC 8737 §3: the extension's extnValue, `Authorization ::= OCTET STRING (SIZE (32))` holding the SHA-256 of
 * the key authorization, DER-encoded (`04 20` and the digest).
 */
export function acmeIdentifierValue(keyAuthorization: string): Uint8Array {
  const digest = createHash('sha256').update(keyAuthorization, 'utf8').digest();
  return encodeDer(new OctetString(digest));
}

/** RFC 8737 §3: the acmeIdentifier extension, which MUST be critical, for a tls-alpn-01 certificate. */
export function acmeIdentifierExtension(keyAuthorization: string): Extension {
  return new Extension({
    extnID: ID_PE_ACME_IDENTIFIER,
    critical: true,
    extnValue: new OctetString(acmeIdentifierValue(keyAuthorization)),
  });
}
