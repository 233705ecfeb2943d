import { connect, isIPv6, type Socket } from 'node:net';
import { AcmeProblem } from '../wire/acme-problem.js';
import { type Deadline, timeoutProblem } from './validation-deadline.js';

/** `address:port`, with an IPv6 address in brackets (RFC 3986 §3.2.2). */
export function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Opens a TCP connection to the first of `addresses` that accepts one on `port`, trying them in order: a host
 * with one unreachable address (often IPv6) still validates through the next. None accepting, or the deadline
 * passing first, is RFC 8555 §6.7 `connection`.
 */
export async function connectTcp(
  addresses: readonly string[],
  port: number,
  deadline: Deadline,
): Promise<Socket> {
  const failures: string[] = [];
  for (const address of addresses) {
    try {
      return await connectOne(address, port, deadline);
    } catch (error) {
      if (deadline.signal.aborted) throw timeoutProblem(`connecting to ${hostPort(address, port)}`, deadline);
      failures.push(`${hostPort(address, port)} (${socketFailure(error)})`);
    }
  }
  throw new AcmeProblem('connection', `could not connect to ${failures.join(', ')}`);
}

function connectOne(address: string, port: number, deadline: Deadline): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    const abort = () => socket.destroy(new Error('deadline passed'));
    const settle = () => {
      deadline.signal.removeEventListener('abort', abort);
      socket.removeListener('error', fail);
    };
    const fail = (error: Error) => {
      settle();
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      settle();
      resolve(socket);
    });
    if (deadline.signal.aborted) abort();
    else deadline.signal.addEventListener('abort', abort, { once: true });
  });
}

const SOCKET_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed',
};

/** A socket error in words a client can act on; never the library's message, which may name local paths. */
export function socketFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'failed';
  return SOCKET_FAILURES[code] ?? code;
}

/**
 * How an error on an open connection reaches the client: a problem raised on purpose passes through, the
 * deadline is a timeout, anything else is `connection` with the socket's error code.
 */
export function connectionProblem(error: unknown, what: string, deadline: Deadline): AcmeProblem {
  if (error instanceof AcmeProblem) return error;
  if (deadline.signal.aborted) return timeoutProblem(what, deadline);
  return new AcmeProblem('connection', `${what}: ${socketFailure(error)}`, { cause: error });
}
