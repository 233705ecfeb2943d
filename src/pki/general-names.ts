import { GeneralName, OtherName } from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { HardwareModuleName } from './asn1/hardware-module-name.js';
import { PermanentIdentifier } from './asn1/permanent-identifier.js';
import { bytesToHex, decodeDer, encodeDer, hexToBytes, toArrayBuffer } from './der.js';
import { OID } from './oids.js';

/**
 * A subject alternative name (RFC 5280 §4.2.1.6) in the forms certfleet issues. Device identities travel as a
 * `uri` (the LDevID identity) or as otherNames: `permanentIdentifier` (RFC 4043) and `hardwareModuleName`
 * (RFC 4108, IEEE 802.1AR). An otherName we do not know is kept opaque.
 */
export type AltName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'permanentIdentifier'; readonly value: string; readonly assigner?: string }
  | { readonly type: 'hardwareModuleName'; readonly hwType: string; readonly serialHex: string }
  | { readonly type: 'otherName'; readonly typeId: string; readonly valueHex: string }
  | { readonly type: 'directoryName'; readonly valueHex: string };

export type AltNameType = AltName['type'];

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const DOTTED_OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** Validates a DNS name; a wildcard is allowed only as the whole leftmost label (RFC 6125 §6.4.3). */
export function isDnsName(name: string, allowWildcard = true): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every(
    (label, i) => (i === 0 && allowWildcard && label === '*' && labels.length > 2) || DNS_LABEL.test(label),
  );
}

export function isIpAddress(value: string): boolean {
  if (IPV4.test(value)) return true;
  if (!value.includes(':')) return false;
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => IPV6_GROUP.test(g))) return false;
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

/** Checks an AltName's syntax; throws MALFORMED_INPUT naming the bad value. */
export function validateAltName(name: AltName): AltName {
  const bad = (what: string): never => {
    throw new PkiError('MALFORMED_INPUT', `subject alternative name: ${what}`);
  };
  switch (name.type) {
    case 'dns':
      if (!isDnsName(name.value)) bad(`'${name.value}' is not a valid DNS name`);
      break;
    case 'ip':
      if (!isIpAddress(name.value)) bad(`'${name.value}' is not an IPv4 or IPv6 address`);
      break;
    case 'uri':
      // RFC 5280 §4.2.1.6: the name MUST be a URI with a scheme; a relative reference is not allowed.
      // It is an IA5String: an IRI must be mapped to a URI first (RFC 5280 §7.4).
      if (!URI_SCHEME.test(name.value) || !PRINTABLE_ASCII.test(name.value) || name.value.length > 2048) {
        bad(`'${name.value}' is not an absolute ASCII URI`);
      }
      break;
    case 'email':
      if (!EMAIL.test(name.value) || !PRINTABLE_ASCII.test(name.value))
        bad(`'${name.value}' is not an email address`);
      break;
    case 'permanentIdentifier':
      if (name.value.length === 0 || name.value.length > 255)
        bad('permanent identifier must be 1–255 characters');
      if (name.assigner !== undefined && !DOTTED_OID.test(name.assigner))
        bad(`'${name.assigner}' is not an OID`);
      break;
    case 'hardwareModuleName':
      if (!DOTTED_OID.test(name.hwType)) bad(`'${name.hwType}' is not an OID`);
      if (!/^([0-9a-f]{2}){1,64}$/.test(name.serialHex))
        bad('hardware serial must be 1–64 bytes of lower-case hex');
      break;
    case 'otherName':
      if (!DOTTED_OID.test(name.typeId)) bad(`'${name.typeId}' is not an OID`);
      break;
    case 'directoryName':
      break;
  }
  return name;
}

/**
 * Text form used on the command line and in the store: `dns:gw1.example`, `ip:10.0.0.7`,
 * `uri:urn:dev:…`, `email:ops@example.com`, `permanentIdentifier:SN123[;assigner=1.2.3]`,
 * `hardwareModuleName:<hwType OID>:<serial hex>`.
 */
