import { randomFillSync } from 'node:crypto';
import type { SerialHex } from '../core/ids.js';
import { bytesToHex } from './der.js';

/** Serial length in bytes: 126 random bits, well above the 64 that CA/Browser Forum rules require. */
export const SERIAL_BYTES = 16;

const POOL_SERIALS = 256;
let pool = new Uint8Array(0);
let poolOffset = 0;

/**
 * A fresh random serial number: positive and DER-minimal by construction (top bit clear, next bit set, so no
 * leading zero octet is ever needed or allowed). Randomness is drawn in blocks because a CSPRNG call per serial
 * shows up on the issuance hot path. Uniqueness per issuer is enforced by the store, not assumed.
 */
export function randomSerial(): Uint8Array {
  if (poolOffset >= pool.length) {
    pool = randomFillSync(new Uint8Array(SERIAL_BYTES * POOL_SERIALS));
    poolOffset = 0;
  }
  const serial = pool.slice(poolOffset, poolOffset + SERIAL_BYTES);
  poolOffset += SERIAL_BYTES;
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial;
}

/** Lower-case hex of the serial's magnitude without leading zero octets, as the store keys it. */
export function serialToHex(magnitude: Uint8Array): SerialHex {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  return bytesToHex(magnitude.subarray(start)) as SerialHex;
}
