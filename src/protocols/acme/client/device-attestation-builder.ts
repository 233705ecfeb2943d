import { createPublicKey, type KeyObject } from 'node:crypto';
import { encode } from 'cborg';
import { PkiError } from '../../../core/pki-error.js';
import { privateKeyFromKeyObject, publicKeyFromSpki } from '../../../pki/algorithms/key-algorithm.js';
import { signatureAlgorithm } from '../../../pki/algorithms/signature-algorithm.js';
import { parseCertificate } from '../../../pki/certificate.js';
import { toBytes } from '../../../pki/der.js';
import {
  coseAlgorithmForKey,
  IDEVID_ATTESTATION_FORMAT,
  MAX_ATTESTATION_OBJECT_BYTES,
  MAX_X5C_CERTIFICATES,
} from '../wire/device-attestation-format.js';

export interface DeviceAttestationInput {
  /** RFC 8555 §8.1 `token || "." || thumbprint(accountKey)`: the device-attest-01 attToBeSigned. */
  readonly keyAuthorization: string;
  /** The IDevID private key. */
  readonly privateKey: KeyObject;
  /** The IDevID chain, the IDevID first (DER); the trust anchor may be left out. */
  readonly chain: readonly Uint8Array[];
}

/**
 * The device side of device-attest-01 (draft-ietf-acme-device-attest-10 §5): a `dev.certfleet.idevid`
 * attestation object (see device-attestation-format.ts), the IDevID key's signature over the key authorization
 * with its chain, `authData` omitted as the draft recommends. The client base64url-encodes it as `attObj`.
 *
 * Refuses (PkiError) a key type the format does not take, a chain that is empty, too long or not led by the
 * key's own certificate, and a result the server would refuse as too large: better here than as a challenge the
 * server marks invalid.
 */
export function buildDeviceAttestation(input: DeviceAttestationInput): Uint8Array {
  const key = privateKeyFromKeyObject(input.privateKey);
  const algorithm = coseAlgorithmForKey(key.algorithm);
  if (algorithm === undefined) {
    throw new PkiError('UNSUPPORTED_ALGORITHM', `a ${key.algorithm} key cannot sign a device attestation`);
  }
  const [leafDer] = input.chain;
  if (leafDer === undefined || input.chain.length > MAX_X5C_CERTIFICATES) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `the IDevID chain must hold 1 to ${MAX_X5C_CERTIFICATES} certificates`,
    );
  }
  const leafKey = publicKeyFromSpki(parseCertificate(leafDer).spkiDer);
  if (!leafKey.material.equals(createPublicKey(input.privateKey))) {
    throw new PkiError('MALFORMED_INPUT', "the private key is not the key of the chain's first certificate");
  }
  const sig = signatureAlgorithm(algorithm.signatureAlgorithm).sign(
    key,
    new TextEncoder().encode(input.keyAuthorization),
  );
  const attObj = encode({
    fmt: IDEVID_ATTESTATION_FORMAT,
    // toBytes: a Buffer in the chain must still encode as a plain CBOR byte string.
    attStmt: { alg: algorithm.id, sig, x5c: input.chain.map((der) => toBytes(der)) },
  });
  if (attObj.length > MAX_ATTESTATION_OBJECT_BYTES) {
    throw new PkiError(
      'PAYLOAD_TOO_LARGE',
      `the attestation object is ${attObj.length} bytes; servers accept at most ${MAX_ATTESTATION_OBJECT_BYTES}`,
    );
  }
  return attObj;
}
