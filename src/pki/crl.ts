import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  CertificateList,
  CRLNumber,
  CRLReason,
  Extension,
  InvalidityDate,
  Name,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
} from '@peculiar/asn1-x509';
import type { SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { REVOCATION_REASON_CODES, type RevocationReason } from '../core/revocation-reason.js';
import type { SignatureAlgorithm } from './algorithms/signature-algorithm.js';
import { decodeDer, decodeDerWithTree, encodeDer, hexToBytes, rawChild, toArrayBuffer } from './der.js';
import { derBitString, derUnsignedInteger, TAG, tlv } from './der-writer.js';
import { authorityKeyIdentifierExtension, readExtensions } from './extensions.js';
import { formatName } from './name.js';
import { OID } from './oids.js';
import { readDerOrPem } from './pem.js';
import { serialToHex } from './serial.js';

export interface CrlEntry {
  readonly serial: SerialHex;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
  readonly invalidityDate?: Date;
}

export interface CrlFields {
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly issuerDer: Uint8Array;
  readonly authorityKeyId: Uint8Array;
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: readonly CrlEntry[];
}

/**
 * Encodes a v2 TBSCertList (RFC 5280 §5.1) with the CRL number and authority key identifier that §5.2 requires.
 * An entry's reasonCode is omitted for `unspecified`, as §5.3.1 recommends.
 */
export function encodeTbsCertList(fields: CrlFields): Uint8Array {
  if (!Number.isSafeInteger(fields.crlNumber) || fields.crlNumber < 0) {
    throw new PkiError('INTERNAL', 'CRL number must be a non-negative integer');
  }
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: AsnConvert.parse(fields.signatureAlgorithm.identifierDer, AlgorithmIdentifier),
    issuer: AsnConvert.parse(fields.issuerDer, Name),
    thisUpdate: new Time(fields.thisUpdate),
    nextUpdate: new Time(fields.nextUpdate),
    crlExtensions: [
      authorityKeyIdentifierExtension(fields.authorityKeyId),
      new Extension({
        extnID: OID.crlNumber,
        critical: false,
        extnValue: new OctetString(encodeDer(new CRLNumber(fields.crlNumber))),
      }),
    ],
  });
  if (fields.entries.length > 0) tbs.revokedCertificates = fields.entries.map(revokedCertificate);
  return encodeDer(tbs);
}

function revokedCertificate(entry: CrlEntry): RevokedCertificate {
  const extensions: Extension[] = [];
  if (entry.reason !== 'unspecified') {
    extensions.push(
      new Extension({
        extnID: OID.crlReason,
        critical: false,
        extnValue: new OctetString(encodeDer(new CRLReason(REVOCATION_REASON_CODES[entry.reason]))),
      }),
    );
  }
  if (entry.invalidityDate) {
    extensions.push(
      new Extension({
        extnID: OID.invalidityDate,
        critical: false,
        extnValue: new OctetString(encodeDer(new InvalidityDate(secondsOnly(entry.invalidityDate)))),
      }),
    );
  }
  const integer = derUnsignedInteger(hexToBytes(entry.serial));
  const revoked = new RevokedCertificate({
    userCertificate: toArrayBuffer(integer.subarray(2)),
    revocationDate: new Time(entry.revokedAt),
  });
  if (extensions.length > 0) revoked.crlEntryExtensions = extensions;
  return revoked;
}

/** GeneralizedTime in X.509 must not carry fractional seconds (RFC 5280 §4.1.2.5.2). */
function secondsOnly(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function assembleCrl(
  tbsDer: Uint8Array,
  algorithm: SignatureAlgorithm,
  signature: Uint8Array,
): Uint8Array {
  return tlv(TAG.sequence, tbsDer, algorithm.identifierDer, derBitString(signature));
}

export interface ParsedCrl {
  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly issuerText: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly crlNumber: number | undefined;
  readonly authorityKeyId: Uint8Array | undefined;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly entries: readonly CrlEntry[];
}

const REASON_BY_CODE = new Map(
  Object.entries(REVOCATION_REASON_CODES).map(([name, code]) => [code, name as RevocationReason]),
);

export function parseCrl(input: Uint8Array | string): ParsedCrl {
  const der = readDerOrPem(input, ['X509 CRL'], 'CRL');
  const { value: list, tree } = decodeDerWithTree(der, CertificateList, 'CRL');
  const tbs = list.tbsCertList;
  const issuerIndex = tbs.version === undefined ? 1 : 2;
  const crlExtensions = readExtensions(tbs.crlExtensions, 'CRL');
  const crlNumberExt = tbs.crlExtensions?.find((e) => e.extnID === OID.crlNumber);
  return {
    der,
    tbsDer: rawChild(tree, [0], 'CRL'),
    issuerDer: rawChild(tree, [0, issuerIndex], 'CRL'),
    issuerText: formatName(tbs.issuer),
    thisUpdate: tbs.thisUpdate.getTime(),
    nextUpdate: tbs.nextUpdate?.getTime(),
    crlNumber: crlNumberExt
      ? decodeDer(new Uint8Array(crlNumberExt.extnValue.buffer), CRLNumber, 'CRL number').value
      : undefined,
    authorityKeyId: crlExtensions.authorityKeyId,
    signatureAlgorithm: list.signatureAlgorithm,
    signature: new Uint8Array(list.signature),
    entries: (tbs.revokedCertificates ?? []).map((revoked) => {
      const reasonExt = revoked.crlEntryExtensions?.find((e) => e.extnID === OID.crlReason);
      const invalidityExt = revoked.crlEntryExtensions?.find((e) => e.extnID === OID.invalidityDate);
      const code = reasonExt
        ? decodeDer(new Uint8Array(reasonExt.extnValue.buffer), CRLReason, 'CRL reason').reason
        : 0;
      const entry: CrlEntry = {
        serial: serialToHex(new Uint8Array(revoked.userCertificate)),
        revokedAt: revoked.revocationDate.getTime(),
        reason: REASON_BY_CODE.get(code) ?? 'unspecified',
      };
      return invalidityExt
        ? {
            ...entry,
            invalidityDate: decodeDer(
              new Uint8Array(invalidityExt.extnValue.buffer),
              InvalidityDate,
              'invalidity date',
            ).value,
          }
        : entry;
    }),
  };
}
