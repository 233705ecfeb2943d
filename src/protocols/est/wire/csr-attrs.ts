import { AsnConvert } from '@peculiar/asn1-schema';
import { Attribute, type Extension, Extensions } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { PkiError } from '../../../core/pki-error.js';
import { AttrOrOid } from '../../../pki/asn1/attr-or-oid.js';
import { CsrAttrs } from '../../../pki/asn1/csr-attrs.js';
import {
  bytesEqual,
  decodeDerWithTree,
  encodeDer,
  encodeOid,
  rawChild,
  toArrayBuffer,
} from '../../../pki/der.js';
import { OID } from '../../../pki/oids.js';

const WHAT = 'CSR attributes';

/**
 * What an EST server asks of the client's next CSR (RFC 7030 §4.5.2 as clarified by RFC 9908 §3.2), typed.
 * {@link encodeCsrAttrs} writes it in one canonical order, the order of every RFC 7030 and RFC 9908 example:
 * challengePassword, key type, extensionRequest, subject attributes, private attributes, unrecognized items,
 * signature algorithm. {@link decodeCsrAttrs} reads any order; re-encoding what it read gives the same bytes when
 * the input was DER in that order.
 */
export interface CsrAttributesRequest {
  /**
   * RFC 9908: an attribute whose type is the key algorithm (id-ecPublicKey or rsaEncryption) and whose value is
   * the curve OID (e.g. secp384r1) or the RSA modulus size in bits; a bare OID when `parameter` is absent. Keys
   * that their algorithm names alone (Ed25519, ML-DSA) are asked for with `signatureAlgorithmOid`.
   */
  readonly keyAlgorithm?: { readonly oid: string; readonly parameter?: string | number };
  /** RFC 9908: the self-signature algorithm as a bare OID, e.g. ecdsa-with-SHA384. */
  readonly signatureAlgorithmOid?: string;
  /** Bare OIDs of attributes the client is to fill in: subject RDNs such as serialNumber, or e.g. macAddress. */
  readonly requiredSubjectAttributeOids?: readonly string[];
  /**
   * RFC 9908 §3.2: extensions the CSR must carry with these values (e.g. a subjectAltName with the device URI),
   * sent as the one extensionRequest attribute holding one Extensions value; extnIDs are unique.
   */
  readonly extensionRequest?: readonly Extension[];
  /** RFC 7030 §3.5: challengePassword listed, meaning the CSR must carry the tls-unique value. */
  readonly challengePasswordRequired?: boolean;
  /** Other attributes, each with one value (its DER), for types that RFC 7030 and RFC 9908 give no meaning. */
  readonly private?: ReadonlyArray<{ readonly oid: string; readonly valueDer: Uint8Array }>;
  /**
   * Written by {@link decodeCsrAttrs}: items it could not type, kept as they were, in order. For example the
   * RFC 7030 §4.5.2 example's extensionRequest, which holds a bare OID where RFC 9908 wants Extensions, a second
   * key type, or an attribute with several values. {@link encodeCsrAttrs} writes them back unchanged.
   */
  readonly unrecognized?: readonly UnrecognizedCsrAttr[];
}

/** A bare OID (no `valuesDer`) or an attribute with the DER of each value. */
export interface UnrecognizedCsrAttr {
  readonly oid: string;
  readonly valuesDer?: readonly Uint8Array[];
}

/** Key algorithms that take a parameter in a CSR attribute: the curve, or the modulus size. */
const PARAMETERIZED_KEY_ALGORITHMS: ReadonlySet<string> = new Set([OID.ecPublicKey, OID.rsaEncryption]);

/** RFC 5758 ecdsa-with-*; the NIST sigAlgs arc (ECDSA and RSA with SHA-3, ML-DSA, SLH-DSA). */
const SIGNATURE_ALGORITHM_ARCS = ['1.2.840.10045.4.', '2.16.840.1.101.3.4.3.'];
const SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  OID.ed25519,
  OID.ed448,
  OID.rsassaPss,
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14', // sha224WithRSAEncryption
  OID.sha256WithRSAEncryption,
  OID.sha384WithRSAEncryption,
  OID.sha512WithRSAEncryption,
]);

/** Whether a bare OID in CsrAttrs names a signature algorithm (so the key type too, for Ed25519 or ML-DSA). */
export function isSignatureAlgorithmOid(oid: string): boolean {
  return SIGNATURE_ALGORITHMS.has(oid) || SIGNATURE_ALGORITHM_ARCS.some((arc) => oid.startsWith(arc));
}

const DOTTED_OID = /^[0-2](?:\.(?:0|[1-9][0-9]*))+$/;

/**
 * DER of a CsrAttrs for a `/csrattrs` response, following RFC 9908. A request that breaks a rule (a duplicate
 * extnID, an empty extensionRequest, an OID that decoding would read as another field, a malformed OID) is
 * INTERNAL: it comes from our own configuration, which should be checked with this function at start-up.
 */
