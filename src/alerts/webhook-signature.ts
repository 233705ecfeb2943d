import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Certfleet-Timestamp';
export const SIGNATURE_HEADER = 'X-Certfleet-Signature';

/** How far a receiver should accept a timestamp from its own clock, either way: a replay beyond is refused. */
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;

/**
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the shared secret; the timestamp is Unix seconds, as
 * sent in X-Certfleet-Timestamp. Signing the timestamp with the body lets a receiver refuse old messages.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookVerification {
  readonly secret: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  /** The raw body bytes as received, before any JSON parsing. */
  readonly body: string;
  /** The receiver's clock, Unix seconds. */
  readonly nowSeconds: number;
  readonly replayWindowSeconds?: number;
}

/** What a receiver does (docs/alerts.md#verifying-the-signature); the reason when it refuses. */
export function verifyWebhookSignature(
  input: WebhookVerification,
): { ok: true } | { ok: false; reason: string } {
  if (input.timestamp === undefined || !/^\d{1,12}$/.test(input.timestamp))
    return { ok: false, reason: 'no timestamp' };
  const window = input.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  if (Math.abs(input.nowSeconds - Number(input.timestamp)) > window)
    return { ok: false, reason: 'timestamp outside the window' };
  if (input.signature === undefined) return { ok: false, reason: 'no signature' };
  const expected = Buffer.from(webhookSignature(input.secret, input.timestamp, input.body));
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
