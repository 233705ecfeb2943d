import { request as httpsRequest } from 'node:https';
import { PkiError } from '../../../core/pki-error.js';
import { CMP_MEDIA_TYPE } from '../wire/media-type.js';
import { type CmpResponse, type CmpResponseCheck, readCmpResponse } from './cmp-response-reader.js';

export interface CmpHttpClientOptions {
  /** `https://host:port/.well-known/cmp` (or `…/p/<label>`); operation segments are given per request. */
  readonly baseUrl: string;
  /** PEM of the anchors that authenticate the server's TLS certificate. */
  readonly serverTrust: string;
  readonly timeoutMs?: number;
}

/** What came back over HTTP, before any CMP reading. */
export interface CmpHttpAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/**
 * CMP over HTTP (RFC 9811): POST of one DER PKIMessage as `application/pkixcmp` over HTTPS, for the device agent,
 * the tests and the benchmarks. One connection per message (no keep-alive), as simple clients do.
 */
export class CmpHttpClient {
  constructor(private readonly options: CmpHttpClientOptions) {}

  /** Posts `der` to `baseUrl` + `path` (e.g. `/initialization`); any HTTP status is an answer. */
  post(
    der: Uint8Array,
    options: { readonly path?: string; readonly contentType?: string } = {},
  ): Promise<CmpHttpAnswer> {
    const url = new URL(`${this.options.baseUrl}${options.path ?? ''}`);
    return new Promise((resolve, reject) => {
      const request = httpsRequest(
        url,
        {
          method: 'POST',
          ca: this.options.serverTrust,
          agent: false,
          timeout: this.options.timeoutMs ?? 30_000,
          headers: {
            'Content-Type': options.contentType ?? CMP_MEDIA_TYPE,
            'Content-Length': der.length,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              contentType: response.headers['content-type'],
              body: new Uint8Array(Buffer.concat(chunks)),
            }),
          );
        },
      );
      request.on('timeout', () =>
        request.destroy(new PkiError('UNAVAILABLE', `CMP server did not answer in time (${url.host})`)),
      );
      request.on('error', (error) =>
        reject(
          error instanceof PkiError
            ? error
            : new PkiError('UNAVAILABLE', `CMP server unreachable: ${error.message}`, { cause: error }),
        ),
      );
      request.end(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
    });
  }

  /** Posts a request and reads the PKIMessage that answers it (any HTTP status that carries one). */
  async send(der: Uint8Array, check: CmpResponseCheck = {}, path?: string): Promise<CmpResponse> {
    const answer = await this.post(der, path === undefined ? {} : { path });
    if (answer.contentType?.split(';')[0]?.trim().toLowerCase() !== CMP_MEDIA_TYPE)
      throw new PkiError(
        'MALFORMED_INPUT',
        `CMP server answered HTTP ${answer.status} without a PKIMessage: ${Buffer.from(answer.body).toString('utf8').trim()}`,
      );
    return readCmpResponse(answer.body, check);
  }
}
