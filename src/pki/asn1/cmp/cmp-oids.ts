/**
 * RFC 9810 §5.3.19 and its ASN.1 module: the InfoTypeAndValue types (id-it, 1.3.6.1.5.5.7.4) of generalInfo,
 * genm and genp, named as the RFC names them without the `id-it-` prefix.
 */
export const ID_IT = {
  caProtEncCert: '1.3.6.1.5.5.7.4.1',
  signKeyPairTypes: '1.3.6.1.5.5.7.4.2',
  encKeyPairTypes: '1.3.6.1.5.5.7.4.3',
  preferredSymmAlg: '1.3.6.1.5.5.7.4.4',
  caKeyUpdateInfo: '1.3.6.1.5.5.7.4.5',
  currentCRL: '1.3.6.1.5.5.7.4.6',
  unsupportedOIDs: '1.3.6.1.5.5.7.4.7',
  keyPairParamReq: '1.3.6.1.5.5.7.4.10',
  keyPairParamRep: '1.3.6.1.5.5.7.4.11',
  revPassphrase: '1.3.6.1.5.5.7.4.12',
  /** Header generalInfo: the requester will not send certConf (RFC 9810 §5.1.1.1). */
  implicitConfirm: '1.3.6.1.5.5.7.4.13',
  /** Header generalInfo: how long the CA waits for certConf (RFC 9810 §5.1.1.2). */
  confirmWaitTime: '1.3.6.1.5.5.7.4.14',
  origPKIMessage: '1.3.6.1.5.5.7.4.15',
  suppLangTags: '1.3.6.1.5.5.7.4.16',
  caCerts: '1.3.6.1.5.5.7.4.17',
  rootCaKeyUpdate: '1.3.6.1.5.5.7.4.18',
  certReqTemplate: '1.3.6.1.5.5.7.4.19',
  rootCaCert: '1.3.6.1.5.5.7.4.20',
  /** Header generalInfo: the certificate profile asked for (RFC 9810 §5.1.1.4). */
  certProfile: '1.3.6.1.5.5.7.4.21',
  crlStatusList: '1.3.6.1.5.5.7.4.22',
  crls: '1.3.6.1.5.5.7.4.23',
  KemCiphertextInfo: '1.3.6.1.5.5.7.4.24',
} as const;

export type InfoTypeName = keyof typeof ID_IT;

/** Extended key usages for CMP actors (id-kp-cmcRA from RFC 6402 §2.10, id-kp-cmKGA from RFC 9810's module). */
export const ID_KP_CMP = {
  /** id-kp-cmcRA: a registration authority allowed to act for end entities. */
  cmcRA: '1.3.6.1.5.5.7.3.28',
  /** id-kp-cmKGA: a key generation authority (central key generation). */
  cmKGA: '1.3.6.1.5.5.7.3.32',
} as const;
