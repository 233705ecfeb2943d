import { createHash } from 'node:crypto';
import { OctetString } from '@peculiar/asn1-schema';
import {
  AccessDescription,
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { decodeDer, encodeDer, toArrayBuffer } from './der.js';
import { spkiKeyBits } from './der-reader.js';
import { type AltName, fromGeneralName, toGeneralName } from './general-names.js';
import { OID } from './oids.js';

/** RFC 5280 §4.2.1.3 KeyUsage bits certfleet sets. */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
] as const;
export type KeyUsageName = (typeof KEY_USAGES)[number];

const KEY_USAGE_FLAG: Record<KeyUsageName, number> = {
  digitalSignature: KeyUsageFlags.digitalSignature,
  nonRepudiation: KeyUsageFlags.nonRepudiation,
  keyEncipherment: KeyUsageFlags.keyEncipherment,
  dataEncipherment: KeyUsageFlags.dataEncipherment,
  keyAgreement: KeyUsageFlags.keyAgreement,
  keyCertSign: KeyUsageFlags.keyCertSign,
  cRLSign: KeyUsageFlags.cRLSign,
};

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(encodeDer(value)) });
}

/** RFC 5280 §4.2.1.9: always critical in CA certificates; certfleet marks it critical everywhere it is present. */
export function basicConstraintsExtension(ca: boolean, pathLength?: number): Extension {
  const value = new BasicConstraints({ cA: ca });
  if (ca && pathLength !== undefined) value.pathLenConstraint = pathLength;
  return extension(OID.basicConstraints, true, value);
}

export function keyUsageExtension(usages: readonly KeyUsageName[]): Extension {
  const flags = usages.reduce((bits, usage) => bits | KEY_USAGE_FLAG[usage], 0);
  return extension(OID.keyUsage, true, new KeyUsage(flags));
}

export function extendedKeyUsageExtension(purposes: readonly string[], critical = false): Extension {
  return extension(OID.extKeyUsage, critical, new ExtendedKeyUsage([...purposes]));
}

/** RFC 5280 §4.2.1.6: critical exactly when the subject is empty. */
export function subjectAltNameExtension(names: readonly AltName[], critical: boolean): Extension {
  return extension(OID.subjectAltName, critical, new SubjectAlternativeName(names.map(toGeneralName)));
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return extension(OID.subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(keyId)));
}

export function authorityKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return extension(
    OID.authorityKeyIdentifier,
    false,
    new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(keyId)) }),
  );
}

export function crlDistributionPointsExtension(urls: readonly string[]): Extension {
  const points = urls.map(
    (uri) =>
      new DistributionPoint({
        distributionPoint: new DistributionPointName({
          fullName: [new GeneralName({ uniformResourceIdentifier: uri })],
        }),
      }),
  );
  return extension(OID.crlDistributionPoints, false, new CRLDistributionPoints(points));
}

export function authorityInfoAccessExtension(access: {
  ocsp?: readonly string[];
  caIssuers?: readonly string[];
}): Extension {
  const descriptions = [
    ...(access.ocsp ?? []).map((uri) => [OID.ocsp, uri] as const),
    ...(access.caIssuers ?? []).map((uri) => [OID.caIssuers, uri] as const),
  ].map(
    ([accessMethod, uri]) =>
      new AccessDescription({
        accessMethod,
        accessLocation: new GeneralName({ uniformResourceIdentifier: uri }),
      }),
  );
  return extension(OID.authorityInfoAccess, false, new AuthorityInfoAccessSyntax(descriptions));
}

/**
 * RFC 5280 §4.2.1.2 method (1): the SHA-1 of the subjectPublicKey BIT STRING value. 20 bytes, which Matter and
 * most verifiers expect.
 */
export function keyIdentifierOf(spkiDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spkiKeyBits(spkiDer)).digest());
}

