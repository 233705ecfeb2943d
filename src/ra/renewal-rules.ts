import { PkiError } from '../core/pki-error.js';
import { bytesEqual } from '../pki/der.js';
import { type AltName, formatAltName } from '../pki/general-names.js';
import type { RenewedCertificate } from './provisioner.js';

/**
 * RFC 7030 §4.2.2: a renewal or rekey keeps the subject and subjectAltName of the certificate it replaces. A new
 * key is required unless policy allows reuse (rekeying limits what a stolen old key is worth).
 */
export function checkRenewal(
  renewing: RenewedCertificate,
  request: { subjectDer: Uint8Array; altNames: readonly AltName[]; spkiDer: Uint8Array },
  allowKeyReuse: boolean,
): void {
  if (!bytesEqual(renewing.subjectDer, request.subjectDer)) {
    throw new PkiError('POLICY_VIOLATION', 'renewal: the subject differs from the current certificate', {
      details: { rule: 'renewal.subject' },
    });
  }
  const current = new Set(renewing.altNames.map(formatAltName));
  const requested = new Set(request.altNames.map(formatAltName));
  if (current.size !== requested.size || [...requested].some((n) => !current.has(n))) {
    throw new PkiError(
      'POLICY_VIOLATION',
      'renewal: the subject alternative names differ from the current certificate',
      {
        details: { rule: 'renewal.san' },
      },
    );
  }
  if (!allowKeyReuse && bytesEqual(renewing.spkiDer, request.spkiDer)) {
    throw new PkiError('POLICY_VIOLATION', 'renewal: the public key is the current one; generate a new key', {
      details: { rule: 'renewal.key-reuse' },
    });
  }
}
