import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AcmeProblem } from './wire/acme-problem.js';

const RANDOM_BYTES = 12;
const EXPIRY_BYTES = 6;
const MAC_BYTES = 16;
const NONCE_BYTES = EXPIRY_BYTES + RANDOM_BYTES + MAC_BYTES;
const LABEL = 'certfleet acme nonce v1\0';

/**
 * RFC 8555 §6.5 anti-replay nonces minted without touching the store: random bytes with their expiry, under an
 * HMAC with the deployment's key, so any node can tell one of ours from a forgery and an expired one from a live
 * one. Only consumption is recorded (AcmeNonces), once per request: a nonce is accepted a single time on any
 * node.
 */
export class NonceMinter {
  constructor(
    private readonly key: Uint8Array,
    private readonly lifetimeSeconds: number,
  ) {}

  mint(now: Date): string {
    const nonce = Buffer.alloc(NONCE_BYTES);
    nonce.writeUIntBE(Math.floor(now.getTime() / 1000) + this.lifetimeSeconds, 0, EXPIRY_BYTES);
    randomBytes(RANDOM_BYTES).copy(nonce, EXPIRY_BYTES);
    this.mac(nonce.subarray(0, EXPIRY_BYTES + RANDOM_BYTES)).copy(nonce, EXPIRY_BYTES + RANDOM_BYTES);
    return nonce.toString('base64url');
  }

  /** The nonce's expiry if it is ours and live at `now`; otherwise `badNonce`. */
  check(text: string, now: Date): Date {
    const nonce = Buffer.from(text, 'base64url');
    if (nonce.length !== NONCE_BYTES || nonce.toString('base64url') !== text) {
      throw new AcmeProblem('badNonce', 'the nonce was not issued by this server');
    }
    const expected = this.mac(nonce.subarray(0, EXPIRY_BYTES + RANDOM_BYTES));
    if (!timingSafeEqual(expected, nonce.subarray(EXPIRY_BYTES + RANDOM_BYTES))) {
      throw new AcmeProblem('badNonce', 'the nonce was not issued by this server');
    }
    const expiresAt = new Date(nonce.readUIntBE(0, EXPIRY_BYTES) * 1000);
    if (expiresAt.getTime() <= now.getTime()) throw new AcmeProblem('badNonce', 'the nonce has expired');
    return expiresAt;
  }

  private mac(data: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(LABEL).update(data).digest().subarray(0, MAC_BYTES);
  }
}
