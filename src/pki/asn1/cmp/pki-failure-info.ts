import { BitString } from '@peculiar/asn1-schema';

/**
 * RFC 9810 §5.2.3, why a request failed, as a named BIT STRING (bit 0 is the most significant bit of the
 * first octet).
 *
 * ```asn1
 * PKIFailureInfo ::= BIT STRING {
 *   badAlg (0), badMessageCheck (1), badRequest (2), badTime (3), badCertId (4), badDataFormat (5),
 *   wrongAuthority (6), incorrectData (7), missingTimeStamp (8), badPOP (9), certRevoked (10),
 *   certConfirmed (11), wrongIntegrity (12), badRecipientNonce (13), timeNotAvailable (14),
 *   unacceptedPolicy (15), unacceptedExtension (16), addInfoNotAvailable (17), badSenderNonce (18),
 *   badCertTemplate (19), signerNotTrusted (20), transactionIdInUse (21), unsupportedVersion (22),
 *   notAuthorized (23), systemUnavail (24), systemFailure (25), duplicateCertReq (26) }
 * ```
 */
export const PKI_FAILURE_INFO_BITS = {
  badAlg: 0,
  badMessageCheck: 1,
  badRequest: 2,
  badTime: 3,
  badCertId: 4,
  badDataFormat: 5,
  wrongAuthority: 6,
  incorrectData: 7,
  missingTimeStamp: 8,
  badPOP: 9,
  certRevoked: 10,
  certConfirmed: 11,
  wrongIntegrity: 12,
  badRecipientNonce: 13,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  badSenderNonce: 18,
  badCertTemplate: 19,
  signerNotTrusted: 20,
  transactionIdInUse: 21,
  unsupportedVersion: 22,
  notAuthorized: 23,
  systemUnavail: 24,
  systemFailure: 25,
  duplicateCertReq: 26,
} as const;

export type PKIFailureInfoName = keyof typeof PKI_FAILURE_INFO_BITS;

const NAME_BY_BIT = new Map<number, PKIFailureInfoName>(
  Object.entries(PKI_FAILURE_INFO_BITS).map(([name, bit]) => [bit, name as PKIFailureInfoName]),
);

/**
 * The DER form of a set of failure bits: X.690 §11.2.2 requires a named BIT STRING to drop its trailing zero
 * bits, so the length and the unused-bit count depend on the highest bit set (no bits → an empty string).
 */
export function encodeFailureInfo(names: Iterable<PKIFailureInfoName>): BitString {
  const bits = new Set<number>();
  for (const name of names) bits.add(PKI_FAILURE_INFO_BITS[name]);
  if (bits.size === 0) return new BitString(new ArrayBuffer(0), 0);
  const highest = Math.max(...bits);
  const octets = new Uint8Array((highest >> 3) + 1);
  for (const bit of bits) octets[bit >> 3] = (octets[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  return new BitString(octets.buffer, 7 - (highest & 7));
}

/**
 * The names of the bits set, in bit order. Bits beyond duplicateCertReq (26) have no name and are ignored, as
 * are the unused trailing bits a sender should have left zero.
 */
export function decodeFailureInfo(failInfo: BitString): PKIFailureInfoName[] {
  const octets = new Uint8Array(failInfo.value);
  const usedBits = octets.length * 8 - failInfo.unusedBits;
  const names: PKIFailureInfoName[] = [];
  for (let bit = 0; bit < usedBits; bit++) {
    if (((octets[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) === 0) continue;
    const name = NAME_BY_BIT.get(bit);
    if (name !== undefined) names.push(name);
  }
  return names;
}
