import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { bytesToHex, decodeDer, encodeDer } from './der.js';
import { OID } from './oids.js';

/** One attribute of a distinguished name, as text. */
export interface NameAttribute {
  readonly oid: string;
  /** The RFC 4514 short name (`CN`, `O`…) or the dotted OID when there is none. */
  readonly type: string;
  readonly value: string;
}

type StringKind = 'utf8' | 'printable' | 'ia5';

interface AttributeSpec {
  readonly oid: string;
  readonly shortName: string;
  readonly kind: StringKind;
  /** RFC 5280 appendix A upper bounds (ub-*). */
  readonly maxLength: number;
  readonly minLength?: number;
}

/**
 * The attributes certfleet writes. countryName and serialNumber are PrintableString (RFC 5280 §4.1.2.4 and
 * appendix A); domainComponent and emailAddress are IA5String; everything else UTF8String, which RFC 5280
 * requires for new certificates. Matter VID/PID values are emitted as UTF8String like chip-cert does.
 */
const ATTRIBUTES: readonly AttributeSpec[] = [
  { oid: OID.commonName, shortName: 'CN', kind: 'utf8', maxLength: 64 },
  { oid: OID.serialNumber, shortName: 'serialNumber', kind: 'printable', maxLength: 64 },
  { oid: OID.countryName, shortName: 'C', kind: 'printable', maxLength: 2, minLength: 2 },
  { oid: OID.localityName, shortName: 'L', kind: 'utf8', maxLength: 128 },
  { oid: OID.stateOrProvinceName, shortName: 'ST', kind: 'utf8', maxLength: 128 },
  { oid: OID.organizationName, shortName: 'O', kind: 'utf8', maxLength: 64 },
  { oid: OID.organizationalUnitName, shortName: 'OU', kind: 'utf8', maxLength: 64 },
  { oid: OID.title, shortName: 'title', kind: 'utf8', maxLength: 64 },
  { oid: OID.surname, shortName: 'SN', kind: 'utf8', maxLength: 64 },
  { oid: OID.domainComponent, shortName: 'DC', kind: 'ia5', maxLength: 63 },
  { oid: OID.userId, shortName: 'UID', kind: 'utf8', maxLength: 256 },
  { oid: OID.emailAddress, shortName: 'emailAddress', kind: 'ia5', maxLength: 255 },
  { oid: OID.matterVendorId, shortName: 'matterVID', kind: 'utf8', maxLength: 4, minLength: 4 },
  { oid: OID.matterProductId, shortName: 'matterPID', kind: 'utf8', maxLength: 4, minLength: 4 },
];

const BY_SHORT_NAME = new Map(ATTRIBUTES.map((a) => [a.shortName.toLowerCase(), a]));
const BY_OID = new Map(ATTRIBUTES.map((a) => [a.oid, a]));
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
// eslint-disable-next-line no-control-regex -- IA5String is exactly the 7-bit range, control characters included.
const IA5 = /^[\x00-\x7f]*$/;
const DOTTED_OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

export function attributeShortName(oid: string): string {
  return BY_OID.get(oid)?.shortName ?? oid;
}

/** Builds a Name from attributes listed most significant first (C, O, …, CN), one attribute per RDN. */
export function buildName(
  attributes: ReadonlyArray<{ readonly type: string; readonly value: string }>,
): Name {
  return new Name(
    attributes.map(({ type, value }) => new RelativeDistinguishedName([attributeTypeAndValue(type, value)])),
  );
}

