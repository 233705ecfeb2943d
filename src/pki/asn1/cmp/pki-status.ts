/**
 * RFC 9810 §5.2.3, the overall outcome in a PKIStatusInfo.
 *
 * ```asn1
 * PKIStatus ::= INTEGER {
 *   accepted                (0),
 *   grantedWithMods         (1),
 *   rejection               (2),
 *   waiting                 (3),
 *   revocationWarning       (4),
 *   revocationNotification  (5),
 *   keyUpdateWarning        (6) }
 * ```
 */
export const PKI_STATUS = {
  accepted: 0,
  grantedWithMods: 1,
  rejection: 2,
  waiting: 3,
  revocationWarning: 4,
  revocationNotification: 5,
  keyUpdateWarning: 6,
} as const;

export type PKIStatusName = keyof typeof PKI_STATUS;
