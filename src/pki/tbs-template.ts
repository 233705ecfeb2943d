import { hash } from 'node:crypto';
import type { Extension } from '@peculiar/asn1-x509';
import type { SignatureAlgorithm } from './algorithms/signature-algorithm.js';
import { encodeDer, encodeOid } from './der.js';
import { spkiKeyBits } from './der-reader.js';
import { concatBytes, DerWriter, TAG, timeSize, tlv, tlvSize, unsignedIntegerSize } from './der-writer.js';
import {
  authorityKeyIdentifierExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from './extensions.js';
import type { AltName } from './general-names.js';
import { OID } from './oids.js';

/** What stays the same for every certificate one issuer signs under one profile. */
export interface TemplateFixedFields {
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly issuerDer: Uint8Array;
  readonly authorityKeyId: Uint8Array;
  /** Written before subjectKeyIdentifier (basicConstraints, keyUsage, extKeyUsage…). */
  readonly leadingExtensions: readonly Extension[];
  /** Written after subjectAltName (cRLDistributionPoints, authorityInfoAccess…). */
  readonly trailingExtensions: readonly Extension[];
}

/** What changes per certificate. */
export interface TemplateVariableFields {
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectDer: Uint8Array;
  readonly spkiDer: Uint8Array;
  readonly altNames: readonly AltName[];
  readonly altNamesCritical: boolean;
}

const VERSION_V3 = Uint8Array.of(0xa0, 0x03, 0x02, 0x01, 0x02);
const SAN_OID = encodeOid(OID.subjectAltName);
const CRITICAL_TRUE = Uint8Array.of(0x01, 0x01, 0xff);
const EMPTY = new Uint8Array(0);
/** Extension { subjectKeyIdentifier, OCTET STRING { OCTET STRING (20 bytes) } } up to the key identifier. */
const SKI_EXTENSION_PREFIX = tlv(
  TAG.sequence,
  encodeOid(OID.subjectKeyIdentifier),
  tlv(TAG.octetString, tlv(TAG.octetString, new Uint8Array(20))),
).subarray(0, -20);
const SKI_EXTENSION_SIZE = SKI_EXTENSION_PREFIX.length + 20;
/** GeneralName context tags (IMPLICIT IA5String) for the names the fast path writes itself. */
const GENERAL_NAME_TAG = { email: 0x81, dns: 0x82, uri: 0x86 } as const;

/**
 * A TBSCertificate compiled once per (issuer, profile): the fixed parts are encoded in advance with the asn1
 * schemas and only the per-certificate fields (serial, validity, subject, key, key identifier, alternative
 * names) are written at issuance. The result is byte-for-byte what `encodeTbsCertificate` produces for
 * {@link CertificateTemplate.extensionsFor}'s extension list (tbs-template.test.ts), at a small fraction of
 * the cost, which is what lets issuance approach the raw signing rate.
 */
export class CertificateTemplate {
  private readonly afterSerial: Uint8Array;
  private readonly leading: Uint8Array;
  private readonly authorityKeyIdDer: Uint8Array;
  private readonly trailing: Uint8Array;

  constructor(readonly fixed: TemplateFixedFields) {
    this.afterSerial = concatBytes([fixed.signatureAlgorithm.identifierDer, fixed.issuerDer]);
    this.leading = concatBytes(fixed.leadingExtensions.map((e) => encodeDer(e)));
    this.authorityKeyIdDer = encodeDer(authorityKeyIdentifierExtension(fixed.authorityKeyId));
    this.trailing = concatBytes(fixed.trailingExtensions.map((e) => encodeDer(e)));
  }

  /** The TBSCertificate DER for these fields, written into one buffer sized in advance. */
  encode(fields: TemplateVariableFields): Uint8Array {
    const keyId = subjectKeyIdOf(fields.spkiDer);
    const san =
      fields.altNames.length === 0 ? EMPTY : encodeSanExtension(fields.altNames, fields.altNamesCritical);
    const validityContent = timeSize(fields.notBefore) + timeSize(fields.notAfter);
    const extensionsContent =
      this.leading.length +
      SKI_EXTENSION_SIZE +
      this.authorityKeyIdDer.length +
      san.length +
      this.trailing.length;
    const extensionsSequence = tlvSize(extensionsContent);
    const tbsContent =
      VERSION_V3.length +
      unsignedIntegerSize(fields.serial) +
      this.afterSerial.length +
      tlvSize(validityContent) +
      fields.subjectDer.length +
      fields.spkiDer.length +
      tlvSize(extensionsSequence);
    return new DerWriter(tlvSize(tbsContent))
      .header(TAG.sequence, tbsContent)
      .bytes(VERSION_V3)
      .unsignedInteger(fields.serial)
      .bytes(this.afterSerial)
      .header(TAG.sequence, validityContent)
      .time(fields.notBefore)
      .time(fields.notAfter)
      .bytes(fields.subjectDer)
      .bytes(fields.spkiDer)
      .header(0xa3, extensionsSequence)
      .header(TAG.sequence, extensionsContent)
      .bytes(this.leading)
      .bytes(SKI_EXTENSION_PREFIX)
      .bytes(keyId)
      .bytes(this.authorityKeyIdDer)
      .bytes(san)
      .bytes(this.trailing)
      .finish();
  }

  /** The extension list, in template order, that the schema encoder needs to reproduce {@link encode}. */
  extensionsFor(fields: TemplateVariableFields): Extension[] {
    return [
      ...this.fixed.leadingExtensions,
      subjectKeyIdentifierExtension(subjectKeyIdOf(fields.spkiDer)),
      authorityKeyIdentifierExtension(this.fixed.authorityKeyId),
      ...(fields.altNames.length === 0
        ? []
        : [subjectAltNameExtension(fields.altNames, fields.altNamesCritical)]),
      ...this.fixed.trailingExtensions,
    ];
  }
}

/** RFC 5280 §4.2.1.2 method (1), as extensions.keyIdentifierOf. */
function subjectKeyIdOf(spkiDer: Uint8Array): Uint8Array {
  return hash('sha1', spkiKeyBits(spkiDer), 'buffer');
}

function encodeSanExtension(names: readonly AltName[], critical: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const name of names) {
    if (name.type !== 'dns' && name.type !== 'uri' && name.type !== 'email') {
      // Rare forms (IP addresses, otherNames) take the schema path.
      return encodeDer(subjectAltNameExtension(names, critical));
    }
    parts.push(tlv(GENERAL_NAME_TAG[name.type], Buffer.from(name.value, 'latin1')));
  }
  const value = tlv(TAG.octetString, tlv(TAG.sequence, ...parts));
  return critical ? tlv(TAG.sequence, SAN_OID, CRITICAL_TRUE, value) : tlv(TAG.sequence, SAN_OID, value);
}
