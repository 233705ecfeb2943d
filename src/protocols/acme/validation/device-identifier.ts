import type { ParsedCertificate } from '../../../pki/certificate.js';
import { hexToBytes } from '../../../pki/der.js';
import { nameValue } from '../../../pki/name.js';
import { OID } from '../../../pki/oids.js';
import { AcmeProblem } from '../wire/acme-problem.js';

/** The ACME identifier types draft-ietf-acme-device-attest-10 §3 and §4 add, and device-attest-01 proves. */
export type DeviceIdentifierType = 'permanent-identifier' | 'hardware-module';

export interface DeviceIdentifier {
  readonly type: DeviceIdentifierType;
  readonly value: string;
}

/** draft-ietf-acme-device-attest-10 §3.1: `device-identifier-value ["/" assigner-value]`, split. */
export interface PermanentIdentifierValue {
  /** RFC 4043 identifierValue: what the certificate must carry octet for octet. */
  readonly identifierValue: string;
  /** RFC 4043 assigner, dotted decimal. */
  readonly assigner?: string;
}

/** draft-ietf-acme-device-attest-10 §4.1: `hw-serial-num-value "/" hw-type-value`, split. */
export interface HardwareModuleValue {
  /** RFC 4108 hwSerialNum, as the UTF-8 text its octets must encode. */
  readonly hwSerialNum: string;
  readonly hwType: string;
}

/**
 * The draft's `assigner-value` / `hw-type-value` ABNF: a dotted-decimal OID whose first arc is 0, 1 or 2, whose
 * second arc is at most 39 under 0 and 1, and whose arcs carry no leading zeros.
 */
const DOTTED_OID = /^(?:[01]\.[1-3]?[0-9]|2\.(?:0|[1-9][0-9]*))(?:\.(?:0|[1-9][0-9]*))*$/;
// In a `u` regex a well-formed surrogate pair is one code point, so this finds only lone surrogates: a string
// holding one has no UTF-8 form, and the draft requires valid UTF-8.
const LONE_SURROGATE = /\p{Cs}/u;
// ignoreBOM keeps a leading U+FEFF: the text must stand for the serial's octets exactly.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `1*(%x00-2E / %x30-FF)` over UTF-8 octets: at least one character, none of them "/". */
function isIdentifierPart(value: string): boolean {
  return value.length > 0 && !value.includes('/') && !LONE_SURROGATE.test(value);
}

/** Splits at the one "/" the grammar allows; undefined if the text does not match it. */
function splitValue(value: string): { readonly head: string; readonly oid?: string } | undefined {
  const slash = value.indexOf('/');
  const head = slash === -1 ? value : value.slice(0, slash);
  if (!isIdentifierPart(head)) return undefined;
  if (slash === -1) return { head };
  const oid = value.slice(slash + 1);
  return DOTTED_OID.test(oid) ? { head, oid } : undefined;
}

/**
 * draft-ietf-acme-device-attest-10 §3.1: a `permanent-identifier` value is a device id without "/", optionally
 * followed by "/" and the assigner's dotted-decimal OID. The server MUST refuse anything else as `malformed`.
 */
export function parsePermanentIdentifier(value: string): PermanentIdentifierValue {
  const parts = splitValue(value);
  if (parts === undefined) {
    throw new AcmeProblem(
      'malformed',
      'a permanent-identifier value is a device id without "/", optionally followed by "/" and an assigner OID',
    );
  }
  return parts.oid === undefined
    ? { identifierValue: parts.head }
    : { identifierValue: parts.head, assigner: parts.oid };
}

/**
 * draft-ietf-acme-device-attest-10 §4.1: a `hardware-module` value is a serial number without "/", then "/" and
 * the hardware type's dotted-decimal OID (required since -10). Anything else is `malformed`.
 */
export function parseHardwareModule(value: string): HardwareModuleValue {
  const parts = splitValue(value);
  if (parts?.oid === undefined) {
    throw new AcmeProblem(
      'malformed',
      'a hardware-module value is a serial number without "/", then "/" and the hardware type OID',
    );
  }
  return { hwSerialNum: parts.head, hwType: parts.oid };
}

/**
 * The device identifiers a certificate names, in the ACME forms: the subject serialNumber (certfleet's IDevID
 * identity) as a permanent-identifier without assigner, each SAN PermanentIdentifier as value[/assigner], each
 * SAN HardwareModuleName as serial/hwType. A name the grammar cannot express (an empty identifierValue, a "/" in
 * it, a serial whose octets are not UTF-8) is left out: no order identifier could ever equal it. Duplicates are
 * listed once.
 */
export function deviceIdentifiersOf(certificate: ParsedCertificate): DeviceIdentifier[] {
  const found = new Map<string, DeviceIdentifier>();
  const add = (type: DeviceIdentifierType, head: string, oid: string | undefined): void => {
    if (!isIdentifierPart(head) || (oid !== undefined && !DOTTED_OID.test(oid))) return;
    const value = oid === undefined ? head : `${head}/${oid}`;
    found.set(`${type} ${value}`, { type, value });
  };
  const serialNumber = nameValue(certificate.subject, OID.serialNumber);
  if (serialNumber !== undefined) add('permanent-identifier', serialNumber, undefined);
  for (const name of certificate.extensions.subjectAltNames?.names ?? []) {
    if (name.type === 'permanentIdentifier') add('permanent-identifier', name.value, name.assigner);
    if (name.type === 'hardwareModuleName') {
      const serial = utf8Text(hexToBytes(name.serialHex));
      if (serial !== undefined) add('hardware-module', serial, name.hwType);
    }
  }
  return [...found.values()];
}

function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
