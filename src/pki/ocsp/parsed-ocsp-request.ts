import type { ParsedCertId } from './cert-id.js';

/** An OCSP request as a responder needs it (RFC 6960 §4.1.1). */
export interface ParsedOcspRequest {
  readonly requests: ReadonlyArray<{ readonly certId: ParsedCertId }>;
  /** The RFC 9654 nonce (1..128 octets) to echo, when the request carries one. */
  readonly nonce?: Uint8Array;
  /** Whether optionalSignature is present. certfleet does not require signed requests and never checks one. */
  readonly signed: boolean;
  readonly der: Uint8Array;
}