export function encodeCsrAttrs(request: CsrAttributesRequest): Uint8Array {
  const items: AttrOrOid[] = [];
  const bare = (oid: string, field: string) => items.push(new AttrOrOid({ oid: checkedOid(oid, field) }));
  const attribute = (type: string, values: readonly Uint8Array[], field: string) =>
    items.push(
      new AttrOrOid({
        attribute: new Attribute({ type: checkedOid(type, field), values: values.map(toArrayBuffer) }),
      }),
    );

  if (request.challengePasswordRequired) bare(OID.challengePassword, 'challengePasswordRequired');
  if (request.keyAlgorithm) {
    const { oid, parameter } = request.keyAlgorithm;
    if (!PARAMETERIZED_KEY_ALGORITHMS.has(oid)) {
      invalid(
        `keyAlgorithm ${oid} is not id-ecPublicKey or rsaEncryption; name such keys by signatureAlgorithmOid`,
      );
    }
    if (parameter === undefined) bare(oid, 'keyAlgorithm');
    else attribute(oid, [encodeKeyParameter(oid, parameter)], 'keyAlgorithm');
  }
  if (request.extensionRequest) {
    attribute(OID.extensionRequest, [encodeExtensionRequest(request.extensionRequest)], 'extensionRequest');
  }
  for (const oid of request.requiredSubjectAttributeOids ?? []) {
    if (typedMeaning(oid))
      invalid(`requiredSubjectAttributeOids: ${oid} would be read back as ${typedMeaning(oid)}`);
    bare(oid, 'requiredSubjectAttributeOids');
  }
  for (const { oid, valueDer } of request.private ?? []) {
    if (typedMeaning(oid) || oid === OID.extensionRequest) {
      invalid(`private: ${oid} has a meaning in RFC 7030/9908; use its own field`);
    }
    requireOneDerValue(valueDer, `private attribute ${oid}`);
    attribute(oid, [valueDer], 'private');
  }
  for (const { oid, valuesDer } of request.unrecognized ?? []) {
    if (valuesDer === undefined) bare(oid, 'unrecognized');
    else attribute(oid, valuesDer, 'unrecognized');
  }
  if (request.signatureAlgorithmOid !== undefined) {
    if (!isSignatureAlgorithmOid(request.signatureAlgorithmOid)) {
      invalid(`signatureAlgorithmOid ${request.signatureAlgorithmOid} is not a signature algorithm`);
    }
    bare(request.signatureAlgorithmOid, 'signatureAlgorithmOid');
  }
  return encodeDer(new CsrAttrs(items));
}

/**
 * Reads a `/csrattrs` response body (DER; see decodeEstBody for the base64). Every well-formed CsrAttrs decodes:
 * what fits the model (first of each kind, values in DER) is typed, the rest is kept in `unrecognized`. Only bytes
 * that are not a CsrAttrs, or carry a malformed OID, are MALFORMED_INPUT.
 */
