import { createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import {
  checkServerIdentity,
  createSecureContext,
  type DetailedPeerCertificate,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { PkiError } from '../../../core/pki-error.js';
import { type ParsedCertificate, parseCertificate } from '../../../pki/certificate.js';
import { TrustStore } from '../../../pki/chain.js';
import { OID } from '../../../pki/oids.js';
import { readPemAll } from '../../../pki/pem.js';
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
  /**
   * RFC 7030 §4.1.1 bootstrap: continue the TLS handshake without authenticating the server, for a `cacerts`
   * request whose answer the caller then authenticates out of band (a pinned root fingerprint). `serverTrust` is
   * ignored. Never set it for an operation that sends a credential.
   */
  readonly unauthenticatedBootstrap?: boolean;
  /**
   * When to judge the validity of the server's certificate chain, for a caller that does not trust the system
   * clock (a device whose clock is wrong). Asked once per request, before connecting. A value: OpenSSL no longer
   * judges the chain; once the handshake is done, and before any byte of the request is written, the client
   * validates the presented chain against `serverTrust` with certfleet's own path validation at that time,
   * checks the host name or IP address and the certificate's purpose, and drops the connection with UNTRUSTED
   * when any check fails. Undefined (or no function): OpenSSL verifies by the system clock, as without this
   * option. Ignored with `unauthenticatedBootstrap`.
   */
  readonly serverCertificateTime?: () => ServerCertificateTime | undefined;
}

/**
 * The time at which the server's certificate chain is judged:
 * - a Date: at that time (the caller's estimate of the server's time);
 * - `{ notEarlierThan }`: the caller does not know the time, only a moment that has certainly passed (its own
 *   certificate's notBefore, its anchor's). The chain is judged at the earliest moment, not before that one, at
 *   which every certificate presented has begun its validity; so a chain that had expired by `notEarlierThan` is
 *   refused, one valid at any later moment is accepted. For a first contact that only learns the server's time.
 */
export type ServerCertificateTime = Date | { readonly notEarlierThan: Date };

export type EstEnrollment =
  | { readonly status: 'issued'; readonly certificate: Uint8Array; readonly serverDate?: Date }
  | { readonly status: 'pending'; readonly retryAfterSeconds: number; readonly serverDate?: Date };

/** A `cacerts` answer with the server's HTTP Date, for clock-skew estimates. */
export interface EstCaCertificates {
  readonly certificates: Uint8Array[];
  readonly serverDate?: Date;
}

/** A `csrattrs` answer (undefined when the server has none) with the server's HTTP Date. */
export interface EstCsrAttributes {
  readonly attributes: CsrAttributesRequest | undefined;
  readonly serverDate?: Date;
}

/** A refusal from the server: its HTTP status and its one-line reason. */
export class EstHttpError extends PkiError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly retryAfterSeconds?: number,
    /** The server's HTTP Date: a refusal tells the time as well as an answer does. */
    readonly serverDate?: Date,
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
    return (await this.cacertsDated()).certificates;
  }

  /** RFC 7030 §4.1.2, with the server's Date. */
  async cacertsDated(): Promise<EstCaCertificates> {
    const response = await this.call('GET', 'cacerts');
    const certificates = decodeCertsOnly(decodeEstBody(response.body, 'cacerts response'));
    return { certificates, ...datedBy(response) };
  }

  async csrattrs(): Promise<CsrAttributesRequest | undefined> {
    return (await this.csrattrsDated()).attributes;
  }

  /** RFC 7030 §4.5.2, with the server's Date. */
  async csrattrsDated(): Promise<EstCsrAttributes> {
    const response = await this.call('GET', 'csrattrs', undefined, [200, 204, 404]);
    const attributes =
      response.status === 200 ? decodeCsrAttrs(decodeEstBody(response.body, 'csrattrs response')) : undefined;
    return { attributes, ...datedBy(response) };
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
    const dated = datedBy(response);
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
    if (this.options.unauthenticatedBootstrap && (client || this.options.token)) {
      // A credential never goes to a server that has not been authenticated.
      throw new PkiError('CONFIG_INVALID', 'an unauthenticated bootstrap request cannot carry a credential');
    }
    // The unauthenticated bootstrap stays exactly as it is: no server authentication, whatever the time.
    const verifyAt = this.options.unauthenticatedBootstrap
      ? undefined
      : this.options.serverCertificateTime?.();
    const verify = verifyAt === undefined ? undefined : serverVerifier(this.options.serverTrust, verifyAt);
    const openSslVerifies = !this.options.unauthenticatedBootstrap && verify === undefined;
    const secureContext = secureContextFor(
      openSslVerifies ? this.options.serverTrust : undefined,
      client ? { certificatePem: client.certificatePem, keyPem: client.keyPem } : undefined,
    );
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          headers,
          // https.RequestOptions lacks the tls.connect option it passes through.
          ...({ secureContext } as object),
          rejectUnauthorized: openSslVerifies,
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
                  parseDate(header(response, 'date')),
                ),
              );
            }
          });
          // The connection closed before the body was complete: the answer is truncated, not the server unreachable.
          res.on('error', (error) =>
            reject(
              new PkiError('MALFORMED_INPUT', `${operation} response was cut short: ${error.message}`, {
                cause: error,
              }),
            ),
          );
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
      if (verify === undefined) {
        req.end(payload);
        return;
      }
      // Nothing is written (not even the request line) until the server's chain is judged: the request and its
      // body stay in this process when the server is not authenticated. With `agent: false` the socket is new,
      // so 'secureConnect' is still to come when 'socket' is emitted.
      req.once('socket', (socket) => {
        socket.once('secureConnect', () => {
          try {
            verify(socket as TLSSocket, host);
          } catch (error) {
            req.destroy(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          req.end(payload);
        });
      });
    });
  }
}

