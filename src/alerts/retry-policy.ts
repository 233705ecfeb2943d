/** How often and how patiently a delivery is retried (alerts.retry). */
export interface RetryPolicy {
  /** Attempts in all, the first included; the delivery fails after the last. */
  readonly maxAttempts: number;
  /** The wait after the first failed attempt; doubled after each further one… */
  readonly initialBackoffSeconds: number;
  /** …up to this. */
  readonly maxBackoffSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  initialBackoffSeconds: 30,
  maxBackoffSeconds: 3600,
};

/**
 * The wait after failed attempt number `attempt` (1-based): initial × 2^(attempt − 1), capped. With the
 * defaults: 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, then the delivery fails (about an hour in all).
 */
export function backoffSeconds(policy: RetryPolicy, attempt: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  return Math.min(policy.initialBackoffSeconds * 2 ** exponent, policy.maxBackoffSeconds);
}
