import { Nonce } from '@peculiar/asn1-ocsp';
import { OctetString } from '@peculiar/asn1-schema';
import { Extension } from '@peculiar/asn1-x509';
import { PkiError } from '../../core/pki-error.js';
import { decodeDer, encodeDer } from '../der.js';
import { OID } from '../oids.js';

/** RFC 9654 §2.1: `Nonce ::= OCTET STRING(SIZE(1..128))`. */
export const MAX_NONCE_OCTETS = 128;

/**
 * The id-pkix-ocsp-nonce extension (RFC 6960 §4.4.1 as replaced by RFC 9654 §2.1): extnValue is the DER of the
 * Nonce, itself an OCTET STRING, so the nonce sits inside two OCTET STRINGs. Lengths are not checked here, so
 * tests can build requests a responder must refuse.
 */
export function nonceExtension(nonce: Uint8Array): Extension {
  return new Extension({
    extnID: OID.ocspNonce,
    critical: false,
    extnValue: new OctetString(encodeDer(new Nonce(nonce))),
  });
}

/**
 * The nonce among request or response extensions, if any. A repeated nonce, an extnValue that is not one
 * OCTET STRING, or a nonce outside 1..128 octets is MALFORMED_INPUT (rule `ocsp.nonce`): RFC 9654 §2.1 has
 * the responder reject a nonce longer than 128 octets with malformedRequest, and an empty one breaks the
 * type's SIZE constraint. Nonces of 1..15 or 33..128 octets are returned; RFC 9654 lets a responder answer
 * them without a nonce, which is the caller's choice.
 */
export function readNonce(
  extensions: readonly Extension[] | undefined,
  what: string,
): Uint8Array | undefined {
  const found = (extensions ?? []).filter((e) => e.extnID === OID.ocspNonce);
  if (found.length === 0) return undefined;
  if (found.length > 1) {
    throw new PkiError('MALFORMED_INPUT', `${what}: more than one nonce extension`, {
      details: { rule: 'ocsp.nonce' },
    });
  }
  const extnValue = new Uint8Array((found[0] as Extension).extnValue.buffer);
  const nonce = new Uint8Array(decodeDer(extnValue, Nonce, `${what}: nonce`).buffer);
  if (nonce.length < 1 || nonce.length > MAX_NONCE_OCTETS) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `${what}: nonce of ${nonce.length} octets (RFC 9654 allows 1 to ${MAX_NONCE_OCTETS})`,
      { details: { rule: 'ocsp.nonce' } },
    );
  }
  return nonce;
}
