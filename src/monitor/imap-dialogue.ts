import { printable } from './printable.js';
import { ProbeFailure } from './probe-failure.js';
import type { ProtocolDialogue } from './protocol-dialogue.js';

/** Untagged lines the probe skips while waiting for its tagged answer. */
const MAX_UNTAGGED_LINES = 64;

const TAG = 'a1';

/**
 * IMAP STARTTLS, RFC 9051 §6.2.1 (and RFC 3501): read the `* OK` greeting, send `a1 STARTTLS`, expect
 * `a1 OK`; the handshake follows. A `* PREAUTH` greeting forbids STARTTLS, a `* BYE` refuses the connection.
 */
export const imapStarttlsDialogue: ProtocolDialogue = {
  async startTls(reader) {
    const greeting = await reader.readLine();
    if (/^\* (PREAUTH|BYE)\b/i.test(greeting)) {
      throw new ProbeFailure('starttls-refused', `the server greeted with ${printable(greeting)}`);
    }
    if (!/^\* OK\b/i.test(greeting)) {
      throw new ProbeFailure('protocol-error', `not an IMAP greeting: ${printable(greeting)}`);
    }
    reader.write(`${TAG} STARTTLS\r\n`);
    for (let untagged = 0; untagged <= MAX_UNTAGGED_LINES; untagged += 1) {
      const line = await reader.readLine();
      if (line.startsWith('* ')) continue;
      if (new RegExp(`^${TAG} OK\\b`, 'i').test(line)) return;
      if (new RegExp(`^${TAG} (NO|BAD)\\b`, 'i').test(line)) {
        throw new ProbeFailure('starttls-refused', `the server answered STARTTLS with ${printable(line)}`);
      }
      throw new ProbeFailure('protocol-error', `not an IMAP response: ${printable(line)}`);
    }
    throw new ProbeFailure('protocol-error', `no answer to STARTTLS after ${MAX_UNTAGGED_LINES} lines`);
  },
};