/**
 * Prepares the check of the server's chain at `at` (see EstClientOptions.serverCertificateTime). The anchors
 * are read before connecting, so that a trust store that does not decode fails without contacting anyone.
 */
function serverVerifier(
  serverTrust: string,
  at: ServerCertificateTime,
): (socket: TLSSocket, host: string) => void {
  const when = at instanceof Date ? at : at.notEarlierThan;
  if (Number.isNaN(when.getTime())) {
    // An invalid Date compares false with everything, which would pass every validity check.
    throw new PkiError('CONFIG_INVALID', 'serverCertificateTime is not a valid date');
  }
  let trust: TrustStore;
  try {
    trust = new TrustStore(
      readPemAll(serverTrust, 'CERTIFICATE', 'serverTrust').map((der) => parseCertificate(der)),
    );
  } catch (error) {
    const message = `no usable trust anchor to authenticate the EST server with: ${messageOf(error)}`;
    throw new PkiError('UNTRUSTED', message, { cause: error });
  }
  return (socket, host) => verifyServerChain(socket, host, trust, at);
}

/**
 * What OpenSSL checks of a TLS server's chain, with the validity judged at `at`: a path from the presented
 * certificate to an anchor (signatures, CA flags, key usage, path length: TrustStore), every certificate of it
 * within its validity, the host name or IP address in the certificate (tls.checkServerIdentity), a server
 * certificate fit for TLS server authentication, and no critical extension that is not understood. The
 * handshake itself has already proved that the server holds the certificate's key: OpenSSL checks the
 * handshake signature whether or not it verifies the chain.
 */
function verifyServerChain(
  socket: TLSSocket,
  host: string,
  trust: TrustStore,
  at: ServerCertificateTime,
): void {
  let judgedAt = at instanceof Date ? at : at.notEarlierThan;
  try {
    const peer = socket.getPeerCertificate(true);
    const presented = presentedChain(peer);
    const [leaf, ...others] = presented;
    if (leaf === undefined) throw new PkiError('UNTRUSTED', 'the server presented no certificate');
    if (!(at instanceof Date)) {
      judgedAt = new Date(Math.max(judgedAt.getTime(), ...presented.map((c) => c.notBefore.getTime())));
    }
    const identity = checkServerIdentity(host, peer);
    if (identity !== undefined) throw new PkiError('UNTRUSTED', identity.message, { cause: identity });
    const path = trust.validate(leaf, others, judgedAt);
    checkServerPurpose(leaf);
    // The last certificate of the path is an anchor: trusted as configured.
    for (const certificate of path.certificates.slice(0, -1)) {
      const unknown = certificate.extensions.present.find(
        (e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.oid),
      );
      if (unknown) {
        throw new PkiError(
          'UNTRUSTED',
          `${certificate.subjectText} has a critical extension ${unknown.oid} that is not supported`,
        );
      }
    }
  } catch (error) {
    const message = `the EST server is not trusted (judged at ${judgedAt.toISOString()}): ${messageOf(error)}`;
    throw new PkiError('UNTRUSTED', message, { cause: error });
  }
}

