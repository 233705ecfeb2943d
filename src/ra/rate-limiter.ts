import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';

export interface RateLimit {
  /** Sustained requests per minute per identity. */
  readonly perMinute: number;
  /** How many may come at once before the rate applies. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Identities remembered at most; the least recently seen are forgotten first (they have full buckets anyway). */
const MAX_TRACKED = 100_000;

/**
 * A token bucket per requester identity (device, station, token), in this node's memory. With several nodes each
 * enforces the limit alone, so the effective limit is per node; devices usually keep one connection to one node.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {}

  /** Takes one request from `identity`'s bucket, or throws RATE_LIMITED with the seconds to wait. */
  take(identity: string): void {
    const nowMs = this.clock.now().getTime();
    const refillPerMs = this.limit.perMinute / 60_000;
    const bucket = this.buckets.get(identity) ?? { tokens: this.limit.burst, updatedMs: nowMs };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (nowMs - bucket.updatedMs) * refillPerMs);
    bucket.updatedMs = nowMs;
    this.buckets.delete(identity);
    this.buckets.set(identity, bucket);
    if (this.buckets.size > MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
      throw new PkiError(
        'RATE_LIMITED',
        `too many requests from ${identity}; retry in ${retryAfterSeconds} s`,
        {
          details: { retryAfterSeconds },
        },
      );
    }
    bucket.tokens -= 1;
  }
}
