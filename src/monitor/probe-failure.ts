import type { ProbeErrorKind } from '../store/observation-log.js';

/**
 * Why a probe ended without a judged certificate. Thrown inside a probe and recorded as the observation's
 * outcome; never shown as a PkiError, because a failing endpoint is what the monitor exists to report.
 */
export class ProbeFailure extends Error {
  override readonly name = 'ProbeFailure';

  constructor(
    readonly kind: ProbeErrorKind,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Where in a probe an error happened; the same socket error means different things in each. */
export type ProbePhase = 'connect' | 'starttls' | 'handshake' | 'application';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);

/**
 * Turns what a socket or the TLS stack threw into a ProbeFailure. A ProbeFailure passes through unchanged;
 * the rest is judged by its code and the phase it happened in.
 */
export function classifyProbeError(error: unknown, phase: ProbePhase): ProbeFailure {
  if (error instanceof ProbeFailure) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (DNS_CODES.has(code))
    return new ProbeFailure('dns', `the host name does not resolve (${code})`, { cause: error });
  if (code === 'ECONNREFUSED') return new ProbeFailure('refused', 'connection refused', { cause: error });
  if (UNREACHABLE_CODES.has(code))
    return new ProbeFailure('unreachable', `unreachable (${code})`, { cause: error });
  if (code === 'ETIMEDOUT') return new ProbeFailure('timeout', 'the connection timed out', { cause: error });
  switch (phase) {
    case 'connect':
      return new ProbeFailure('unreachable', `cannot connect: ${message}`, { cause: error });
    case 'starttls':
      return new ProbeFailure('starttls-refused', `the connection ended before STARTTLS: ${message}`, {
        cause: error,
      });
    case 'handshake':
      return new ProbeFailure(
        'handshake-failure',
        `TLS handshake failed: ${describeTlsError(code, message)}`,
        {
          cause: error,
        },
      );
    case 'application':
      // TLS 1.3 completes the client's side of the handshake before the server judges a client certificate;
      // a server that wants one says so with an alert right after, which is still a handshake failure.
      if (code.startsWith('ERR_SSL_') || /alert/i.test(message)) {
        return new ProbeFailure(
          'handshake-failure',
          `TLS handshake failed: ${describeTlsError(code, message)}`,
          {
            cause: error,
          },
        );
      }
      return new ProbeFailure('protocol-error', `the connection failed after the handshake: ${message}`, {
        cause: error,
      });
  }
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('code' in error)) return '';
  return typeof error.code === 'string' ? error.code : '';
}

/** OpenSSL messages carry a routine prefix; the code alone is the readable part when there is one. */
function describeTlsError(code: string, message: string): string {
  if (code === 'ECONNRESET') return 'the peer reset the connection';
  if (code.startsWith('ERR_SSL_')) return code.slice('ERR_SSL_'.length).toLowerCase().replace(/_/g, ' ');
  return message;
}
