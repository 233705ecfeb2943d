import type { Clock } from '../core/clock.js';
import type { AlertChannel } from './alert-channel.js';
import type { AlertNotification } from './alert-notification.js';
import { postJson } from './http-post.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './webhook-signature.js';

export interface WebhookChannelOptions {
  readonly url: string;
  /** The shared HMAC secret. */
  readonly secret: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly name: string;
}

/**
 * POSTs the notification as JSON, signed: X-Certfleet-Timestamp (Unix seconds) and X-Certfleet-Signature
 * (webhook-signature.ts). Each attempt is signed afresh, so a retry hours later is still inside the receiver's
 * replay window.
 */
export class WebhookChannel implements AlertChannel {
  readonly type = 'webhook';

  constructor(private readonly options: WebhookChannelOptions) {}

  send(notification: AlertNotification): Promise<void> {
    const body = JSON.stringify(notification);
    const timestamp = String(Math.floor(this.options.clock.now().getTime() / 1000));
    return postJson(this.options.url, body, {
      timeoutMs: this.options.timeoutMs,
      peer: `webhook ${this.options.name}`,
      headers: {
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: webhookSignature(this.options.secret, timestamp, body),
      },
    });
  }
}
