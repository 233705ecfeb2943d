import { PkiError } from '../../../core/pki-error.js';
import { encodeBase64Lines } from '../../../pki/pem.js';
import { decodeEstBody } from './est-body.js';
import { EST_MEDIA_TYPE, mediaTypeEssence } from './media-types.js';

const CRLF = '\r\n';
/** RFC 2046 §5.1.1 allows 1 to 70 characters; we keep to those that never need quoting in a header parameter. */
const BOUNDARY = /^[0-9A-Za-z'+_.-]{1,70}$/;

/** One body part of a multipart entity: header names in lower case, the body as text between the delimiters. */
export interface MultipartPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * RFC 7030 §4.4.2: the serverkeygen response, `multipart/mixed` with the private key (`application/pkcs8`) then
 * the certificate (`application/pkcs7-mime; smime-type=certs-only`). Each part says `Content-Transfer-Encoding:
 * base64`, which RFC 8951 made meaningless but libest's client requires, and carries base64 in 64-column lines;
 * every line ends in CRLF. `boundary` must not need quoting (letters, digits, `'+_.-`, at most 70), which a
 * random hex boundary satisfies; anything else is INTERNAL.
 */
export function encodeServerKeygenResponse(
  privateKeyPkcs8Der: Uint8Array,
  certsOnlyDer: Uint8Array,
  boundary: string,
): { contentType: string; body: string } {
  if (!BOUNDARY.test(boundary)) {
    throw new PkiError('INTERNAL', "serverkeygen: multipart boundary must be 1-70 of [0-9A-Za-z'+_.-]");
  }
  const part = (contentType: string, der: Uint8Array) =>
    `--${boundary}${CRLF}Content-Type: ${contentType}${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}` +
    // Inside MIME parts lines end in CRLF (RFC 2045 canonical form), unlike the bare EST bodies.
    encodeBase64Lines(der, CRLF);
  return {
    contentType: `${EST_MEDIA_TYPE.multipartMixed}; boundary=${boundary}`,
    body:
      part(EST_MEDIA_TYPE.pkcs8, privateKeyPkcs8Der) +
      part(EST_MEDIA_TYPE.certsOnly, certsOnlyDer) +
      `--${boundary}--${CRLF}`,
  };
}

/**
 * The client's side of {@link encodeServerKeygenResponse}: the DER of the `application/pkcs8` part and of the
 * `application/pkcs7-mime` part (with or without `smime-type=certs-only`, which older servers omit). A key sent
 * encrypted (`smime-type=server-generated-key`) or any missing part is MALFORMED_INPUT.
 */
export function decodeServerKeygenResponse(
  contentType: string,
  body: string,
): { privateKeyPkcs8Der: Uint8Array; certsOnlyDer: Uint8Array } {
  const parts = decodeMultipartMixed(contentType, body);
  const find = (type: string) => parts.find((p) => mediaTypeEssence(p.headers['content-type']) === type);
  const key = find(EST_MEDIA_TYPE.pkcs8);
  const certificate = parts.find(
    (p) =>
      mediaTypeEssence(p.headers['content-type']) === EST_MEDIA_TYPE.pkcs7Mime &&
      !/smime-type\s*=\s*"?server-generated-key/i.test(p.headers['content-type'] ?? ''),
  );
  if (!key) {
    const encrypted = parts.some((p) => /server-generated-key/i.test(p.headers['content-type'] ?? ''));
    throw new PkiError(
      'MALFORMED_INPUT',
      encrypted
        ? 'serverkeygen response: the key is encrypted (server-generated-key), which is not supported'
        : 'serverkeygen response: no application/pkcs8 part',
    );
  }
  if (!certificate)
    throw new PkiError('MALFORMED_INPUT', 'serverkeygen response: no application/pkcs7-mime part');
  return {
    privateKeyPkcs8Der: decodeEstBody(key.body, 'serverkeygen response: private key'),
    certsOnlyDer: decodeEstBody(certificate.body, 'serverkeygen response: certificate'),
  };
}

/**
 * RFC 2046 §5.1: the body parts of a `multipart/mixed` entity, for the EST client and tests. Liberal in what it
 * reads: LF or CRLF line ends, header names in any case, folded header lines, a quoted boundary, preamble and
 * epilogue ignored. Part bodies are returned with their line breaks as sent (CRLF or LF) minus the one before the
 * next delimiter. No closing delimiter, or a part without its blank line after the headers, is MALFORMED_INPUT.
 */
export function decodeMultipartMixed(contentType: string, body: string): MultipartPart[] {
  if (mediaTypeEssence(contentType) !== EST_MEDIA_TYPE.multipartMixed) {
    throw new PkiError('MALFORMED_INPUT', `multipart: Content-Type '${contentType}' is not multipart/mixed`);
  }
  const boundary = boundaryOf(contentType);
  const lines = body.split(/(?<=\n)/); // keeps each line's own end (CRLF or LF)
  // A delimiter line is --boundary (-- more to close), then optional blanks (RFC 2046 §5.1.1 transport padding).
  const isDelimiter = (line: string, close: boolean) => {
    const delimiter = `--${boundary}${close ? '--' : ''}`;
    return line.startsWith(delimiter) && /^[ \t]*\r?\n?$/.test(line.slice(delimiter.length));
  };

  let at = lines.findIndex((line) => isDelimiter(line, false));
  if (at < 0) throw new PkiError('MALFORMED_INPUT', 'multipart: the boundary never appears');
  const parts: MultipartPart[] = [];
  for (;;) {
    const start = at + 1;
    let end = start;
    while (end < lines.length && !isDelimiter(lines[end]!, false) && !isDelimiter(lines[end]!, true)) end++;
    if (end === lines.length) throw new PkiError('MALFORMED_INPUT', 'multipart: no closing boundary');
    parts.push(readPart(lines.slice(start, end), parts.length + 1));
    if (isDelimiter(lines[end]!, true)) return parts;
    at = end;
  }
}

function boundaryOf(contentType: string): string {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new PkiError('MALFORMED_INPUT', 'multipart: Content-Type has no boundary parameter');
  return boundary;
}

function readPart(lines: readonly string[], number: number): MultipartPart {
  const blank = lines.findIndex((line) => /^\r?\n$/.test(line));
  if (blank < 0)
    throw new PkiError('MALFORMED_INPUT', `multipart: part ${number} has no blank line after its headers`);
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const raw of lines.slice(0, blank)) {
    const line = raw.replace(/\r?\n$/, '');
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`); // RFC 5322 §2.2.3 folding
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new PkiError('MALFORMED_INPUT', `multipart: part ${number} has a malformed header line`);
    last = line.slice(0, colon).trim().toLowerCase();
    if (headers.has(last))
      throw new PkiError('MALFORMED_INPUT', `multipart: part ${number} repeats header ${last}`);
    headers.set(last, line.slice(colon + 1).trim());
  }
  const body = lines
    .slice(blank + 1)
    .join('')
    .replace(/\r?\n$/, '');
  return { headers: Object.fromEntries(headers), body };
}
