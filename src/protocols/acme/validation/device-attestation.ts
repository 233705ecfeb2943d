import { decode } from 'cborg';
import { type PublicKey, publicKeyFromSpki } from '../../../pki/algorithms/key-algorithm.js';
import { signatureAlgorithm } from '../../../pki/algorithms/signature-algorithm.js';
import { type ParsedCertificate, parseCertificate } from '../../../pki/certificate.js';
import { AcmeProblem } from '../wire/acme-problem.js';
import {
  coseAlgorithmById,
  IDEVID_ATTESTATION_FORMAT,
  MAX_ATTESTATION_OBJECT_BYTES,
  MAX_SIGNATURE_BYTES,
  MAX_X5C_CERTIFICATES,
} from '../wire/device-attestation-format.js';
import { type DeviceIdentifier, deviceIdentifiersOf } from './device-identifier.js';

export { parseHardwareModule, parsePermanentIdentifier } from './device-identifier.js';

export interface AttestedDevice {
  readonly format: string;
  /** x5c as sent, leaf first (DER). */
  readonly chain: readonly Uint8Array[];
  /** From the leaf: subject serialNumber, SAN permanentIdentifier values/assigners, hardwareModuleName. */
  readonly identifiers: readonly DeviceIdentifier[];
}

/**
 * What the attestation must have signed (draft-ietf-acme-device-attest-10 §5). The key authorization binds it to
 * the account key; `token` is for formats whose external authority signs before the account key is known (none
 * supported yet: ours signs the key authorization).
 */
export interface AttToBeSigned {
  readonly keyAuthorization: string;
  readonly token: string;
}

/**
 * Strict CBOR: shortest-form integers and lengths, no indefinite lengths, undefined, NaN, infinities, big
 * integers, tags or repeated map keys; maps come back as Map so a key such as `__proto__` is only data.
 */
const CBOR_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
  useMaps: true,
} as const;

const ATTESTATION_OBJECT_MEMBERS = new Set(['fmt', 'attStmt', 'authData']);
const STATEMENT_MEMBERS = ['alg', 'sig', 'x5c'] as const;
const utf8 = new TextEncoder();

/**
 * draft-ietf-acme-device-attest-10 §5: checks a device-attest-01 attestation object in the
 * `dev.certfleet.idevid` format (see device-attestation-format.ts): its structure, and that x5c[0]'s key signed
 * the key authorization. Whether the chain is trusted, revoked or decommissioned is the RA's decision
 * (`ra.authenticate({ kind: 'idevid', chain })`), made on the chain this returns; so is the validity period.
 *
 * Throws AcmeProblem `malformed` when attObj is not one strict CBOR value of at most 16 KiB, and
 * `badAttestationStatement` (with the reason in the detail, as §5 asks) for anything else.
 */
export function verifyDeviceAttestation(attObj: Uint8Array, attToBeSigned: AttToBeSigned): AttestedDevice {
  const statement = readStatement(decodeAttestationObject(attObj));
  const certificates = statement.x5c.map(readCertificate);
  const [leaf] = certificates;
  if (leaf === undefined) throw bad('x5c is empty');
  const key = signingKeyOf(leaf);
  const algorithm = coseAlgorithmById(statement.alg);
  if (algorithm === undefined) throw bad(`alg ${statement.alg} is not supported; use -7, -35, -8 or -257`);
  if (!algorithm.keyAlgorithms.includes(key.algorithm)) {
    throw bad(`alg ${algorithm.name} does not fit the ${key.algorithm} key of x5c[0]`);
  }
  const signed = utf8.encode(attToBeSigned.keyAuthorization);
  if (!signatureAlgorithm(algorithm.signatureAlgorithm).verify(key, signed, statement.sig)) {
    throw bad("sig is not x5c[0]'s signature over the key authorization");
  }
  return {
    format: IDEVID_ATTESTATION_FORMAT,
    chain: certificates.map((certificate) => certificate.der),
    identifiers: deviceIdentifiersOf(leaf),
  };
}

function bad(reason: string, cause?: unknown): AcmeProblem {
  return new AcmeProblem(
    'badAttestationStatement',
    `attestation statement: ${reason}`,
    cause === undefined ? {} : { cause },
  );
}

