import { isIP } from 'node:net';
import { printable } from './printable.js';
import { ProbeFailure } from './probe-failure.js';
import type { ProtocolDialogue } from './protocol-dialogue.js';
import { serverNameOf } from './probe-target.js';

/**
 * HTTPS: after the handshake, `HEAD /` over HTTP/1.1 with `Connection: close`, reading only the status line
 * (RFC 9112 §4). The status is the recorded answer; any status counts, as the certificate is what is watched.
 */
export const httpsDialogue: ProtocolDialogue = {
  async afterHandshake(reader, target) {
    const name = serverNameOf(target) ?? (isIP(target.host) === 6 ? `[${target.host}]` : target.host);
    const host = target.port === 443 ? name : `${name}:${target.port}`;
    reader.write(
      `HEAD / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: certfleet-monitor\r\nConnection: close\r\n\r\n`,
    );
    const status = await reader.readLine();
    const match = /^HTTP\/\d(?:\.\d)? (\d{3})\b/.exec(status);
    if (!match) throw new ProbeFailure('protocol-error', `not an HTTP status line: ${printable(status)}`);
    return `HTTP ${match[1] ?? ''}`;
  },
};