export function decodeCsrAttrs(der: Uint8Array): CsrAttributesRequest {
  const { value: items, tree } = decodeDerWithTree(der, CsrAttrs, WHAT);
  const model: Mutable<CsrAttributesRequest> = {};
  const unrecognized: UnrecognizedCsrAttr[] = [];
  const subjectOids: string[] = [];
  const privates: Array<{ oid: string; valueDer: Uint8Array }> = [];

  items.forEach((item, index) => {
    if (item.oid !== undefined) {
      const oid = readOid(item.oid, rawChild(tree, [index], WHAT), index);
      const meaning = typedMeaning(oid);
      if (meaning === 'challengePassword' && !model.challengePasswordRequired)
        model.challengePasswordRequired = true;
      else if (meaning === 'signatureAlgorithm' && model.signatureAlgorithmOid === undefined)
        model.signatureAlgorithmOid = oid;
      else if (meaning === 'keyAlgorithm' && !model.keyAlgorithm) model.keyAlgorithm = { oid };
      else if (meaning === undefined) subjectOids.push(oid);
      else unrecognized.push({ oid });
      return;
    }
    const attribute = item.attribute;
    if (!attribute)
      throw new PkiError('MALFORMED_INPUT', `${WHAT}: item ${index + 1} is neither an OID nor an attribute`);
    const type = readOid(attribute.type, rawChild(tree, [index, 0], WHAT), index);
    const values = attribute.values.map(anyValueDer);
    const only = values.length === 1 ? values[0] : undefined;
    if (type === OID.extensionRequest && !model.extensionRequest && only) {
      const extensions = readExtensionRequest(only);
      if (extensions) {
        model.extensionRequest = extensions;
        return;
      }
    } else if (PARAMETERIZED_KEY_ALGORITHMS.has(type) && !model.keyAlgorithm && only) {
      const parameter = readKeyParameter(type, only);
      if (parameter !== undefined) {
        model.keyAlgorithm = { oid: type, parameter };
        return;
      }
    } else if (!typedMeaning(type) && type !== OID.extensionRequest && only) {
      privates.push({ oid: type, valueDer: only });
      return;
    }
    unrecognized.push({ oid: type, valuesDer: values });
  });
  if (subjectOids.length > 0) model.requiredSubjectAttributeOids = subjectOids;
  if (privates.length > 0) model.private = privates;
  if (unrecognized.length > 0) model.unrecognized = unrecognized;
  return model;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** asn1-schema reads an ANY that holds NULL as `null`, whatever its declared type; give back its DER. */
function anyValueDer(value: ArrayBuffer | null): Uint8Array {
  return value === null ? new Uint8Array([0x05, 0x00]) : new Uint8Array(value);
}

/** The field a bare OID is read into, if any; everything else is a subject attribute to fill in. */
function typedMeaning(oid: string): 'challengePassword' | 'signatureAlgorithm' | 'keyAlgorithm' | undefined {
  if (oid === OID.challengePassword) return 'challengePassword';
  if (isSignatureAlgorithmOid(oid)) return 'signatureAlgorithm';
  if (PARAMETERIZED_KEY_ALGORITHMS.has(oid)) return 'keyAlgorithm';
  return undefined;
}

function encodeKeyParameter(oid: string, parameter: string | number): Uint8Array {
  if (oid === OID.rsaEncryption) {
    if (typeof parameter !== 'number' || !Number.isSafeInteger(parameter) || parameter <= 0) {
      invalid(`keyAlgorithm rsaEncryption takes a modulus size in bits, not ${String(parameter)}`);
    }
    return new Uint8Array(new asn1js.Integer({ value: parameter }).toBER());
  }
  if (typeof parameter !== 'string') invalid(`keyAlgorithm ${oid} takes a curve OID, not ${parameter}`);
  return encodeOid(checkedOid(parameter, 'keyAlgorithm.parameter'));
}

/** The parameter when `value` is its DER exactly (so that re-encoding gives the same bytes); else undefined. */
function readKeyParameter(oid: string, value: Uint8Array): string | number | undefined {
  const node = readOneNode(value);
  let parameter: string | number | undefined;
  if (oid === OID.rsaEncryption && node instanceof asn1js.Integer) {
    const bits = Number(node.toBigInt());
    if (Number.isSafeInteger(bits) && bits > 0) parameter = bits;
  } else if (oid === OID.ecPublicKey && node instanceof asn1js.ObjectIdentifier) {
    const curve = node.valueBlock.toString();
    if (DOTTED_OID.test(curve)) parameter = curve;
  }
  if (parameter === undefined) return undefined;
  return bytesEqual(encodeKeyParameter(oid, parameter), value) ? parameter : undefined;
}

function encodeExtensionRequest(extensions: readonly Extension[]): Uint8Array {
  if (extensions.length === 0) invalid('extensionRequest holds no extension (Extensions is SIZE (1..MAX))');
  const seen = new Set<string>();
  for (const { extnID } of extensions) {
    if (seen.has(extnID)) invalid(`extensionRequest holds extension ${extnID} twice (RFC 9908 §3.2)`);
    seen.add(checkedOid(extnID, 'extensionRequest'));
  }
  return encodeDer(new Extensions([...extensions]));
}

/** RFC 9908 §3.2 Extensions, when `value` is exactly that (in DER, extnIDs unique); else undefined. */
function readExtensionRequest(value: Uint8Array): Extension[] | undefined {
  let extensions: Extension[];
  try {
    extensions = [...AsnConvert.parse(value, Extensions)];
  } catch {
    return undefined;
  }
  const ids = extensions.map((e) => e.extnID);
  if (
    extensions.length === 0 ||
    new Set(ids).size !== ids.length ||
    !ids.every((id) => DOTTED_OID.test(id))
  ) {
    return undefined;
  }
  return bytesEqual(encodeDer(new Extensions(extensions)), value) ? extensions : undefined;
}

function readOneNode(value: Uint8Array): asn1js.AsnType | undefined {
  try {
    const parsed = asn1js.fromBER(value);
    return parsed.offset === value.length && !parsed.result.error ? parsed.result : undefined;
  } catch {
    return undefined;
  }
}

function requireOneDerValue(value: Uint8Array, what: string): void {
  if (!readOneNode(value)) invalid(`${what}: value is not one DER value`);
}

/** A dotted OID that re-encodes to exactly `raw`: asn1js also reads non-minimal arcs, which DER forbids. */
function readOid(oid: string, raw: Uint8Array, index: number): string {
  if (!DOTTED_OID.test(oid) || !bytesEqual(encodeOid(oid), raw)) {
    throw new PkiError('MALFORMED_INPUT', `${WHAT}: item ${index + 1} has a malformed OBJECT IDENTIFIER`);
  }
  return oid;
}

function checkedOid(oid: string, field: string): string {
  if (!DOTTED_OID.test(oid)) invalid(`${field}: '${oid}' is not a dotted OID`);
  return oid;
}

function invalid(reason: string): never {
  throw new PkiError('INTERNAL', `${WHAT}: ${reason}`);
}
