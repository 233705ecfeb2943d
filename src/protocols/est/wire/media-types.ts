/**
 * The EST media types exactly as RFC 7030 spells them. Strict clients compare them byte for byte (libest matches
 * `application/pkcs7-mime; smime-type=certs-only` as a prefix, one space after the semicolon), so responses use
 * these strings verbatim.
 */
export const EST_MEDIA_TYPE = {
  /** RFC 7030 §4.2.1: a PKCS#10 request, the body of simpleenroll, simplereenroll and serverkeygen. */
  pkcs10: 'application/pkcs10',
  /** RFC 7030 §4.1.3: the /cacerts response. */
  pkcs7Mime: 'application/pkcs7-mime',
  /** RFC 7030 §4.2.3: a certs-only CMC Simple PKI Response holding the issued certificate. */
  certsOnly: 'application/pkcs7-mime; smime-type=certs-only',
  /** RFC 7030 §4.5.2: the /csrattrs response. */
  csrattrs: 'application/csrattrs',
  /** RFC 7030 §4.4.2: the unencrypted private key part of a serverkeygen response. */
  pkcs8: 'application/pkcs8',
  /** RFC 7030 §4.4.2: the serverkeygen response; the boundary parameter is added per response. */
  multipartMixed: 'multipart/mixed',
} as const;

/** The `type/subtype` of a Content-Type header in lower case, parameters dropped; undefined when absent. */
export function mediaTypeEssence(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const essence = header.split(';', 1)[0]?.trim().toLowerCase();
  return essence ? essence : undefined;
}

/** RFC 7030 §4.2.1: whether a request's Content-Type names a PKCS#10 body (type compared case-insensitively). */
export function isPkcs10ContentType(header: string | undefined): boolean {
  return mediaTypeEssence(header) === EST_MEDIA_TYPE.pkcs10;
}
