import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PkiErrorCode } from '../core/pki-error.js';
import { ChannelError } from './alert-channel.js';

/** The most of a response body kept for the error message. */
const MAX_RESPONSE_BYTES = 4096;

export interface HttpPostOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** The whole exchange (connect, send, response headers and body) must finish within this. */
  readonly timeoutMs: number;
  /** Names the peer in errors instead of the URL, when the URL is a secret (Slack's webhook URL). */
  readonly peer: string;
}

/**
 * POSTs a JSON body. 2xx is success; 429, 5xx, timeouts and network errors are retryable ChannelErrors; any
 * other status is not. A fresh connection per request (no agent): notices are rare, and an idle pooled socket
 * would outlive the dispatcher.
 */
export function postJson(url: string, body: string, options: HttpPostOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      reject(
        new ChannelError(`${options.peer}: not a URL`, {
          retryable: false,
          code: 'CONFIG_INVALID',
          cause: error,
        }),
      );
      return;
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      reject(
        new ChannelError(`${options.peer}: only http and https URLs`, {
          retryable: false,
          code: 'CONFIG_INVALID',
        }),
      );
      return;
    }
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'certfleet-alerts',
        ...options.headers,
      },
    });
    let settled = false;
    const finish = (error?: ChannelError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      finish(
        new ChannelError(`${options.peer}: no answer within ${options.timeoutMs} ms`, { retryable: true }),
      );
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => {
      finish(
        new ChannelError(`${options.peer}: ${describeNetworkError(error)}`, {
          retryable: true,
          cause: error,
        }),
      );
    });
    request.on('response', (response) => {
      readSome(response)
        .then((text) => finish(statusError(response.statusCode ?? 0, text, options.peer)))
        .catch((error: unknown) =>
          finish(
            new ChannelError(`${options.peer}: the response broke off`, { retryable: true, cause: error }),
          ),
        );
    });
    request.end(body);
  });
}

/** Undefined for 2xx; otherwise the error, retryable for 429 and 5xx. */
function statusError(status: number, text: string, peer: string): ChannelError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const retryable = status === 429 || status >= 500;
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const message = `${peer} answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (retryable) return new ChannelError(message, { retryable });
  // The peer refused the notice for good: its credentials (401, 403), its address (404), or what was sent.
  const code: PkiErrorCode =
    status === 401 || status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : 'MALFORMED_INPUT';
  return new ChannelError(message, { retryable, code });
}

function readSome(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    response.on('end', () => resolve(Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('aborted')));
  });
}

function describeNetworkError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? error.message : `${code} (${error.message})`;
}
