import {
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  ContentInfo,
  EncapsulatedContentInfo,
  SignedData,
} from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { PkiError } from '../../../core/pki-error.js';
import { RawSignedData } from '../../../pki/asn1/raw-signed-data.js';
import { bytesEqual, decodeDer, encodeDer, encodeOid, toArrayBuffer } from '../../../pki/der.js';
import { TAG, tlv } from '../../../pki/der-writer.js';
import { OID } from '../../../pki/oids.js';

const WHAT = 'certs-only response';

/**
 * RFC 7030 §4.1.3 and §4.2.3, RFC 5272 §4.1: the CMC Simple PKI Response ("certs-only"), a degenerate SignedData
 * with no signers whose `certificates` hold `certificates` in the order given, each byte for byte as passed.
 *
 * ```asn1
 * ContentInfo { id-signedData, SignedData {
 *   version 1, digestAlgorithms {}, encapContentInfo { id-data }, certificates [0] {...}, signerInfos {} } }
 * ```
 *
 * The SET OF certificates is left in the caller's order, not sorted as strict DER would have it: openssl does
 * the same, and clients read a chain leaf-first or root-last from it. Each input must be one DER SEQUENCE (an
 * X.509 certificate); a bad one is INTERNAL, since it came from our own store or configuration.
 */
export function encodeCertsOnly(certificates: readonly Uint8Array[]): Uint8Array {
  certificates.forEach((der, index) => requireOneSequence(der, index));
  // Written directly (the response is on every enrollment's path); certs-only.test.ts proves the bytes equal
  // encodeCertsOnlyWithSchema's, and the certificates are copied, never re-encoded.
  const signedData = tlv(
    TAG.sequence,
    CMS_VERSION_1,
    EMPTY_SET,
    ENCAPSULATED_DATA,
    ...(certificates.length > 0 ? [tlv(0xa0, ...certificates)] : []),
    EMPTY_SET,
  );
  return tlv(TAG.sequence, SIGNED_DATA_OID, tlv(0xa0, signedData));
}

const CMS_VERSION_1 = Uint8Array.of(0x02, 0x01, 0x01);
const EMPTY_SET = Uint8Array.of(0x31, 0x00);
const ENCAPSULATED_DATA = tlv(TAG.sequence, encodeOid(OID.data));
const SIGNED_DATA_OID = encodeOid(OID.signedData);

/** The same response through the asn1-cms schemas: the reference encodeCertsOnly is tested against. */
export function encodeCertsOnlyWithSchema(certificates: readonly Uint8Array[]): Uint8Array {
  certificates.forEach((der, index) => requireOneSequence(der, index));
  const signed = new SignedData({
    version: CMSVersion.v1,
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: OID.data }),
  });
  if (certificates.length > 0) {
    signed.certificates = new CertificateSet(certificates.map((der) => new VerbatimCertificate(der)));
  }
  const out = encodeDer(
    new ContentInfo({ contentType: OID.signedData, content: AsnConvert.serialize(signed) }),
  );
  // The certificates' signatures cover their bytes: prove nothing re-encoded them on the way.
  const embedded = decodeCertsOnly(out);
  if (
    embedded.length !== certificates.length ||
    !embedded.every((der, i) => bytesEqual(der, certificates[i]!))
  ) {
    throw new PkiError('INTERNAL', `${WHAT}: certificates were not embedded byte for byte`);
  }
  return out;
}

/**
 * Reads a certs-only response (ours, openssl's `crl2pkcs7 -nocrl`, another EST server's) and returns its X.509
 * certificates in order, each exactly as embedded. Anything but a degenerate SignedData (signers, encapsulated
 * content, another content type, attribute or other certificate formats) is MALFORMED_INPUT. CRLs, which RFC 8551
 * §3.8 allows beside the certificates, are ignored.
 */
export function decodeCertsOnly(der: Uint8Array): Uint8Array[] {
  const info = decodeDer(der, ContentInfo, WHAT);
  if (info.contentType !== OID.signedData) {
    throw new PkiError('MALFORMED_INPUT', `${WHAT}: content type ${info.contentType} is not signedData`);
  }
  const signed = decodeDer(new Uint8Array(info.content), RawSignedData, `${WHAT}: SignedData`);
  if (signed.signerInfos.length > 0) {
    throw new PkiError('MALFORMED_INPUT', `${WHAT}: SignedData has signers, so it is not certs-only`);
  }
  const encapsulated = signed.encapContentInfo;
  if (encapsulated.eContentType !== OID.data || encapsulated.eContent !== undefined) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `${WHAT}: SignedData encapsulates content, so it is not certs-only`,
    );
  }
  return Array.from(signed.certificates ?? [], (buffer, index) => {
    const certificate = new Uint8Array(buffer);
    if (certificate[0] !== 0x30) {
      throw new PkiError(
        'MALFORMED_INPUT',
        `${WHAT}: certificate ${index + 1} is not an X.509 certificate (other certificate formats are not read)`,
      );
    }
    return certificate;
  });
}

function requireOneSequence(der: Uint8Array, index: number): void {
  let parsed: ReturnType<typeof asn1js.fromBER> | undefined;
  try {
    parsed = asn1js.fromBER(der);
  } catch {
    parsed = undefined;
  }
  const ok =
    parsed !== undefined &&
    parsed.offset === der.length &&
    !parsed.result.error &&
    parsed.result instanceof asn1js.Sequence;
  if (!ok) {
    throw new PkiError('INTERNAL', `${WHAT}: certificate ${index + 1} is not one DER SEQUENCE`);
  }
}

/**
 * The `certificate` alternative of CertificateChoices written as the exact bytes given. @peculiar/asn1-cms would
 * otherwise re-encode a parsed Certificate, and any difference from the original breaks its signature.
 */
class VerbatimCertificate extends CertificateChoices {
  constructor(private readonly der: Uint8Array) {
    super();
  }

  toASN(): asn1js.AsnType {
    return new VerbatimDer(this.der);
  }

  fromASN(): this {
    throw new Error('VerbatimCertificate is only written, never read');
  }
}

/** An asn1js node that writes bytes it was given, unparsed, into whatever contains it. */
class VerbatimDer extends asn1js.BaseBlock {
  constructor(private readonly der: Uint8Array) {
    super();
  }

  override toBER(_sizeOnly?: boolean, writer?: asn1js.ViewWriter): ArrayBuffer {
    const bytes = toArrayBuffer(this.der);
    if (!writer) return bytes;
    writer.write(bytes);
    return new ArrayBuffer(0);
  }
}
