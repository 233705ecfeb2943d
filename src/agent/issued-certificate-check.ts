import { PkiError } from '../core/pki-error.js';
import type { PrivateKey } from '../pki/algorithms/key-algorithm.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import { TrustStore } from '../pki/chain.js';
import { bytesEqual } from '../pki/der.js';
import type { StepFailure } from './failure-cause.js';

export interface IssuedCertificateInput {
  readonly certificateDer: Uint8Array;
  /** The key generated for this request. */
  readonly key: PrivateKey;
  /** The subject asked for (RFC 4514). */
  readonly subjectText: string;
  readonly anchors: readonly ParsedCertificate[];
  /** Path-building candidates: the latest cacerts and the current chain. */
  readonly intermediates: readonly ParsedCertificate[];
  /** Server time: the answer's Date, else the agent's estimate. */
  readonly at: Date;
}

export type IssuedCertificateCheck =
  | {
      readonly ok: true;
      readonly leaf: ParsedCertificate;
      /** The intermediates between the leaf and the anchor, to install with it. */
      readonly chain: readonly ParsedCertificate[];
    }
  | { readonly ok: false; readonly failure: StepFailure };

/**
 * Everything a new certificate must show before it replaces a working one: it decodes, it certifies the key just
 * generated (else wrong-key: installing it would leave the device with a certificate it cannot use), it names the
 * subject asked for, and it chains to a trust anchor and is valid at server time (else untrusted-chain).
 */
export function checkIssuedCertificate(input: IssuedCertificateInput): IssuedCertificateCheck {
  let leaf: ParsedCertificate;
  try {
    leaf = parseCertificate(input.certificateDer);
  } catch (error) {
    return fail('bad-response', `the issued certificate does not decode: ${messageOf(error)}`);
  }
  if (!bytesEqual(leaf.spkiDer, input.key.spki)) {
    return fail(
      'wrong-key',
      `certificate ${leaf.serial} certifies another key than the one generated for it`,
    );
  }
  if (leaf.subjectText !== input.subjectText) {
    return fail(
      'bad-response',
      `certificate ${leaf.serial} names '${leaf.subjectText}', not '${input.subjectText}'`,
    );
  }
  try {
    const path = new TrustStore(input.anchors).validate(leaf, input.intermediates, input.at);
    return { ok: true, leaf, chain: path.certificates.slice(1, -1) };
  } catch (error) {
    if (!(error instanceof PkiError)) throw error;
    return fail('untrusted-chain', `certificate ${leaf.serial}: ${error.message}`);
  }
}

function fail(cause: StepFailure['cause'], message: string): IssuedCertificateCheck {
  return { ok: false, failure: { cause, message } };
}

function messageOf(error: unknown): string {
  if (error instanceof PkiError) return error.message;
  throw error;
}
