/**
 * A minimal DER writer for the hot paths only (issuance, OCSP answers): the schema encoder costs more than the signature it
 * precedes (see ../shared/reference/PERFORMANCE.md). Everything written here is tested byte-for-byte against
 * the @peculiar/asn1-schema encoding of the same value (der-writer.test.ts, tbs-template.test.ts).
 */

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  objectIdentifier: 0x06,
  enumerated: 0x0a,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
} as const;

export function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x100) return Uint8Array.of(0x81, length);
  if (length < 0x10000) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length < 0x1000000) return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new RangeError('DER value too long');
}

export function derHeaderLength(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** tag + length + the concatenation of `contents`. */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of contents) length += part.length;
  const lengthBytes = derLength(length);
  const out = new Uint8Array(1 + lengthBytes.length + length);
  out[0] = tag;
  out.set(lengthBytes, 1);
  let offset = 1 + lengthBytes.length;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A non-negative INTEGER from big-endian magnitude bytes, minimal as DER requires. */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return needsPad ? tlv(TAG.integer, Uint8Array.of(0), trimmed) : tlv(TAG.integer, trimmed);
}

export function derBitString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.bitString, Uint8Array.of(0), bytes);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, always Zulu with whole seconds.
 * Milliseconds are dropped, as the schema's Time type does.
 */
export function derTime(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const rest =
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    'Z';
  if (year < 2050) return tlv(TAG.utcTime, Buffer.from(pad2(year % 100) + rest, 'latin1'));
  return tlv(TAG.generalizedTime, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}

/** GeneralizedTime in Zulu with whole seconds, whatever the year (OCSP's times, RFC 6960 §4.2.1). */
export function derGeneralizedTime(date: Date): Uint8Array {
  const text =
    String(date.getUTCFullYear()).padStart(4, '0') +
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    'Z';
  return tlv(TAG.generalizedTime, Buffer.from(text, 'latin1'));
}

/** Encoded size of a TLV whose value is `length` bytes long. */
export function tlvSize(length: number): number {
  return derHeaderLength(length) + length;
}

/** Size of the INTEGER TLV that {@link derUnsignedInteger} writes for this magnitude. */
export function unsignedIntegerSize(magnitude: Uint8Array): number {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const content = magnitude.length - start + (((magnitude[start] ?? 0) & 0x80) !== 0 ? 1 : 0);
  return tlvSize(content);
}

/** Size of the time TLV {@link derTime} writes: UTCTime (13 octets) through 2049, GeneralizedTime (15) after. */
export function timeSize(date: Date): number {
  return date.getUTCFullYear() < 2050 ? 15 : 17;
}

/**
 * Writes DER into one buffer sized in advance, so encoding a certificate allocates once instead of once per
 * field. Every method returns the writer; lengths are the caller's to get right, and `finish` checks the total.
 */
export class DerWriter {
  private readonly out: Uint8Array;
  private offset = 0;

  constructor(size: number) {
    this.out = new Uint8Array(size);
  }

  header(tag: number, length: number): this {
    this.out[this.offset++] = tag;
    if (length < 0x80) {
      this.out[this.offset++] = length;
    } else if (length < 0x100) {
      this.out[this.offset++] = 0x81;
      this.out[this.offset++] = length;
    } else if (length < 0x10000) {
      this.out[this.offset++] = 0x82;
      this.out[this.offset++] = length >> 8;
      this.out[this.offset++] = length & 0xff;
    } else {
      this.out[this.offset++] = 0x83;
      this.out[this.offset++] = length >> 16;
      this.out[this.offset++] = (length >> 8) & 0xff;
      this.out[this.offset++] = length & 0xff;
    }
    return this;
  }

  bytes(value: Uint8Array): this {
    this.out.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  unsignedInteger(magnitude: Uint8Array): this {
    let start = 0;
    while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
    const pad = ((magnitude[start] ?? 0) & 0x80) !== 0;
    this.header(TAG.integer, magnitude.length - start + (pad ? 1 : 0));
    if (pad) this.out[this.offset++] = 0;
    return this.bytes(magnitude.subarray(start));
  }

  time(date: Date): this {
    const year = date.getUTCFullYear();
    const utc = year < 2050;
    this.header(utc ? TAG.utcTime : TAG.generalizedTime, utc ? 13 : 15);
    if (utc) this.digits(year % 100, 2);
    else this.digits(year, 4);
    this.digits(date.getUTCMonth() + 1, 2);
    this.digits(date.getUTCDate(), 2);
    this.digits(date.getUTCHours(), 2);
    this.digits(date.getUTCMinutes(), 2);
    this.digits(date.getUTCSeconds(), 2);
    this.out[this.offset++] = 0x5a; // 'Z'
    return this;
  }

  private digits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.out[this.offset + i] = 0x30 + (value % 10);
      value = Math.floor(value / 10);
    }
    this.offset += count;
  }

  finish(): Uint8Array {
    if (this.offset !== this.out.length)
      throw new RangeError(`DER writer: wrote ${this.offset} of ${this.out.length} bytes`);
    return this.out;
  }
}
