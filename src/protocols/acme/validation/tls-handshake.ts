import type { Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { AcmeProblem } from '../wire/acme-problem.js';
import { socketFailure } from './tcp-connect.js';
import { type Deadline, timeoutProblem } from './validation-deadline.js';

export interface HandshakeOptions {
  /** SNI; omitted for an IP literal, which RFC 6066 §3 does not allow there. */
  readonly serverName: string | undefined;
  readonly alpnProtocols: readonly string[];
}

/**
 * Runs a TLS (1.2 or later) client handshake over an open TCP connection. The peer's certificate is never
 * verified: tls-alpn-01 expects a self-signed one (RFC 8737 §3) and an http-01 redirect to https commonly meets
 * the very certificate being replaced, which Boulder and Pebble accept too. A failed handshake is RFC 8555 §6.7
 * `tls`.
 */
export function tlsHandshake(
  socket: Socket,
  options: HandshakeOptions,
  deadline: Deadline,
  what: string,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tlsSocket = connect({
      socket,
      ...(options.serverName === undefined ? {} : { servername: options.serverName }),
      ALPNProtocols: [...options.alpnProtocols],
      minVersion: 'TLSv1.2',
      rejectUnauthorized: false,
    });
    const abort = () => tlsSocket.destroy(new Error('deadline passed'));
    const settle = () => {
      deadline.signal.removeEventListener('abort', abort);
      tlsSocket.removeListener('error', fail);
    };
    const fail = (error: Error) => {
      settle();
      tlsSocket.destroy();
      reject(
        deadline.signal.aborted
          ? timeoutProblem(what, deadline)
          : new AcmeProblem('tls', `${what}: TLS handshake failed (${socketFailure(error)})`, {
              cause: error,
            }),
      );
    };
    tlsSocket.once('error', fail);
    tlsSocket.once('secureConnect', () => {
      settle();
      resolve(tlsSocket);
    });
    if (deadline.signal.aborted) abort();
    else deadline.signal.addEventListener('abort', abort, { once: true });
  });
}
