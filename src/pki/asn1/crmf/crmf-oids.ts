/**
 * RFC 4211 §6 and §7: the registration controls (id-regCtrl, 1.3.6.1.5.5.7.5.1) a CertRequest may carry in
 * `controls`, and the registration info (id-regInfo, 1.3.6.1.5.5.7.5.2) a CertReqMsg may carry in `regInfo`.
 * `algId` and `rsaKeyLen` are RFC 9810 additions (§5.3.19, certificate request template) used in keySpec.
 */
export const ID_REG_CTRL = {
  /** RFC 4211 §6.1, a one-time secret authorising the request (UTF8String). */
  regToken: '1.3.6.1.5.5.7.5.1.1',
  /** RFC 4211 §6.2, a long-lived secret for later revocation requests (UTF8String). */
  authenticator: '1.3.6.1.5.5.7.5.1.2',
  /** RFC 4211 §6.3 */
  pkiPublicationInfo: '1.3.6.1.5.5.7.5.1.3',
  /** RFC 4211 §6.4 */
  pkiArchiveOptions: '1.3.6.1.5.5.7.5.1.4',
  /** RFC 4211 §6.5, the certificate a kur replaces (CertId). */
  oldCertID: '1.3.6.1.5.5.7.5.1.5',
  /** RFC 4211 §6.6 */
  protocolEncrKey: '1.3.6.1.5.5.7.5.1.6',
  /** RFC 9810 §5.3.19 (keySpec of a certificate request template): the key algorithm wanted. */
  algId: '1.3.6.1.5.5.7.5.1.11',
  /** RFC 9810 §5.3.19 (keySpec of a certificate request template): the RSA key length wanted. */
  rsaKeyLen: '1.3.6.1.5.5.7.5.1.12',
} as const;

export const ID_REG_INFO = {
  /** RFC 4211 §7.1, `%`-separated name/value pairs (UTF8String). */
  utf8Pairs: '1.3.6.1.5.5.7.5.2.1',
  /** RFC 4211 §7.2, a CertRequest to be used instead of the one in the message. */
  certReq: '1.3.6.1.5.5.7.5.2.2',
} as const;