/** Extensions whose meaning the path validation above enforces; any other marked critical is refused. */
const UNDERSTOOD_CRITICAL: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
]);

/** RFC 5280 §4.2.1.3 and §4.2.1.12 for a TLS server, as OpenSSL's "ssl_server" purpose reads them. */
function checkServerPurpose(leaf: ParsedCertificate): void {
  const eku = leaf.extensions.extKeyUsage;
  if (eku && !eku.purposes.includes(OID.serverAuth) && !eku.purposes.includes(ANY_EXTENDED_KEY_USAGE)) {
    throw new PkiError('UNTRUSTED', `${leaf.subjectText} is not a TLS server certificate (no serverAuth)`);
  }
  const ku = leaf.extensions.keyUsage;
  if (ku && !ku.usages.some((usage) => SERVER_KEY_USAGES.has(usage))) {
    throw new PkiError('UNTRUSTED', `${leaf.subjectText} may not be used for TLS (key usage)`);
  }
}

const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
const SERVER_KEY_USAGES: ReadonlySet<string> = new Set([
  'digitalSignature',
  'keyEncipherment',
  'keyAgreement',
]);

/** The server's certificate, then the issuers it sent, decoded; a self-signed one ends the walk. */
function presentedChain(peer: DetailedPeerCertificate | undefined): ParsedCertificate[] {
  const chain: ParsedCertificate[] = [];
  const seen = new Set<string>();
  for (
    let cert = peer;
    cert?.raw !== undefined && !seen.has(cert.fingerprint256);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert.fingerprint256);
    chain.push(parseCertificate(new Uint8Array(cert.raw)));
  }
  return chain;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function header(response: RawResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function datedBy(response: RawResponse): { serverDate?: Date } {
  const serverDate = parseDate(header(response, 'date'));
  return serverDate === undefined ? {} : { serverDate };
}

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** TLS contexts kept for reuse, by the anchors and the client credential they hold. */
const SECURE_CONTEXTS = new Map<string, SecureContext>();
const MAX_SECURE_CONTEXTS = 4096;

/**
 * The TLS context for a request (TLS 1.2 and up), made once per anchors and credential: building one parses the
 * anchors, the certificate and the key, which costs about as much as the handshake itself (≈3 ms with OpenSSL 3,
 * measured while simulating a fleet in one process). The least recently used goes when the cache is full.
 */
function secureContextFor(
  anchorsPem: string | undefined,
  credential: { readonly certificatePem: string; readonly keyPem: string } | undefined,
): SecureContext {
  const key = createHash('sha256')
    .update(anchorsPem ?? '')
    .update('\0')
    .update(credential?.certificatePem ?? '')
    .update('\0')
    .update(credential?.keyPem ?? '')
    .digest('base64');
  const cached = SECURE_CONTEXTS.get(key);
  if (cached !== undefined) {
    SECURE_CONTEXTS.delete(key);
    SECURE_CONTEXTS.set(key, cached);
    return cached;
  }
  const context = createSecureContext({
    minVersion: 'TLSv1.2',
    ...(anchorsPem === undefined ? {} : { ca: anchorsPem }),
    ...(credential === undefined ? {} : { cert: credential.certificatePem, key: credential.keyPem }),
  });
  if (SECURE_CONTEXTS.size >= MAX_SECURE_CONTEXTS)
    SECURE_CONTEXTS.delete(SECURE_CONTEXTS.keys().next().value as string);
  SECURE_CONTEXTS.set(key, context);
  return context;
}
