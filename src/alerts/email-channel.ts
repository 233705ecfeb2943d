import nodemailer from 'nodemailer';
import type { NodemailerError, SMTPSentMessageInfo, SMTPTransportOptions, Transporter } from 'nodemailer';
import type { AlertChannel } from './alert-channel.js';
import { ChannelError } from './alert-channel.js';
import type { AlertNotification } from './alert-notification.js';
import { emailMessage } from './email-message.js';

export interface EmailChannelOptions {
  readonly host: string;
  readonly port: number;
  /**
   * False (the default): connect in clear and upgrade with STARTTLS, which is required (requireTLS), so a
   * server that does not offer it, or a downgrade that strips it, fails the send. True: TLS from the first
   * byte (port 465).
   */
  readonly secure: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  readonly to: readonly string[];
  /** PEM certificates to trust for the server's certificate instead of the system's (a private CA). */
  readonly ca?: string;
  readonly timeoutMs: number;
  readonly name: string;
}

/**
 * Node's codes for a server certificate that fails verification (nodemailer reports them as ESOCKET with the
 * original code): a configuration matter (caFile, the server's certificate), not one a retry gets past.
 */
const TLS_VERIFY_CODES =
  /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** SMTP error codes from nodemailer (errors.js) that a later attempt may get past. */
const RETRYABLE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/**
 * Sends notices by SMTP with STARTTLS (docs/alerts.md#e-mail). One connection per message: notices are rare,
 * and no idle connection outlives a send. The server's certificate is always verified.
 */
export class EmailChannel implements AlertChannel {
  readonly type = 'email';
  private readonly transport: Transporter<SMTPSentMessageInfo, SMTPTransportOptions>;

  constructor(private readonly options: EmailChannelOptions) {
    this.transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: !options.secure,
      ...(options.user === undefined ? {} : { auth: { user: options.user, pass: options.password ?? '' } }),
      tls: {
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      },
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    });
  }

  async send(notification: AlertNotification): Promise<void> {
    const message = emailMessage(notification);
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: [...this.options.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    } catch (error) {
      throw smtpError(
        error as NodemailerError,
        `SMTP server ${this.options.host}:${this.options.port} (channel ${this.options.name})`,
      );
    }
  }
}

function smtpError(error: NodemailerError, peer: string): ChannelError {
  const reply = error.responseCode === undefined ? '' : ` (SMTP ${error.responseCode})`;
  if (error.code === 'ETLS') {
    const why = error.message.split('\n')[0] ?? 'TLS failed';
    return new ChannelError(`${peer}: STARTTLS failed (${why}); refusing to send in clear${reply}`, {
      retryable: false,
      code: 'UNTRUSTED',
      cause: error,
    });
  }
  if (error.originalCode !== undefined && TLS_VERIFY_CODES.test(error.originalCode)) {
    return new ChannelError(
      `${peer}: the server's certificate is not trusted (${error.message.split('\n')[0] ?? ''})`,
      {
        retryable: false,
        code: 'UNTRUSTED',
        cause: error,
      },
    );
  }
  if (error.code === 'EAUTH' || error.code === 'ENOAUTH') {
    return new ChannelError(`${peer}: authentication failed${reply}`, {
      retryable: false,
      code: 'UNAUTHORIZED',
      cause: error,
    });
  }
  const retryable =
    error.permanent === undefined
      ? error.code === undefined || RETRYABLE_CODES.has(error.code)
      : !error.permanent;
  return new ChannelError(`${peer}: ${error.message.split('\n')[0] ?? 'send failed'}${reply}`, {
    retryable,
    cause: error,
  });
}