/** What a certificate's or CSR's extensions say, decoded. */
export interface ExtensionsView {
  readonly basicConstraints?: {
    readonly ca: boolean;
    readonly pathLength?: number;
    readonly critical: boolean;
  };
  readonly keyUsage?: { readonly usages: readonly KeyUsageName[]; readonly critical: boolean };
  readonly extKeyUsage?: { readonly purposes: readonly string[]; readonly critical: boolean };
  readonly subjectAltNames?: { readonly names: readonly AltName[]; readonly critical: boolean };
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
  readonly crlDistributionPoints?: readonly string[];
  readonly ocspUrls?: readonly string[];
  readonly caIssuersUrls?: readonly string[];
  /** Every extension present, in order. */
  readonly present: ReadonlyArray<{ readonly oid: string; readonly critical: boolean }>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Decodes the extensions certfleet understands; a repeated extension is MALFORMED_INPUT (RFC 5280 §4.2). */
export function readExtensions(extensions: readonly Extension[] | undefined, what: string): ExtensionsView {
  const view: Mutable<ExtensionsView> = { present: [] };
  const seen = new Set<string>();
  for (const ext of extensions ?? []) {
    if (seen.has(ext.extnID))
      throw new PkiError('MALFORMED_INPUT', `${what}: extension ${ext.extnID} appears twice`);
    seen.add(ext.extnID);
    view.present = [...view.present, { oid: ext.extnID, critical: ext.critical }];
    const bytes = new Uint8Array(ext.extnValue.buffer);
    const critical = ext.critical;
    switch (ext.extnID) {
      case OID.basicConstraints: {
        const bc = decodeDer(bytes, BasicConstraints, `${what}: basicConstraints`);
        view.basicConstraints =
          bc.pathLenConstraint === undefined
            ? { ca: bc.cA, critical }
            : { ca: bc.cA, pathLength: bc.pathLenConstraint, critical };
        break;
      }
      case OID.keyUsage: {
        const ku = decodeDer(bytes, KeyUsage, `${what}: keyUsage`);
        view.keyUsage = {
          usages: KEY_USAGES.filter((u) => (ku.toNumber() & KEY_USAGE_FLAG[u]) !== 0),
          critical,
        };
        break;
      }
      case OID.extKeyUsage:
        view.extKeyUsage = {
          purposes: [...decodeDer(bytes, ExtendedKeyUsage, `${what}: extKeyUsage`)],
          critical,
        };
        break;
      case OID.subjectAltName:
        view.subjectAltNames = {
          names: [...decodeDer(bytes, SubjectAlternativeName, `${what}: subjectAltName`)].map(
            fromGeneralName,
          ),
          critical,
        };
        break;
      case OID.subjectKeyIdentifier:
        view.subjectKeyId = new Uint8Array(
          decodeDer(bytes, SubjectKeyIdentifier, `${what}: subjectKeyIdentifier`).buffer,
        );
        break;
      case OID.authorityKeyIdentifier: {
        const aki = decodeDer(bytes, AuthorityKeyIdentifier, `${what}: authorityKeyIdentifier`);
        if (aki.keyIdentifier) view.authorityKeyId = new Uint8Array(aki.keyIdentifier.buffer);
        break;
      }
      case OID.crlDistributionPoints:
        view.crlDistributionPoints = [
          ...decodeDer(bytes, CRLDistributionPoints, `${what}: cRLDistributionPoints`),
        ]
          .flatMap((point) => point.distributionPoint?.fullName ?? [])
          .flatMap((name) =>
            name.uniformResourceIdentifier === undefined ? [] : [name.uniformResourceIdentifier],
          );
        break;
      case OID.authorityInfoAccess: {
        const aia = [...decodeDer(bytes, AuthorityInfoAccessSyntax, `${what}: authorityInfoAccess`)];
        const urls = (method: string) =>
          aia
            .filter((d) => d.accessMethod === method)
            .flatMap((d) =>
              d.accessLocation.uniformResourceIdentifier === undefined
                ? []
                : [d.accessLocation.uniformResourceIdentifier],
            );
        view.ocspUrls = urls(OID.ocsp);
        view.caIssuersUrls = urls(OID.caIssuers);
        break;
      }
      default:
        break;
    }
  }
  return view;
}
