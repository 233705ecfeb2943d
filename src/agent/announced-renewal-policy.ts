import { PkiError } from '../core/pki-error.js';
import { RenewalPolicy } from '../pki/asn1/renewal-policy.js';
import { decodeDer } from '../pki/der.js';
import { OID } from '../pki/oids.js';
import type { CsrAttributesRequest } from '../protocols/est/wire/csr-attrs.js';
import type { AnnouncedRenewalPolicy } from './credential-store.js';

/**
 * certfleet's renewal policy from a csrattrs answer (private attribute OID.certfleetRenewalPolicy), or undefined
 * when the server announced none or one that does not decode: a server we do not know is no reason to fail, the
 * agent falls back to its renewalFraction.
 */
export function announcedRenewalPolicy(
  attributes: CsrAttributesRequest | undefined,
): AnnouncedRenewalPolicy | undefined {
  const attribute = attributes?.private?.find((p) => p.oid === OID.certfleetRenewalPolicy);
  if (!attribute) return undefined;
  try {
    const policy = decodeDer(attribute.valueDer, RenewalPolicy, 'renewal policy');
    const { lifetimeSeconds, renewAfterSeconds } = policy;
    if (!(lifetimeSeconds > 0) || !(renewAfterSeconds >= 0) || renewAfterSeconds >= lifetimeSeconds) {
      return undefined;
    }
    return { lifetimeSeconds, renewAfterSeconds };
  } catch (error) {
    if (error instanceof PkiError) return undefined;
    throw error;
  }
}
