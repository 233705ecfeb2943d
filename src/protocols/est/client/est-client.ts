import { request as httpsRequest } from 'node:https';
import { PkiError } from '../../../core/pki-error.js';
import { decodeCertsOnly } from '../wire/certs-only.js';
import { type CsrAttributesRequest, decodeCsrAttrs } from '../wire/csr-attrs.js';
import { decodeEstBody, encodeEstBody } from '../wire/est-body.js';
import { EST_MEDIA_TYPE, mediaTypeEssence } from '../wire/media-types.js';
import { decodeServerKeygenResponse } from '../wire/multipart.js';

export interface EstClientOptions {
  /** `https://host:port/.well-known/est` or `…/.well-known/est/<label>`. */
  readonly baseUrl: string;
  /** PEM of the anchors that authenticate the server. */
  readonly serverTrust: string;
  /** PEM certificate (chain) and key for TLS client authentication. */
  readonly clientCertificate?: { readonly certificatePem: string; readonly keyPem: string };
  /** An enrollment token, sent with HTTP Basic as the password. */
  readonly token?: { readonly user: string; readonly secret: string };
  readonly timeoutMs?: number;
}

export type EstEnrollment =
  | { readonly status: 'issued'; readonly certificate: Uint8Array; readonly serverDate?: Date }
  | { readonly status: 'pending'; readonly retryAfterSeconds: number; readonly serverDate?: Date };

/** A refusal from the server: its HTTP status and its one-line reason. */
export class EstHttpError extends PkiError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(codeFor(status), `EST server answered ${status}: ${reason}`, { details: { status } });
  }
}

function codeFor(status: number) {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UNAVAILABLE';
  return 'MALFORMED_INPUT';
}

interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * An RFC 7030 client over node:https, for the device agent and tests: TLS client certificate or enrollment token,
 * RFC 8951 bodies both ways, 202 + Retry-After as a pending result, the server's Date for clock-skew estimates.
 */
export class EstClient {
  constructor(private readonly options: EstClientOptions) {}

  async cacerts(): Promise<Uint8Array[]> {
    const response = await this.call('GET', 'cacerts');
    return decodeCertsOnly(decodeEstBody(response.body, 'cacerts response'));
  }

  async csrattrs(): Promise<CsrAttributesRequest | undefined> {
    const response = await this.call('GET', 'csrattrs', undefined, [200, 204, 404]);
    if (response.status !== 200) return undefined;
    return decodeCsrAttrs(decodeEstBody(response.body, 'csrattrs response'));
  }

  simpleenroll(csrDer: Uint8Array): Promise<EstEnrollment> {
    return this.enroll('simpleenroll', csrDer);
  }

  simplereenroll(csrDer: Uint8Array): Promise<EstEnrollment> {
    return this.enroll('simplereenroll', csrDer);
  }

  async serverkeygen(csrDer: Uint8Array): Promise<{ certificate: Uint8Array; privateKeyPkcs8: Uint8Array }> {
    const response = await this.call('POST', 'serverkeygen', csrDer);
    const contentType = header(response, 'content-type') ?? '';
    const { privateKeyPkcs8Der, certsOnlyDer } = decodeServerKeygenResponse(contentType, response.body);
    const [certificate] = decodeCertsOnly(certsOnlyDer);
    if (!certificate) throw new PkiError('MALFORMED_INPUT', 'serverkeygen response holds no certificate');
    return { certificate, privateKeyPkcs8: privateKeyPkcs8Der };
  }

  private async enroll(operation: string, csrDer: Uint8Array): Promise<EstEnrollment> {
    const response = await this.call('POST', operation, csrDer, [200, 202]);
    const serverDate = parseDate(header(response, 'date'));
    const dated = serverDate === undefined ? {} : { serverDate };
    if (response.status === 202) {
      return {
        status: 'pending',
        retryAfterSeconds: Number(header(response, 'retry-after') ?? '60') || 60,
        ...dated,
      };
    }
    if (mediaTypeEssence(header(response, 'content-type')) !== EST_MEDIA_TYPE.pkcs7Mime) {
      throw new PkiError('MALFORMED_INPUT', `${operation} response is not application/pkcs7-mime`);
    }
    const [certificate] = decodeCertsOnly(decodeEstBody(response.body, `${operation} response`));
    if (!certificate) throw new PkiError('MALFORMED_INPUT', `${operation} response holds no certificate`);
    return { status: 'issued', certificate, ...dated };
  }

  private call(
    method: 'GET' | 'POST',
    operation: string,
    body?: Uint8Array,
    accept: readonly number[] = [200],
  ): Promise<RawResponse> {
    const url = new URL(`${this.options.baseUrl.replace(/\/+$/, '')}/${operation}`);
    const payload = body === undefined ? undefined : encodeEstBody(body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) {
      headers['Content-Type'] = EST_MEDIA_TYPE.pkcs10;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if (this.options.token) {
      const { user, secret } = this.options.token;
      headers['Authorization'] = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
    }
    const client = this.options.clientCertificate;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          headers,
          ca: this.options.serverTrust,
          minVersion: 'TLSv1.2',
          ...(client ? { cert: client.certificatePem, key: client.keyPem } : {}),
          timeout: this.options.timeoutMs ?? 30_000,
          // A fresh TLS session per request: the client certificate can change between calls (IDevID, then LDevID).
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const response: RawResponse = {
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('latin1'),
            };
            if (accept.includes(response.status)) resolve(response);
            else {
              const retry = Number(header(response, 'retry-after'));
              reject(
                new EstHttpError(
                  response.status,
                  response.body.trim().split('\n')[0] ?? '',
                  Number.isFinite(retry) ? retry : undefined,
                ),
              );
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new PkiError('UNAVAILABLE', `EST request to ${url.host} timed out`)),
      );
      req.on('error', (error) =>
        reject(
          error instanceof PkiError
            ? error
            : new PkiError('UNAVAILABLE', `EST server unreachable: ${error.message}`, { cause: error }),
        ),
      );
      req.end(payload);
    });
  }
}

function header(response: RawResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
