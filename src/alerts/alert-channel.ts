import { PkiError } from '../core/pki-error.js';
import type { PkiErrorCode } from '../core/pki-error.js';
import type { AlertNotification } from './alert-notification.js';

/** A way to tell people: Slack, e-mail, a signed webhook. */
export interface AlertChannel {
  /** `slack`, `email` or `webhook`, for logs and the CLI. */
  readonly type: string;
  /** Resolves once the peer accepted the notice; throws ChannelError otherwise. */
  send(notification: AlertNotification): Promise<void>;
}

/**
 * A failed send. `retryable`: the same notice may go through later (timeouts, connection errors, HTTP 429 and
 * 5xx, SMTP 4xx); otherwise the peer refused it for good (HTTP 4xx, SMTP 5xx, a server without STARTTLS) and
 * the delivery fails at once. The message is safe to store in the delivery log: it never holds a secret
 * (webhook URLs of Slack are secrets, and are not repeated).
 */
export class ChannelError extends PkiError {
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { readonly retryable: boolean; readonly cause?: unknown; readonly code?: PkiErrorCode },
  ) {
    super(options.code ?? (options.retryable ? 'UNAVAILABLE' : 'FORBIDDEN'), message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.retryable = options.retryable;
  }
}

/** Anything a channel threw, as a ChannelError; an unexpected error is retryable (the attempt cap bounds it). */
export function asChannelError(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ChannelError(message, { retryable: true, cause: error });
}