/** WebAuthn Level 2 §6.5.4: the attestation object, a CBOR map of fmt, attStmt and (ignored) authData. */
function decodeAttestationObject(attObj: Uint8Array): ReadonlyMap<unknown, unknown> {
  if (attObj.length > MAX_ATTESTATION_OBJECT_BYTES) {
    throw new AcmeProblem(
      'malformed',
      `attObj is ${attObj.length} bytes; at most ${MAX_ATTESTATION_OBJECT_BYTES} are accepted`,
    );
  }
  let value: unknown;
  try {
    value = decode(attObj, CBOR_OPTIONS);
  } catch (error) {
    // cborg raises plain Errors for bad encodings, and a RangeError for nesting deep enough to exhaust the stack.
    throw new AcmeProblem('malformed', 'attObj is not a single well-formed CBOR value', { cause: error });
  }
  if (!(value instanceof Map)) throw bad('the attestation object is not a CBOR map');
  for (const key of value.keys()) {
    if (typeof key !== 'string' || !ATTESTATION_OBJECT_MEMBERS.has(key)) {
      throw bad(`the attestation object has an unexpected member ${describeKey(key)}`);
    }
  }
  const authData: unknown = value.get('authData');
  // The draft says authData SHOULD be omitted; a client that sends it anyway is tolerated, but it is not signed
  // in this format, so nothing in it is read.
  if (authData !== undefined && !(authData instanceof Uint8Array)) throw bad('authData is not a byte string');
  return value;
}

interface Statement {
  readonly alg: number;
  readonly sig: Uint8Array;
  readonly x5c: readonly Uint8Array[];
}

function readStatement(attestationObject: ReadonlyMap<unknown, unknown>): Statement {
  const fmt: unknown = attestationObject.get('fmt');
  if (typeof fmt !== 'string') throw bad('fmt is missing or not a text string');
  if (fmt !== IDEVID_ATTESTATION_FORMAT) {
    throw bad(
      `format ${JSON.stringify(fmt.slice(0, 32))} is not supported; use "${IDEVID_ATTESTATION_FORMAT}"`,
    );
  }
  const attStmt: unknown = attestationObject.get('attStmt');
  if (!(attStmt instanceof Map)) throw bad('attStmt is missing or not a CBOR map');
  for (const key of attStmt.keys()) {
    if (!(STATEMENT_MEMBERS as readonly unknown[]).includes(key)) {
      throw bad(`attStmt has an unexpected member ${describeKey(key)}`);
    }
  }
  const alg: unknown = attStmt.get('alg');
  if (typeof alg !== 'number' || !Number.isSafeInteger(alg)) throw bad('alg is missing or not an integer');
  const sig: unknown = attStmt.get('sig');
  if (!(sig instanceof Uint8Array) || sig.length === 0 || sig.length > MAX_SIGNATURE_BYTES) {
    throw bad(`sig is missing or not a byte string of 1 to ${MAX_SIGNATURE_BYTES} bytes`);
  }
  const x5c: unknown = attStmt.get('x5c');
  if (!Array.isArray(x5c)) throw bad('x5c is missing or not an array');
  if (x5c.length === 0) throw bad('x5c is empty');
  if (x5c.length > MAX_X5C_CERTIFICATES) {
    throw bad(`x5c holds ${x5c.length} certificates; at most ${MAX_X5C_CERTIFICATES} are accepted`);
  }
  return { alg, sig, x5c: x5c.map(certificateBytes) };
}

function certificateBytes(entry: unknown, index: number): Uint8Array {
  if (!(entry instanceof Uint8Array) || entry.length === 0) {
    throw bad(`x5c[${index}] is not a non-empty byte string`);
  }
  // A copy: cborg's byte strings are views into the request body, which the caller may reuse.
  return entry.slice();
}

function readCertificate(der: Uint8Array, index: number): ParsedCertificate {
  // parseCertificate also reads PEM and base64 text; x5c holds DER only (WebAuthn §8.2), so anything not starting
  // as a DER SEQUENCE is refused here rather than decoded into something other than what was sent.
  if (der[0] !== 0x30) throw bad(`x5c[${index}] is not a DER certificate`);
  try {
    return parseCertificate(der);
  } catch (error) {
    // Untrusted DER goes through asn1js and the schema library: whatever they raise, the client sent a bad x5c.
    throw bad(`x5c[${index}] is not a DER certificate`, error);
  }
}

/** The IDevID key, if the certificate lets it sign: a device certificate whose keyUsage allows signatures. */
function signingKeyOf(leaf: ParsedCertificate): PublicKey {
  if (leaf.extensions.basicConstraints?.ca === true) throw bad('x5c[0] is a CA certificate, not a device');
  const keyUsage = leaf.extensions.keyUsage;
  if (keyUsage !== undefined && !keyUsage.usages.includes('digitalSignature')) {
    throw bad("x5c[0]'s keyUsage does not allow digitalSignature");
  }
  try {
    return publicKeyFromSpki(leaf.spkiDer);
  } catch (error) {
    throw bad("x5c[0]'s key is not one the format supports (P-256, P-384, Ed25519, RSA)", error);
  }
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key.slice(0, 32)) : `of CBOR type ${typeof key}`;
}
