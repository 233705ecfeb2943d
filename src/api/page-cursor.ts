import { invalidInput } from './invalid-input.js';

/** The parts of a sort key as they travel in a cursor: JSON scalars. */
export type CursorParts = readonly (string | number | null)[];

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * An opaque `cursor` for keyset pagination: base64url of the JSON array `[<list>, ...<sort key of the last item
 * returned>]`. The list's name keeps a cursor from one list out of another. Opaque to clients (they only pass
 * it back), but not secret or signed: a forged cursor only moves where the caller's own page starts.
 */
export class PageCursor<Key> {
  constructor(
    private readonly list: string,
    private readonly codec: {
      readonly encode: (key: Key) => CursorParts;
      /** The key from the parts, or undefined if they are not one. */
      readonly decode: (parts: readonly unknown[]) => Key | undefined;
    },
  ) {}

  encode(key: Key): string {
    return Buffer.from(JSON.stringify([this.list, ...this.codec.encode(key)]), 'utf8').toString('base64url');
  }

  /** The key of `text`; undefined for no cursor (the first page); MALFORMED_INPUT for anything else. */
  decode(text: string | undefined): Key | undefined {
    if (text === undefined) return undefined;
    const key = BASE64URL.test(text)
      ? this.parse(Buffer.from(text, 'base64url').toString('utf8'))
      : undefined;
    if (key === undefined) {
      throw invalidInput('query', '/cursor', `is not a cursor of this list; pass back the 'next' of a page`);
    }
    return key;
  }

  private parse(json: string): Key | undefined {
    let parts: unknown;
    try {
      parts = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!Array.isArray(parts) || parts[0] !== this.list) return undefined;
    return this.codec.decode(parts.slice(1));
  }
}

/** Cursor part checks for the decoders. */
export function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function isEpochMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
