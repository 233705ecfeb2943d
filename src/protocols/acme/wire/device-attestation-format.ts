import type { KeyAlgorithmName } from '../../../pki/algorithms/key-algorithm.js';
import type { SignatureAlgorithmName } from '../../../pki/algorithms/signature-algorithm.js';

/**
 * The attestation statement format a certfleet device uses for device-attest-01 (draft-ietf-acme-device-attest-10
 * §5): it proves possession of its IDevID key by signing attToBeSigned (the key authorization) and sends the IDevID
 * chain. The attestation object (WebAuthn Level 2 §6.5.4, `authData` omitted as the draft recommends):
 *
 * ```cddl
 * attObj  = { "fmt": "dev.certfleet.idevid", "attStmt": attStmt, ? "authData": bytes }  ; authData is ignored
 * attStmt = { "alg": COSEAlgorithmIdentifier,   ; -7 ES256, -35 ES384, -8 EdDSA (Ed25519), -257 RS256
 *             "sig": bytes,                     ; x5c[0]'s key over the UTF-8 key authorization
 *             "x5c": [1*5 bytes] }              ; DER certificates, the IDevID first
 * ```
 *
 * `sig` is encoded as WebAuthn Level 2 §6.5.5 prescribes for packed attestation: ECDSA as a DER Ecdsa-Sig-Value,
 * EdDSA as the 64 raw bytes of RFC 8032, RS256 as a bare RSASSA-PKCS1-v1_5 signature. The alg names the hash
 * (SHA-256 for ES256 and RS256, SHA-384 for ES384, none for Ed25519).
 *
 * Why not a registered identifier: `packed` has exactly this shape, but its verification procedure (WebAuthn §8.2)
 * signs authenticatorData || clientDataHash and requires an attestation certificate with Subject-OU
 * "Authenticator Attestation" and an AAGUID matched against authData, which an IEEE 802.1AR IDevID does not have;
 * a statement labelled `packed` that skips those rules would fail every conforming verifier and make ours accept
 * what `packed` must refuse. smallstep's `step` format (the nearest precedent) is unregistered, wraps `sig` in a
 * second CBOR byte string and ignores `alg`, so reusing its name with this encoding would mislead. WebAuthn §8.1
 * asks unregistered formats for a lowercase reverse domain name: certfleet's problem types live under
 * certfleet.dev, hence `dev.certfleet.idevid`.
 */
export const IDEVID_ATTESTATION_FORMAT = 'dev.certfleet.idevid';

/** Bounds on untrusted input: an IDevID chain of a few certificates fits well inside. */
export const MAX_ATTESTATION_OBJECT_BYTES = 16 * 1024;
export const MAX_X5C_CERTIFICATES = 5;
/** An RSA-4096 signature is 512 bytes; nothing the format allows is longer. */
export const MAX_SIGNATURE_BYTES = 1024;

/** One COSE algorithm (RFC 9053 §2, IANA "COSE Algorithms") and the IDevID keys it may sign with. */
export interface CoseSignatureAlgorithm {
  readonly id: number;
  readonly name: string;
  /** ES256 and ES384 are bound to their curves (RFC 9053 §2.1 pairs them); RS256 takes any RSA size we read. */
  readonly keyAlgorithms: readonly KeyAlgorithmName[];
  /** The X.509 algorithm with the same signature encoding, whose sign and verify do the work. */
  readonly signatureAlgorithm: SignatureAlgorithmName;
}

const ALGORITHMS: readonly CoseSignatureAlgorithm[] = [
  { id: -7, name: 'ES256', keyAlgorithms: ['ec-p256'], signatureAlgorithm: 'ecdsa-with-SHA256' },
  { id: -35, name: 'ES384', keyAlgorithms: ['ec-p384'], signatureAlgorithm: 'ecdsa-with-SHA384' },
  { id: -8, name: 'EdDSA', keyAlgorithms: ['ed25519'], signatureAlgorithm: 'Ed25519' },
  {
    id: -257,
    name: 'RS256',
    keyAlgorithms: ['rsa-2048', 'rsa-3072', 'rsa-4096'],
    signatureAlgorithm: 'sha256WithRSAEncryption',
  },
];

const BY_ID = new Map(ALGORITHMS.map((algorithm) => [algorithm.id, algorithm]));

export function coseAlgorithmById(id: number): CoseSignatureAlgorithm | undefined {
  return BY_ID.get(id);
}

/** The one algorithm a device signs with for its key type; undefined for a key type the format does not take. */
export function coseAlgorithmForKey(key: KeyAlgorithmName): CoseSignatureAlgorithm | undefined {
  return ALGORITHMS.find((algorithm) => algorithm.keyAlgorithms.includes(key));
}
