import { OctetString } from '@peculiar/asn1-schema';
import { Extension } from '@peculiar/asn1-x509';
import { isIP } from 'node:net';
import { privateKeyToPkcs8 } from '../../src/pki/algorithms/key-algorithm.js';
import type { AltName } from '../../src/pki/general-names.js';
import { encodePem } from '../../src/pki/pem.js';
import {
  acmeIdentifierExtension,
  acmeIdentifierValue,
  ID_PE_ACME_IDENTIFIER,
} from '../../src/protocols/acme/wire/acme-identifier-extension.js';
import { makeTestCertificate } from './pki-fixtures.js';

/** A key and certificate in the PEM form node:tls takes. */
export interface PemCredential {
  readonly keyPem: string;
  readonly certPem: string;
}

/** Ways to get a tls-alpn-01 certificate wrong, so a validator can be shown to refuse each. */
export interface TlsAlpn01CertificateFaults {
  /** These subjectAltNames instead of the identifier alone (two names, another name, none). */
  readonly altNames?: readonly AltName[];
  /** `missing`: no acmeIdentifier; `non-critical`: present, not critical; `wrong-digest`: another key authz. */
  readonly acmeIdentifier?: 'missing' | 'non-critical' | 'wrong-digest';
}

/** The subjectAltName that names `identifierValue`: an iPAddress for an IP literal, a dNSName otherwise. */
export function altNameOf(identifierValue: string): AltName {
  return isIP(identifierValue) === 0
    ? { type: 'dns', value: identifierValue }
    : { type: 'ip', value: identifierValue };
}

/** RFC 8737 §3: a fresh self-signed P-256 certificate answering tls-alpn-01 for `identifierValue`. */
export function makeTlsAlpn01Certificate(
  identifierValue: string,
  keyAuthorization: string,
  faults: TlsAlpn01CertificateFaults = {},
): PemCredential {
  return pemOf(
    makeTestCertificate({
      subject: 'tls-alpn-01 responder',
      altNames: faults.altNames ?? [altNameOf(identifierValue)],
      extraExtensions: acmeIdentifierExtensions(keyAuthorization, faults.acmeIdentifier),
    }),
  );
}

/** A plain self-signed certificate for `name`, for TLS that has nothing to do with a challenge. */
export function makePlainTlsCertificate(name: string): PemCredential {
  return pemOf(makeTestCertificate({ subject: name, altNames: [altNameOf(name)] }));
}

function acmeIdentifierExtensions(
  keyAuthorization: string,
  fault: TlsAlpn01CertificateFaults['acmeIdentifier'],
): Extension[] {
  switch (fault) {
    case undefined:
      return [acmeIdentifierExtension(keyAuthorization)];
    case 'missing':
      return [];
    case 'non-critical':
      return [
        new Extension({
          extnID: ID_PE_ACME_IDENTIFIER,
          critical: false,
          extnValue: new OctetString(acmeIdentifierValue(keyAuthorization)),
        }),
      ];
    case 'wrong-digest':
      return [acmeIdentifierExtension(`${keyAuthorization}-not`)];
  }
}

function pemOf(credential: ReturnType<typeof makeTestCertificate>): PemCredential {
  return {
    keyPem: encodePem('PRIVATE KEY', privateKeyToPkcs8(credential.key)),
    certPem: encodePem('CERTIFICATE', credential.cert.der),
  };
}
