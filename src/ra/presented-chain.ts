import { isPkiError, PkiError } from '../core/pki-error.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';

export interface PresentedChain {
  readonly leaf: ParsedCertificate;
  /** Whatever else the client sent, in its order. */
  readonly others: readonly ParsedCertificate[];
}

/**
 * The certificates a client presented (TLS client chain, leaf first). None, or unparseable, is UNAUTHORIZED.
 * `known` returns an already-parsed copy of a certificate we hold (our intermediates).
 */
export function parsePresentedChain(
  chain: readonly Uint8Array[],
  what: string,
  known: (der: Uint8Array) => ParsedCertificate | undefined = () => undefined,
): PresentedChain {
  const [first, ...rest] = chain;
  if (first === undefined) throw new PkiError('UNAUTHORIZED', `${what} requires a TLS client certificate`);
  try {
    // Devices send the same intermediates over and over; reuse ours instead of parsing them each time.
    return { leaf: parseCertificate(first), others: rest.map((der) => known(der) ?? parseCertificate(der)) };
  } catch (error) {
    if (isPkiError(error, 'MALFORMED_INPUT')) {
      throw new PkiError('UNAUTHORIZED', `the client certificate cannot be read: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