function attributeTypeAndValue(type: string, value: string): AttributeTypeAndValue {
  const spec = BY_SHORT_NAME.get(type.toLowerCase()) ?? BY_OID.get(type);
  if (!spec) {
    if (!DOTTED_OID.test(type)) throw new PkiError('MALFORMED_INPUT', `unknown name attribute '${type}'`);
    return new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) });
  }
  const length = [...value].length;
  if (length < (spec.minLength ?? 1) || length > spec.maxLength) {
    const bounds =
      spec.minLength === spec.maxLength ? `${spec.maxLength}` : `${spec.minLength ?? 1}–${spec.maxLength}`;
    throw new PkiError(
      'MALFORMED_INPUT',
      `name attribute ${spec.shortName} must be ${bounds} characters long`,
    );
  }
  switch (spec.kind) {
    case 'printable':
      if (!PRINTABLE.test(value)) {
        throw new PkiError(
          'MALFORMED_INPUT',
          `name attribute ${spec.shortName} allows only PrintableString characters`,
        );
      }
      return new AttributeTypeAndValue({
        type: spec.oid,
        value: new AttributeValue({ printableString: value }),
      });
    case 'ia5':
      if (!IA5.test(value))
        throw new PkiError('MALFORMED_INPUT', `name attribute ${spec.shortName} must be ASCII`);
      return new AttributeTypeAndValue({ type: spec.oid, value: new AttributeValue({ ia5String: value }) });
    case 'utf8':
      return new AttributeTypeAndValue({ type: spec.oid, value: new AttributeValue({ utf8String: value }) });
  }
}

/**
 * Parses an RFC 4514 string (`CN=Sensor 12,O=Acme,C=DE`: least significant RDN first, `+` joins multi-valued
 * RDNs, `\` escapes) into a Name. Short names are those of {@link attributeShortName}; other attributes by
 * dotted OID.
 */
export function parseDistinguishedName(text: string): Name {
  const rdns: RelativeDistinguishedName[] = [];
  for (const rdnText of splitUnescaped(text.trim(), ',')) {
    const pairs = splitUnescaped(rdnText, '+').map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0)
        throw new PkiError('MALFORMED_INPUT', `distinguished name: '${pair.trim()}' is not type=value`);
      return attributeTypeAndValue(pair.slice(0, eq).trim(), unescapeValue(pair.slice(eq + 1).trim()));
    });
    rdns.push(new RelativeDistinguishedName(pairs));
  }
  if (rdns.length === 0) throw new PkiError('MALFORMED_INPUT', 'distinguished name is empty');
  return new Name(rdns.reverse());
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] ?? '');
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.filter((p) => p.trim().length > 0);
}

function unescapeValue(value: string): string {
  return value.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, escaped: string) =>
    escaped.length === 2 ? String.fromCharCode(parseInt(escaped, 16)) : escaped,
  );
}

function escapeValue(value: string): string {
  return value
    .replace(/([\\,+"<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/** Attributes in certificate order (most significant first). */
export function nameAttributes(name: Name): NameAttribute[] {
  // Spread first: on an AsnArray subclass flatMap would build another Name.
  return [...name].flatMap((rdn) =>
    rdn.map((atv) => ({
      oid: atv.type,
      type: attributeShortName(atv.type),
      value: attributeValueText(atv.value),
    })),
  );
}

function attributeValueText(value: AttributeValue): string {
  if (value.anyValue) return `#${bytesToHex(new Uint8Array(value.anyValue))}`;
  return value.toString();
}

/** RFC 4514 string form: least significant RDN first, e.g. `CN=Sensor 12,O=Acme,C=DE`. */
export function formatName(name: Name): string {
  return [...name]
    .reverse()
    .map((rdn) =>
      rdn
        .map((atv) => `${attributeShortName(atv.type)}=${escapeValue(attributeValueText(atv.value))}`)
        .join('+'),
    )
    .join(',');
}

/** The first value of an attribute, if present. */
export function nameValue(name: Name, oid: string): string | undefined {
  for (const rdn of name) for (const atv of rdn) if (atv.type === oid) return attributeValueText(atv.value);
  return undefined;
}

export function encodeName(name: Name): Uint8Array {
  return encodeDer(name);
}

export function decodeName(der: Uint8Array): Name {
  return decodeDer(der, Name, 'distinguished name');
}
