import { isPkiError, PkiError } from '../core/pki-error.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';

export interface PresentedChain {
  readonly leaf: ParsedCertificate;
  /** Whatever else the client sent, in its order. */
  readonly others: readonly ParsedCertificate[];
}

/** The certificates a client presented (TLS client chain, leaf first). None, or unparseable, is UNAUTHORIZED. */
export function parsePresentedChain(chain: readonly Uint8Array[], what: string): PresentedChain {
  const [first, ...rest] = chain;
  if (first === undefined) throw new PkiError('UNAUTHORIZED', `${what} requires a TLS client certificate`);
  try {
    return { leaf: parseCertificate(first), others: rest.map((der) => parseCertificate(der)) };
  } catch (error) {
    if (isPkiError(error, 'MALFORMED_INPUT')) {
      throw new PkiError('UNAUTHORIZED', `the client certificate cannot be read: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
