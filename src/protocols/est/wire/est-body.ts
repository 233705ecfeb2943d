import { PkiError } from '../../../core/pki-error.js';
import { decodePemBlocks, encodeBase64Lines } from '../../../pki/pem.js';

const DER_SEQUENCE = 0x30;
/** RFC 8951 §3: the whitespace a receiver tolerates inside base64. */
const BASE64_WHITESPACE = /[\r\n\t ]+/g;
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/**
 * RFC 8951 §3: an EST body is base64 (RFC 4648 §4) of DER "regardless of any Content-Transfer-Encoding header",
 * which is therefore never consulted. Base64 may be wrapped or on one line, with CR, LF, space or tab anywhere.
 * Liberal input beyond the RFC, because field clients send them (PROTOCOLS.md §1.2): a PEM-armoured object (one
 * block, any label) and raw DER (first byte 0x30; pass bytes, though a string read as latin1 also works). Returns
 * the DER of a SEQUENCE; whether it is the object expected is for the caller's decoder to say. Anything else is
 * MALFORMED_INPUT with a one-line reason starting with `what`.
 */
export function decodeEstBody(body: string | Uint8Array, what: string): Uint8Array {
  if (typeof body !== 'string' && body.length > 0 && body[0] === DER_SEQUENCE) return body;
  if (typeof body === 'string' && body.charCodeAt(0) === DER_SEQUENCE) return fromBinaryString(body, what);
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
  if (text.includes('-----BEGIN ')) return fromPem(text, what);
  return fromBase64(text, what);
}

/**
 * RFC 8951 §3 output: base64 of `der` in lines of 64 characters ended by LF. Wrapped, because strict embedded
 * clients (libest, OpenSSL BIOs without NO_NL) read wrapped base64 only; LF rather than CRLF, because OpenSSL's
 * reader takes either while GNU `base64 -d`, which operators pipe responses into, refuses CR.
 */
export function encodeEstBody(der: Uint8Array): string {
  return encodeBase64Lines(der, '\n');
}

/**
 * Raw DER that reached us as a string ('0' = 0x30 never starts the base64 of a SEQUENCE, which starts with 'M').
 * Recoverable only if it was read as latin1, one character per byte.
 */
function fromBinaryString(text: string, what: string): Uint8Array {
  if (Buffer.from(text, 'latin1').toString('latin1') !== text) {
    throw new PkiError('MALFORMED_INPUT', `${what}: binary body was read as text and cannot be recovered`);
  }
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

function fromPem(text: string, what: string): Uint8Array {
  let blocks: ReturnType<typeof decodePemBlocks>;
  try {
    blocks = decodePemBlocks(text);
  } catch (error) {
    const reason = error instanceof PkiError ? error.message : 'bad PEM';
    throw new PkiError('MALFORMED_INPUT', `${what}: ${reason}`, { cause: error });
  }
  const block = blocks[0];
  if (!block) throw new PkiError('MALFORMED_INPUT', `${what}: PEM armour without a complete block`);
  if (blocks.length > 1) {
    throw new PkiError('MALFORMED_INPUT', `${what}: ${blocks.length} PEM blocks where one was expected`);
  }
  return requireSequence(block.der, what);
}

function fromBase64(text: string, what: string): Uint8Array {
  const compact = text.replace(BASE64_WHITESPACE, '');
  if (compact.length === 0) throw new PkiError('MALFORMED_INPUT', `${what}: empty body`);
  const bad = NOT_BASE64.exec(compact);
  if (bad) {
    const code = bad[0].charCodeAt(0);
    const shown = code >= 0x21 && code <= 0x7e ? `'${bad[0]}'` : `0x${code.toString(16).padStart(2, '0')}`;
    throw new PkiError('MALFORMED_INPUT', `${what}: character ${shown} is not base64`);
  }
  // Padding may be left off (a few clients strip it); '=' is allowed only at the end, at most twice.
  const unpadded = compact.replace(/={1,2}$/, '');
  if (unpadded.includes('=') || (compact.length !== unpadded.length && compact.length % 4 !== 0)) {
    throw new PkiError('MALFORMED_INPUT', `${what}: misplaced '=' padding in base64`);
  }
  if (unpadded.length % 4 === 1) {
    throw new PkiError('MALFORMED_INPUT', `${what}: base64 is truncated (length ${unpadded.length})`);
  }
  return requireSequence(new Uint8Array(Buffer.from(unpadded, 'base64')), what);
}

/** Every EST body (CSR, CMC, CMS, CsrAttrs, PKCS#8) is a DER SEQUENCE; say so early rather than as a DER error. */
function requireSequence(der: Uint8Array, what: string): Uint8Array {
  if (der[0] !== DER_SEQUENCE) {
    throw new PkiError('MALFORMED_INPUT', `${what}: body does not decode to a DER SEQUENCE`);
  }
  return der;
}
