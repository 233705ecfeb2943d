import { PkiError } from '../core/pki-error.js';

/** RFC 7468 textual encoding. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** Base64 (RFC 4648 §4) with whitespace anywhere; anything else, or a wrong length, is MALFORMED_INPUT. */
export function decodeBase64(text: string, what: string): Uint8Array {
  const compact = text.replace(/[\s]+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) {
    throw new PkiError('MALFORMED_INPUT', `${what}: not valid base64`);
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** Base64 wrapped at 64 characters, the form strict embedded clients expect. */
export function encodeBase64Lines(der: Uint8Array, eol = '\n'): string {
  const flat = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < flat.length; i += 64) lines.push(flat.slice(i, i + 64));
  return lines.join(eol) + eol;
}

export function encodePem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${encodeBase64Lines(der)}-----END ${label}-----\n`;
}

export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    blocks.push({ label, der: decodeBase64(match[2] ?? '', `PEM block '${label}'`) });
  }
  return blocks;
}

/**
 * Accepts DER, PEM with one of `labels`, or bare base64 of DER, and returns the DER of the first matching
 * object. `what` names the object in error messages ("certificate signing request").
 */
export function readDerOrPem(
  input: Uint8Array | string,
  labels: readonly string[],
  what: string,
): Uint8Array {
  if (typeof input !== 'string' && input.length > 0 && input[0] === 0x30) return input;
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const blocks = decodePemBlocks(text);
    const block = blocks.find((b) => labels.includes(b.label));
    if (!block) {
      const found = blocks.map((b) => b.label).join(', ') || 'no complete PEM block';
      throw new PkiError(
        'MALFORMED_INPUT',
        `${what}: expected PEM '${labels.join("' or '")}', found ${found}`,
      );
    }
    return block.der;
  }
  if (text.trim().length === 0) throw new PkiError('MALFORMED_INPUT', `${what}: empty input`);
  return decodeBase64(text, what);
}

/** All PEM blocks with `label`, e.g. every certificate of a chain file. */
export function readPemAll(text: string, label: string, what: string): Uint8Array[] {
  const ders = decodePemBlocks(text)
    .filter((b) => b.label === label)
    .map((b) => b.der);
  if (ders.length === 0) throw new PkiError('MALFORMED_INPUT', `${what}: no PEM '${label}' block found`);
  return ders;
}
