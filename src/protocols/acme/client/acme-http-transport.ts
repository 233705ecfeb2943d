import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { PkiError } from '../../../core/pki-error.js';
import type { AcmeHttpResponse } from './acme-http-response.js';
import { parseLinkHeaders } from './http-link.js';

/** RFC 8555 §6.2: the media type of every JWS-signed POST. */
export const JOSE_JSON = 'application/jose+json';

export interface AcmeHttpTransportOptions {
  /** PEM trust anchors that authenticate the server (our test CA, Pebble's); default: Node's bundled roots. */
  readonly ca?: string | readonly string[];
  /** Per request, from connecting to the last byte; default 30 s. */
  readonly timeoutMs?: number;
  /** Answers larger than this are refused; default 1 MiB (a certificate chain is a few kB). */
  readonly maxResponseBytes?: number;
  /** RFC 8555 §6.1: clients MUST send a User-Agent. */
  readonly userAgent?: string;
}

export interface AcmeHttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly url: string;
  readonly body?: Uint8Array;
  /** Default `application/jose+json` when there is a body. */
  readonly contentType?: string;
  readonly accept?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * HTTPS for an ACME client: one keep-alive agent (so a flow of a dozen requests reuses one TLS session), a
 * configurable trust list, and answers returned whatever their status: reading a problem document, and keeping
 * the Replay-Nonce every answer carries, is the caller's job. Network failures and timeouts are PkiError
 * UNAVAILABLE.
 */
export class AcmeHttpTransport {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(options: AcmeHttpTransportOptions = {}) {
    const ca =
      options.ca === undefined ? undefined : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, ...(ca === undefined ? {} : { ca }) });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.userAgent = options.userAgent ?? 'certfleet-acme-client';
  }

  send(call: AcmeHttpRequest): Promise<AcmeHttpResponse> {
    const url = new URL(call.url);
    if (url.protocol !== 'https:') {
      return Promise.reject(new PkiError('CONFIG_INVALID', `ACME runs over HTTPS, not ${url.protocol}`));
    }
    const headers: Record<string, string> = { 'User-Agent': this.userAgent };
    if (call.accept !== undefined) headers['Accept'] = call.accept;
    if (call.body !== undefined) {
      headers['Content-Type'] = call.contentType ?? JOSE_JSON;
      headers['Content-Length'] = String(call.body.length);
    }
    return new Promise<AcmeHttpResponse>((resolve, reject) => {
      const outgoing = request(url, { method: call.method, headers, agent: this.agent }, (incoming) => {
        this.collect(call, incoming).then(resolve, reject);
      });
      outgoing.setTimeout(this.timeoutMs, () =>
        outgoing.destroy(
          new PkiError('UNAVAILABLE', `${url.origin} did not answer within ${this.timeoutMs} ms`),
        ),
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error instanceof PkiError
            ? error
            : new PkiError('UNAVAILABLE', `cannot reach ${url.origin}: ${error.code ?? error.message}`, {
                cause: error,
              }),
        ),
      );
      outgoing.end(call.body);
    });
  }

  /** Closes idle keep-alive connections; requests after this open new ones. */
  close(): void {
    this.agent.destroy();
  }

  private collect(call: AcmeHttpRequest, incoming: IncomingMessage): Promise<AcmeHttpResponse> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxResponseBytes) {
          incoming.destroy(
            new PkiError(
              'PAYLOAD_TOO_LARGE',
              `the ACME server's answer exceeds ${this.maxResponseBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('error', (error) =>
        reject(
          error instanceof PkiError
            ? error
            : new PkiError('UNAVAILABLE', 'the ACME server broke off its answer', { cause: error }),
        ),
      );
      incoming.on('end', () => {
        const location = single(incoming.headers['location']);
        resolve({
          url: call.url,
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          contentType: single(incoming.headers['content-type'])?.split(';')[0]?.trim().toLowerCase(),
          replayNonce: single(incoming.headers['replay-nonce']),
          location: location === undefined ? undefined : new URL(location, call.url).href,
          links: parseLinkHeaders(headerValues(incoming, 'link'), call.url),
          retryAfter: single(incoming.headers['retry-after']),
          body: new Uint8Array(Buffer.concat(chunks)),
        });
      });
    });
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a header that may repeat, from the raw list (Node joins some repeated headers, drops others). */
function headerValues(incoming: IncomingMessage, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
    if (incoming.rawHeaders[i]?.toLowerCase() === name) values.push(incoming.rawHeaders[i + 1] ?? '');
  }
  return values;
}
