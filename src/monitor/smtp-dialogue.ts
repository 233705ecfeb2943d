import { printable } from './printable.js';
import { ProbeFailure } from './probe-failure.js';
import type { ProtocolDialogue } from './protocol-dialogue.js';
import type { StreamReader } from './stream-reader.js';

/** Lines of one multi-line reply the probe reads at most (an EHLO answer lists a few extensions). */
const MAX_REPLY_LINES = 64;

/** The name the probe greets with in EHLO (RFC 5321 §4.1.1.1 allows an address literal; a name reads better). */
const EHLO_NAME = 'certfleet-monitor.invalid';

/**
 * SMTP STARTTLS, RFC 3207: read the 220 greeting, EHLO, check that STARTTLS is offered, send it and expect 220;
 * the handshake follows on the same connection. The probe sends no mail and leaves at once after TLS.
 */
export const smtpStarttlsDialogue: ProtocolDialogue = {
  async startTls(reader) {
    const greeting = await readReply(reader);
    if (greeting.code !== 220) throw refused('greeting', greeting);
    reader.write(`EHLO ${EHLO_NAME}\r\n`);
    const ehlo = await readReply(reader);
    if (ehlo.code !== 250) throw refused('EHLO', ehlo);
    if (!ehlo.lines.some((line) => /^STARTTLS\b/i.test(line))) {
      throw new ProbeFailure('starttls-refused', 'the server does not offer STARTTLS in its EHLO reply');
    }
    reader.write('STARTTLS\r\n');
    const ready = await readReply(reader);
    if (ready.code !== 220) throw refused('STARTTLS', ready);
  },
};

interface SmtpReply {
  readonly code: number;
  /** The text of each line after the code. */
  readonly lines: readonly string[];
}

/** RFC 5321 §4.2: `250-text` lines continue a reply, `250 text` ends it. */
async function readReply(reader: StreamReader): Promise<SmtpReply> {
  const lines: string[] = [];
  for (;;) {
    const line = await reader.readLine();
    const match = /^(\d{3})([ -]|$)(.*)$/.exec(line);
    if (!match) throw new ProbeFailure('protocol-error', `not an SMTP reply: ${printable(line)}`);
    lines.push(match[3] ?? '');
    if (match[2] !== '-') return { code: Number(match[1]), lines };
    if (lines.length >= MAX_REPLY_LINES) {
      throw new ProbeFailure('protocol-error', `an SMTP reply longer than ${MAX_REPLY_LINES} lines`);
    }
  }
}

function refused(step: string, reply: SmtpReply): ProbeFailure {
  return new ProbeFailure(
    'starttls-refused',
    `the server answered ${step} with ${reply.code} ${printable(reply.lines[0] ?? '')}`.trimEnd(),
  );
}
