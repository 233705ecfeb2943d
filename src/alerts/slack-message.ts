import type { AlertNotification } from './alert-notification.js';

/** A Slack message: Block Kit `blocks`, and `text` as the fallback for notifications and old clients. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly unknown[];
}

/** Slack's mrkdwn treats these three specially; everything else is literal. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The notice as Block Kit (https://api.slack.com/block-kit): a header, the summary and detail, and a context
 * line naming the rule, the level and the time.
 */
export function slackMessage(notification: AlertNotification): SlackMessage {
  const icon =
    notification.event === 'resolved'
      ? ':white_check_mark:'
      : notification.critical
        ? ':rotating_light:'
        : ':warning:';
  const title =
    notification.event === 'resolved' ? 'Resolved' : notification.critical ? 'Critical' : 'Warning';
  return {
    text: `${title}: ${notification.summary}`,
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: `${title}: ${notification.subject.label}`.slice(0, 150),
          emoji: true,
        },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${icon} *${escapeMrkdwn(notification.summary)}*\n${escapeMrkdwn(notification.detail)}`,
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: escapeMrkdwn(
              `rule ${notification.rule.name} (${notification.rule.kind}) · level ${notification.level} · ` +
                `${notification.subject.key} · ${notification.at}`,
            ),
          },
        ],
      },
    ],
  };
}