export function parseAltName(text: string): AltName {
  const colon = text.indexOf(':');
  if (colon <= 0)
    throw new PkiError(
      'MALFORMED_INPUT',
      `subject alternative name '${text}' needs a type prefix such as dns:, ip:, uri:`,
    );
  const type = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  switch (type) {
    case 'dns':
      return validateAltName({ type: 'dns', value: rest.toLowerCase() });
    case 'ip':
      return validateAltName({ type: 'ip', value: rest });
    case 'uri':
      return validateAltName({ type: 'uri', value: rest });
    case 'email':
      return validateAltName({ type: 'email', value: rest });
    case 'permanentidentifier': {
      const [value = '', assignerPart] = rest.split(';assigner=');
      return validateAltName(
        assignerPart === undefined
          ? { type: 'permanentIdentifier', value }
          : { type: 'permanentIdentifier', value, assigner: assignerPart },
      );
    }
    case 'hardwaremodulename': {
      const sep = rest.lastIndexOf(':');
      return validateAltName({
        type: 'hardwareModuleName',
        hwType: rest.slice(0, sep),
        serialHex: rest.slice(sep + 1).toLowerCase(),
      });
    }
    default:
      throw new PkiError('MALFORMED_INPUT', `subject alternative name type '${type}' is not supported`);
  }
}

export function formatAltName(name: AltName): string {
  switch (name.type) {
    case 'dns':
    case 'ip':
    case 'uri':
    case 'email':
      return `${name.type}:${name.value}`;
    case 'permanentIdentifier':
      return `permanentIdentifier:${name.value}${name.assigner === undefined ? '' : `;assigner=${name.assigner}`}`;
    case 'hardwareModuleName':
      return `hardwareModuleName:${name.hwType}:${name.serialHex}`;
    case 'otherName':
      return `otherName:${name.typeId}:${name.valueHex}`;
    case 'directoryName':
      return `directoryName:${name.valueHex}`;
  }
}

export function toGeneralName(name: AltName): GeneralName {
  switch (name.type) {
    case 'dns':
      return new GeneralName({ dNSName: name.value });
    case 'ip':
      return new GeneralName({ iPAddress: name.value });
    case 'uri':
      return new GeneralName({ uniformResourceIdentifier: name.value });
    case 'email':
      return new GeneralName({ rfc822Name: name.value });
    case 'permanentIdentifier': {
      const value = new PermanentIdentifier({ identifierValue: name.value });
      if (name.assigner !== undefined) value.assigner = name.assigner;
      return otherName(OID.permanentIdentifier, encodeDer(value));
    }
    case 'hardwareModuleName':
      return otherName(
        OID.hardwareModuleName,
        encodeDer(
          new HardwareModuleName({
            hwType: name.hwType,
            hwSerialNum: toArrayBuffer(hexToBytes(name.serialHex)),
          }),
        ),
      );
    case 'otherName':
      return otherName(name.typeId, hexToBytes(name.valueHex));
    case 'directoryName':
      throw new PkiError('UNSUPPORTED_ALGORITHM', 'certfleet does not issue directoryName alternative names');
  }
}

function otherName(typeId: string, valueDer: Uint8Array): GeneralName {
  return new GeneralName({ otherName: new OtherName({ typeId, value: toArrayBuffer(valueDer) }) });
}

export function fromGeneralName(general: GeneralName): AltName {
  if (general.dNSName !== undefined) return { type: 'dns', value: general.dNSName };
  if (general.iPAddress !== undefined) return { type: 'ip', value: general.iPAddress };
  if (general.uniformResourceIdentifier !== undefined)
    return { type: 'uri', value: general.uniformResourceIdentifier };
  if (general.rfc822Name !== undefined) return { type: 'email', value: general.rfc822Name };
  if (general.otherName) {
    const { typeId, value } = general.otherName;
    const der = new Uint8Array(value);
    if (typeId === OID.permanentIdentifier) {
      const parsed = decodeDer(der, PermanentIdentifier, 'PermanentIdentifier');
      return parsed.assigner === undefined
        ? { type: 'permanentIdentifier', value: parsed.identifierValue ?? '' }
        : { type: 'permanentIdentifier', value: parsed.identifierValue ?? '', assigner: parsed.assigner };
    }
    if (typeId === OID.hardwareModuleName) {
      const parsed = decodeDer(der, HardwareModuleName, 'HardwareModuleName');
      return {
        type: 'hardwareModuleName',
        hwType: parsed.hwType,
        serialHex: bytesToHex(new Uint8Array(parsed.hwSerialNum)),
      };
    }
    return { type: 'otherName', typeId, valueHex: bytesToHex(der) };
  }
  if (general.directoryName)
    return { type: 'directoryName', valueHex: bytesToHex(encodeDer(general.directoryName)) };
  throw new PkiError(
    'UNSUPPORTED_ALGORITHM',
    'subject alternative name of an unsupported form (x400Address, ediPartyName, registeredID)',
  );
}
