import type { AlertNotification } from './alert-notification.js';

export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The notice as an e-mail: a subject line, and the same facts in plain text and in HTML. */
export function emailMessage(notification: AlertNotification): EmailMessage {
  const tag = notification.event === 'resolved' ? 'RESOLVED' : notification.critical ? 'CRITICAL' : 'WARNING';
  const rows: Array<[string, string]> = [
    ['Subject', `${notification.subject.label} (${notification.subject.key})`],
    ['Rule', `${notification.rule.name} (${notification.rule.kind})`],
    ['Level', notification.level],
    ['Details', notification.detail],
    ['At', notification.at],
  ];
  if (notification.firingSince !== null) rows.push(['Firing since', notification.firingSince]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return {
    // Header injection is impossible through nodemailer, but a line break would still mangle the subject.
    subject: `[certfleet ${tag}] ${notification.summary}`.replace(/[\r\n]+/g, ' '),
    text: `${notification.summary}\n\n${rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n')}\n`,
    html:
      `<p><strong>${escapeHtml(notification.summary)}</strong></p>\n<table>\n` +
      rows
        .map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
        .join('\n') +
      '\n</table>\n',
  };
}
