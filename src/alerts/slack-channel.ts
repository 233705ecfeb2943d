import type { AlertChannel } from './alert-channel.js';
import type { AlertNotification } from './alert-notification.js';
import { postJson } from './http-post.js';
import { slackMessage } from './slack-message.js';

export interface SlackChannelOptions {
  /** The incoming webhook URL (https://hooks.slack.com/services/…): a secret, never logged. */
  readonly webhookUrl: string;
  readonly timeoutMs: number;
  /** The channel's name in the configuration, for errors. */
  readonly name: string;
}

/** Posts Block Kit messages to a Slack incoming webhook (docs/alerts.md#slack). */
export class SlackChannel implements AlertChannel {
  readonly type = 'slack';

  constructor(private readonly options: SlackChannelOptions) {}

  send(notification: AlertNotification): Promise<void> {
    return postJson(this.options.webhookUrl, JSON.stringify(slackMessage(notification)), {
      timeoutMs: this.options.timeoutMs,
      peer: `Slack webhook of channel ${this.options.name}`,
    });
  }
}
