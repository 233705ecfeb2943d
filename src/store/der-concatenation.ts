/**
 * Certificates kept in one column as their DER, back to back (like a PEM bundle without the armour): each
 * DER value starts with its tag and length (X.690 §8.1), so the list needs no framing of its own.
 */
export function concatDer(items: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(items.reduce((n, item) => n + item.length, 0));
  let offset = 0;
  for (const item of items) {
    out.set(item, offset);
    offset += item.length;
  }
  return out;
}

/**
 * Splits what concatDer joined. Only the outer lengths are read; bytes that do not frame as DER (which the
 * store never writes) come back as one last item rather than being lost.
 */
export function splitDer(bytes: Uint8Array): Uint8Array[] {
  const items: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = derEnd(bytes, offset);
    if (end === undefined) {
      items.push(bytes.slice(offset));
      break;
    }
    items.push(bytes.slice(offset, end));
    offset = end;
  }
  return items;
}

/** Where the DER value starting at `offset` ends, or undefined if its header does not fit the bytes. */
function derEnd(bytes: Uint8Array, offset: number): number | undefined {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  // A multi-byte tag (low five bits all set) is not a certificate; neither is a missing length.
  if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) return undefined;
  if (first < 0x80) return checkEnd(bytes, offset + 2 + first);
  const count = first & 0x7f;
  if (count === 0 || count > 4) return undefined;
  let length = 0;
  for (let i = 0; i < count; i += 1) {
    const byte = bytes[offset + 2 + i];
    if (byte === undefined) return undefined;
    length = length * 256 + byte;
  }
  return checkEnd(bytes, offset + 2 + count + length);
}

function checkEnd(bytes: Uint8Array, end: number): number | undefined {
  return end <= bytes.length ? end : undefined;
}
