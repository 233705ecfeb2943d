import type { AnnouncedRenewalPolicy } from './credential-store.js';

/** The validity of the certificate being scheduled, in server time. */
export interface ValidityPeriod {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface RenewalWindowOptions {
  /** The server's announcement (csrattrs), when it made one. */
  readonly policy?: AnnouncedRenewalPolicy;
  /** Share of the lifetime after which the window opens when the server announced nothing. */
  readonly renewalFraction: number;
  /** Share of (notAfter − windowStart) over which renewal starts are spread. */
  readonly jitterFraction: number;
}

export interface RenewalWindow {
  readonly windowStart: Date;
  /** The latest renewal time a draw can give: windowStart + jitterFraction × (notAfter − windowStart). */
  readonly spreadEnd: Date;
}

/**
 * When renewal may start. With a policy, the certificate was issued for `lifetimeSeconds` (or less, when the
 * issuer expires sooner), so issuedAt = max(notBefore, notAfter − lifetime) — notBefore alone would be off by
 * the server's backdating — and the window opens `renewAfterSeconds` later. Without one, it opens after
 * `renewalFraction` of the lifetime. A policy that would open the window after expiry is ignored.
 */
export function renewalWindow(validity: ValidityPeriod, options: RenewalWindowOptions): RenewalWindow {
  const notBeforeMs = validity.notBefore.getTime();
  const notAfterMs = validity.notAfter.getTime();
  const lifetimeMs = Math.max(0, notAfterMs - notBeforeMs);
  let startMs = notBeforeMs + options.renewalFraction * lifetimeMs;
  if (options.policy) {
    const issuedAtMs = Math.max(notBeforeMs, notAfterMs - options.policy.lifetimeSeconds * 1000);
    const announcedMs = issuedAtMs + options.policy.renewAfterSeconds * 1000;
    if (announcedMs < notAfterMs) startMs = announcedMs;
  }
  const spreadMs = options.jitterFraction * Math.max(0, notAfterMs - startMs);
  return { windowStart: new Date(startMs), spreadEnd: new Date(startMs + spreadMs) };
}

/** The one renewal time of a certificate: `jitter` ∈ [0, 1) places it between windowStart and spreadEnd. */
export function renewalTime(window: RenewalWindow, jitter: number): Date {
  const startMs = window.windowStart.getTime();
  const clamped = Math.min(Math.max(jitter, 0), 1);
  return new Date(startMs + clamped * (window.spreadEnd.getTime() - startMs));
}

export interface BackoffOptions {
  readonly initialSeconds: number;
  readonly maxSeconds: number;
}

/** Shortest wait after a failure, so that even an expiring device does not hammer the server. */
export const MIN_RETRY_SECONDS = 5;
/** ±20 % spread on each backoff, so that devices failed by one outage do not come back in step. */
export const BACKOFF_JITTER = 0.2;

/**
 * Seconds to wait after the `consecutiveFailures`-th failure in a row: initial × 2^(n−1), capped at max, spread
 * by ±20 % with `random` ∈ [0, 1).
 */
export function backoffSeconds(consecutiveFailures: number, backoff: BackoffOptions, random: number): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  // 2^exponent overflows to Infinity long after the cap; Math.min keeps the result finite.
  const base = Math.min(backoff.initialSeconds * 2 ** exponent, backoff.maxSeconds);
  return base * (1 + BACKOFF_JITTER * (2 * random - 1));
}

/**
 * The wait before the next attempt: the server's Retry-After when it gave one, else the backoff; but while the
 * certificate is still valid never more than a quarter of its remaining time, so retries grow more frequent as
 * expiry nears, and never less than MIN_RETRY_SECONDS.
 */
export function retryDelaySeconds(options: {
  readonly consecutiveFailures: number;
  readonly backoff: BackoffOptions;
  readonly random: number;
  readonly retryAfterSeconds?: number;
  /** Seconds until the current certificate expires (server time); undefined when there is none. */
  readonly secondsLeft?: number;
}): number {
  let delay =
    options.retryAfterSeconds ?? backoffSeconds(options.consecutiveFailures, options.backoff, options.random);
  if (options.secondsLeft !== undefined && options.secondsLeft > 0) {
    delay = Math.min(delay, options.secondsLeft / 4);
  }
  return Math.max(delay, MIN_RETRY_SECONDS);
}
