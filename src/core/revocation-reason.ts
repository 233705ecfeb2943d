/** RFC 5280 §5.3.1 CRLReason names with their codes (7 is unused). */
export const REVOCATION_REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type RevocationReason = keyof typeof REVOCATION_REASON_CODES;

export function isRevocationReason(value: string): value is RevocationReason {
  return Object.hasOwn(REVOCATION_REASON_CODES, value);
}

/**
 * Reasons an operator may revoke with. certfleet does not suspend certificates, so `certificateHold` (which
 * promises a later release) is not offered, and `removeFromCRL` only has a meaning in delta CRLs (RFC 5280
 * §5.3.1), which releases a hold.
 */
export const REQUESTABLE_REVOCATION_REASONS: readonly RevocationReason[] = (
  Object.keys(REVOCATION_REASON_CODES) as RevocationReason[]
).filter((reason) => reason !== 'certificateHold' && reason !== 'removeFromCRL');

export function isRequestableRevocationReason(value: string): value is RevocationReason {
  return (REQUESTABLE_REVOCATION_REASONS as readonly string[]).includes(value);
}
