/** Object identifiers certfleet uses by name. Values from the RFC named beside each. */
export const OID = {
  // Key and signature algorithms (RFC 3279, RFC 4055, RFC 5480, RFC 5758, RFC 8410)
  ecPublicKey: '1.2.840.10045.2.1',
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ed25519: '1.3.101.112',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',

  // Name attributes (RFC 5280 appendix A, RFC 4519)
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  countryName: '2.5.4.6',
  localityName: '2.5.4.7',
  stateOrProvinceName: '2.5.4.8',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  title: '2.5.4.12',
  domainComponent: '0.9.2342.19200300.100.1.25',
  userId: '0.9.2342.19200300.100.1.1',
  emailAddress: '1.2.840.113549.1.9.1',
  /** Matter VendorID / ProductID DN attributes (Matter Core Specification §6.2.2). */
  matterVendorId: '1.3.6.1.4.1.37244.2.1',
  matterProductId: '1.3.6.1.4.1.37244.2.2',

  // Certificate extensions (RFC 5280 §4.2)
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  crlDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',

  // Extended key usages (RFC 5280 §4.2.1.12)
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  /** id-kp-cmcRA (RFC 6402 §2.10): a CMP/CMC registration authority, as RFC 9483 §3.3 expects of a CMP server. */
  cmcRA: '1.3.6.1.5.5.7.3.28',

  // Access methods (RFC 5280 §4.2.2.1)
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',

  // otherName forms for device identities
  /** RFC 4043 PermanentIdentifier. */
  permanentIdentifier: '1.3.6.1.5.5.7.8.3',
  /** RFC 4108 HardwareModuleName. */
  hardwareModuleName: '1.3.6.1.5.5.7.8.4',

  // Password-based encryption of private keys (RFC 8018 §A.2, §A.4, §B.1.2, §B.2.5)
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA1: '1.2.840.113549.2.7',
  hmacWithSHA224: '1.2.840.113549.2.8',
  hmacWithSHA256: '1.2.840.113549.2.9',
  hmacWithSHA384: '1.2.840.113549.2.10',
  hmacWithSHA512: '1.2.840.113549.2.11',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',

  /**
   * certfleet's renewal policy attribute in CsrAttrs (asn1/renewal-policy.ts). Under the documentation enterprise
   * number of RFC 5612 until certfleet has its own arc; change both ends together.
   */
  certfleetRenewalPolicy: '1.3.6.1.4.1.32473.16.1',
  /**
   * The extended key usage of a birth certificate (IDevID): it names what the certificate is for (proving the
   * device's identity to its enrollment server) and, by not listing clientAuth, makes every OpenSSL-style relying
   * party (MQTT brokers, gateways) refuse it for TLS client authentication even when it trusts the common root.
   * Same arc caveat as above.
   */
  certfleetDeviceBirth: '1.3.6.1.4.1.32473.16.2',

  // PKCS#9 attributes in CSRs (RFC 2985)
  challengePassword: '1.2.840.113549.1.9.7',
  extensionRequest: '1.2.840.113549.1.9.14',

  // CMS content types (RFC 5652 §4, §5.1): certs-only responses are a degenerate signedData around id-data
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',

  // Further key and signature algorithms a server may name in /csrattrs (RFC 8410, RFC 4055, RFC 5480)
  ed448: '1.3.101.113',
  rsassaPss: '1.2.840.113549.1.1.10',
  secp521r1: '1.3.132.0.35',

  // OCSP (RFC 6960 §4.2.1, §4.4.1, §4.2.2.2.1; nonce per RFC 9654)
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',

  // Hash algorithms for OCSP CertIDs (RFC 3279 §2.1 / RFC 5754 §2; SHA-256 per RFC 9919)
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',

  // CMP MAC-based protection (RFC 9810 §5.1.3.1, RFC 9481 §6.1.1 and §6.2.1, RFC 8018 §A.5)
  passwordBasedMac: '1.2.840.113533.7.66.13',
  pbmac1: '1.2.840.113549.1.5.14',
  /** HMAC-SHA1 under the IPsec arc (RFC 2104 via RFC 4210), what OpenSSL writes in PBMParameter. */
  hmacSha1: '1.3.6.1.5.5.8.1.2',
} as const;
