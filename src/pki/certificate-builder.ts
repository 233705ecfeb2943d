import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Certificate,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  type Extension,
} from '@peculiar/asn1-x509';
import type { SignatureAlgorithm } from './algorithms/signature-algorithm.js';
import { encodeDer, toArrayBuffer } from './der.js';
import { DerWriter, derUnsignedInteger, TAG, tlvSize } from './der-writer.js';

/** Everything that goes into a TBSCertificate. Extensions are written in the order given. */
export interface CertificateFields {
  /** Serial magnitude, big-endian, positive. */
  readonly serial: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spkiDer: Uint8Array;
  readonly extensions: readonly Extension[];
}

/**
 * Encodes a v3 TBSCertificate with the asn1 schemas. This is the reference encoding: the issuance template
 * (tbs-template.ts) must produce the same bytes, and ceremonies (roots, intermediates) use this path directly.
 */
export function encodeTbsCertificate(fields: CertificateFields): Uint8Array {
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(encodeSerialContent(fields.serial)),
    signature: AsnConvert.parse(fields.signatureAlgorithm.identifierDer, AlgorithmIdentifier),
    issuer: AsnConvert.parse(fields.issuerDer, Name),
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: AsnConvert.parse(fields.subjectDer, Name),
    subjectPublicKeyInfo: AsnConvert.parse(fields.spkiDer, SubjectPublicKeyInfo),
  });
  if (fields.extensions.length > 0) tbs.extensions = new Extensions([...fields.extensions]);
  return encodeDer(tbs);
}

/** The INTEGER content octets of a positive serial (a leading zero octet where the top bit is set). */
function encodeSerialContent(magnitude: Uint8Array): Uint8Array {
  const integer = derUnsignedInteger(magnitude);
  return integer.subarray(integer[1] !== undefined && integer[1] & 0x80 ? 2 + (integer[1] & 0x7f) : 2);
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }, around TBS bytes
 * that are already encoded (and signed), so they are never re-encoded.
 */
export function assembleCertificate(
  tbsDer: Uint8Array,
  algorithm: SignatureAlgorithm,
  signature: Uint8Array,
): Uint8Array {
  const content = tbsDer.length + algorithm.identifierDer.length + tlvSize(signature.length + 1);
  return new DerWriter(tlvSize(content))
    .header(TAG.sequence, content)
    .bytes(tbsDer)
    .bytes(algorithm.identifierDer)
    .header(TAG.bitString, signature.length + 1)
    .bytes(UNUSED_BITS_NONE)
    .bytes(signature)
    .finish();
}

/** The leading octet of a BIT STRING whose bits fill whole octets. */
const UNUSED_BITS_NONE = Uint8Array.of(0);

/** The schema encoding of the same certificate; tests compare {@link assembleCertificate} against it. */
export function assembleCertificateWithSchema(
  tbsDer: Uint8Array,
  algorithm: SignatureAlgorithm,
  signature: Uint8Array,
): Uint8Array {
  return encodeDer(
    new Certificate({
      tbsCertificate: AsnConvert.parse(tbsDer, TBSCertificate),
      signatureAlgorithm: AsnConvert.parse(algorithm.identifierDer, AlgorithmIdentifier),
      signatureValue: toArrayBuffer(signature),
    }),
  );
}

/** Signs the fields with `sign` and returns the certificate DER. */
export async function buildCertificate(
  fields: CertificateFields,
  sign: (tbsDer: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const tbsDer = encodeTbsCertificate(fields);
  return assembleCertificate(tbsDer, fields.signatureAlgorithm, await sign(tbsDer));
}
