import type { KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../../../core/clock.js';
import { PkiError } from '../../../core/pki-error.js';
import { readDerOrPem } from '../../../pki/pem.js';
import type { AcmeIdentifier } from '../wire/acme-problem.js';
import { encodeBase64url } from '../wire/base64url.js';
import { keyAuthorization } from '../wire/jwk-thumbprint.js';
import { acmeClientErrorFromProblem, acmeClientErrorOf, type AcmeClientError } from './acme-client-error.js';
import { fetchAcmeDirectory } from './acme-directory-fetch.js';
import { type AcmeHttpResponse, jsonBody } from './acme-http-response.js';
import { AcmeHttpTransport } from './acme-http-transport.js';
import {
  type AcmeAccount,
  type AcmeAuthorization,
  type AcmeChallenge,
  type AcmeDirectory,
  type AcmeOrder,
  type AcmeRenewalInfo,
  readAccount,
  readAuthorization,
  readChallenge,
  readOrder,
} from './acme-resources.js';
import { type ExternalAccountBinding, externalAccountBindingJws } from './external-account-binding.js';
import { acmePayloadBytes, AcmeJwsSigner } from './jws-signer.js';
import { NoncePool } from './nonce-pool.js';
import { fetchRenewalInfo } from './renewal-info-fetch.js';
import { retryAfterSeconds } from './retry-after.js';

export { MAX_ARI_RETRY_AFTER_SECONDS, MIN_ARI_RETRY_AFTER_SECONDS } from './renewal-info-fetch.js';

export interface AcmeClientOptions {
  readonly directoryUrl: string;
  /** The account key (private): P-256, P-384, Ed25519 or RSA. */
  readonly accountKey: KeyObject;
  /** The URL of an account already registered with `accountKey`, used as `kid`; newAccount sets it otherwise. */
  readonly accountUrl?: string;
  /** Shared transport; by default the client makes its own (and closes it in close()). */
  readonly transport?: AcmeHttpTransport;
  /** PEM trust anchors for the server, for the client's own transport. */
  readonly ca?: string | readonly string[];
  /** Turns `Retry-After` HTTP-dates into delays. */
  readonly clock?: Clock;
  /** Delay between polls when the server names none; default 250 ms. */
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** RFC 8555 §7.3. */
export interface NewAccountRequest {
  readonly contact?: readonly string[];
  readonly termsOfServiceAgreed?: boolean;
  readonly onlyReturnExisting?: boolean;
  readonly externalAccountBinding?: ExternalAccountBinding;
}

/** RFC 8555 §7.4, with `replaces` (RFC 9773 §5) and `profile` (ACME profiles draft). */
export interface NewOrderRequest {
  readonly identifiers: readonly AcmeIdentifier[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly replaces?: string;
  readonly profile?: string;
}

/** The escape hatch's options: what a well-behaved client would never send, for tests of a server's refusals. */
export interface AcmePostOptions {
  /** `kid` (default) or `jwk`; `jwk` is what newAccount and revocation by certificate key use. */
  readonly signWith?: 'kid' | 'jwk';
  /** Sign with this private key instead of the account key (then `jwk` unless `signWith` says otherwise). */
  readonly key?: KeyObject;
  /** Edits the protected header after it is built and before it is signed (return a new one or edit in place). */
  readonly mutateProtected?: (header: Record<string, unknown>) => Record<string, unknown> | void;
  /** Sends these bytes as the body instead of a JWS (never retried). */
  readonly rawBody?: Uint8Array | string;
  /** Default `application/jose+json`. */
  readonly contentType?: string;
  readonly accept?: string;
  /** RFC 8555 §6.5: retry once with a fresh nonce after `badNonce`; default true. */
  readonly retryOnBadNonce?: boolean;
}

export interface AcmeRevocationOptions {
  /** RFC 5280 §5.3.1 CRLReason code. */
  readonly reason?: number;
  /** The certificate's own private key: the request is then signed by it with `jwk` (RFC 8555 §7.6). */
  readonly key?: KeyObject;
}

export interface AcmeWaitOptions {
  readonly timeoutMs: number;
}

export const PEM_CERTIFICATE_CHAIN = 'application/pem-certificate-chain';

const DEFAULT_POLL_INTERVAL_MS = 250;

/**
 * An RFC 8555 client for certfleet's tests, bench and device agent: accounts (with EAB and key rollover), orders,
 * challenges, finalization, certificate download, revocation, and RFC 9773 renewal information. Every request
 * after the directory is a JWS POST (POST-as-GET for reads) with a nonce from the pool, retried once on
 * `badNonce`. Refusals are AcmeClientError; `post` is the escape hatch for sending what a server must refuse.
 */
export class AcmeClient {
  readonly nonces: NoncePool;
  private signer: AcmeJwsSigner;
  private currentAccountUrl: string | undefined;
  private directoryRequest: Promise<AcmeDirectory> | undefined;
  private readonly transport: AcmeHttpTransport;
  private readonly ownsTransport: boolean;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: AcmeClientOptions) {
    this.signer = new AcmeJwsSigner(options.accountKey);
    this.currentAccountUrl = options.accountUrl;
    this.ownsTransport = options.transport === undefined;
    this.transport =
      options.transport ?? new AcmeHttpTransport(options.ca === undefined ? {} : { ca: options.ca });
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.nonces = new NoncePool(() => this.newNonce());
  }

  /** The account URL (`kid`), once known. */
  get accountUrl(): string | undefined {
    return this.currentAccountUrl;
  }

  /** The current account key (changeKey replaces it). */
  get accountKey(): KeyObject {
    return this.signer.privateKey;
  }

  /** RFC 8555 §7.1.1: fetched once (unauthenticated GET) and kept. */
  directory(): Promise<AcmeDirectory> {
    this.directoryRequest ??= this.fetchDirectory().catch((error: unknown) => {
      this.directoryRequest = undefined;
      throw error;
    });
    return this.directoryRequest;
  }

  /** RFC 8555 §7.3: 201 for a new account, 200 for the key's existing one; either way the client now uses it. */
  async newAccount(
    request: NewAccountRequest = {},
  ): Promise<{ url: string; account: AcmeAccount; created: boolean }> {
    const directory = await this.directory();
    const payload = {
      ...(request.contact === undefined ? {} : { contact: request.contact }),
      ...(request.termsOfServiceAgreed === undefined
        ? {}
        : { termsOfServiceAgreed: request.termsOfServiceAgreed }),
      ...(request.onlyReturnExisting === undefined ? {} : { onlyReturnExisting: request.onlyReturnExisting }),
      ...(request.externalAccountBinding === undefined
        ? {}
        : {
            externalAccountBinding: externalAccountBindingJws(
              request.externalAccountBinding,
              this.signer.publicJwk,
              directory.newAccount,
            ),
          }),
    };
    const response = await this.post(directory.newAccount, payload, { signWith: 'jwk' });
    const url = requireLocation(response, 'newAccount');
    this.currentAccountUrl = url;
    return { url, account: readAccount(jsonBody(response, 'account')), created: response.status === 201 };
  }

  /** RFC 8555 §7.3.2 (POST-as-GET on the account URL). */
  async getAccount(): Promise<AcmeAccount> {
    return readAccount(jsonBody(await this.post(this.requireAccountUrl(), ''), 'account'));
  }

  /** RFC 8555 §7.3.2. */
  async updateAccount(contact: readonly string[]): Promise<AcmeAccount> {
    return readAccount(jsonBody(await this.post(this.requireAccountUrl(), { contact }), 'account'));
  }

  /** RFC 8555 §7.3.6: after this the server refuses every request signed by the account. */
  async deactivateAccount(): Promise<AcmeAccount> {
    const response = await this.post(this.requireAccountUrl(), { status: 'deactivated' });
    return readAccount(jsonBody(response, 'account'));
  }

  /**
   * RFC 8555 §7.3.5: an outer JWS by the current key (kid) around an inner JWS by `newKey` (jwk, no nonce, the
   * keyChange URL) over `{account, oldKey}`. On success the client signs with `newKey` from then on.
   */
  async changeKey(newKey: KeyObject): Promise<void> {
    const directory = await this.directory();
    const account = this.requireAccountUrl();
    const next = new AcmeJwsSigner(newKey);
    const inner = next.sign(
      next.protectedHeader('jwk', directory.keyChange, undefined),
      acmePayloadBytes({ account, oldKey: this.signer.publicJwk }),
    );
    await this.post(directory.keyChange, inner);
    this.signer = next;
  }

  /** RFC 8555 §7.4. */
  async newOrder(request: NewOrderRequest): Promise<{ url: string; order: AcmeOrder }> {
    const directory = await this.directory();
    const payload = {
      identifiers: request.identifiers,
      ...(request.notBefore === undefined ? {} : { notBefore: request.notBefore.toISOString() }),
      ...(request.notAfter === undefined ? {} : { notAfter: request.notAfter.toISOString() }),
      ...(request.replaces === undefined ? {} : { replaces: request.replaces }),
      ...(request.profile === undefined ? {} : { profile: request.profile }),
    };
    const response = await this.post(directory.newOrder, payload);
    return { url: requireLocation(response, 'newOrder'), order: readOrder(jsonBody(response, 'order')) };
  }

  async getOrder(url: string): Promise<AcmeOrder> {
    return readOrder(jsonBody(await this.post(url, ''), 'order'));
  }

  async getAuthorization(url: string): Promise<AcmeAuthorization> {
    return readAuthorization(jsonBody(await this.post(url, ''), 'authorization'));
  }

  /** RFC 8555 §7.5.1: tells the server to validate; `{}` for http-01/dns-01/tls-alpn-01, `{attObj}` for device-attest-01. */
  async respondToChallenge(url: string, payload: Record<string, unknown> = {}): Promise<AcmeChallenge> {
    return readChallenge(jsonBody(await this.post(url, payload), 'challenge'));
  }

  /** Polls until the authorization leaves `pending`, and returns it in whatever state it reached. */
  async waitForAuthorization(url: string, wait: AcmeWaitOptions): Promise<AcmeAuthorization> {
    return this.poll(url, 'authorization', readAuthorization, (authz) => authz.status !== 'pending', wait);
  }

  /**
   * Polls until the order reaches one of `statuses`. An order that ends (RFC 8555 §7.1.6: `invalid` or `valid`)
   * elsewhere stops the wait: `invalid` is an AcmeClientError carrying the order's `error` problem (status 0 when
   * the problem names none), an unwanted `valid` a PkiError CONFLICT.
   */
  async waitForOrder(
    url: string,
    statuses: readonly AcmeOrder['status'][],
    wait: AcmeWaitOptions,
  ): Promise<AcmeOrder> {
    const ended = (status: AcmeOrder['status']) => status === 'invalid' || status === 'valid';
    const order = await this.poll(
      url,
      'order',
      readOrder,
      (current) => statuses.includes(current.status) || ended(current.status),
      wait,
    );
    if (statuses.includes(order.status)) return order;
    if (order.status === 'valid') {
      throw new PkiError('CONFLICT', `the order is already valid, not ${statuses.join(' or ')}`);
    }
    const problem = order.error ?? { type: 'about:blank', detail: 'the order became invalid' };
    const status = (problem as { status?: unknown }).status;
    throw acmeClientErrorFromProblem(problem, typeof status === 'number' ? status : 0);
  }

  /** RFC 8555 §7.4: sends the CSR (DER) to the order's finalize URL; returns the order as the server answered. */
  async finalize(order: AcmeOrder, csrDer: Uint8Array): Promise<AcmeOrder> {
    const response = await this.post(order.finalize, { csr: encodeBase64url(csrDer) });
    return readOrder(jsonBody(response, 'order'));
  }

  /** RFC 8555 §7.4.2: the PEM chain, leaf first. */
  async downloadCertificate(url: string): Promise<string> {
    const response = await this.post(url, '', { accept: PEM_CERTIFICATE_CHAIN });
    if (response.contentType !== PEM_CERTIFICATE_CHAIN) {
      throw new PkiError(
        'MALFORMED_INPUT',
        `the certificate came as ${response.contentType ?? 'no media type'}`,
      );
    }
    return Buffer.from(response.body).toString('utf8');
  }

  /** RFC 8555 §7.6: signed by the account (kid), or by the certificate's own key (jwk) when `key` is given. */
  async revokeCertificate(
    certificate: Uint8Array | string,
    options: AcmeRevocationOptions = {},
  ): Promise<void> {
    const directory = await this.directory();
    const der = readDerOrPem(certificate, ['CERTIFICATE'], 'certificate');
    const payload = {
      certificate: encodeBase64url(der),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    };
    await this.post(directory.revokeCert, payload, options.key === undefined ? {} : { key: options.key });
  }

  /**
   * RFC 9773 §4: unauthenticated GET of `<renewalInfo>/<certID>` (see fetchRenewalInfo, which a device without
   * an account uses directly); the account key plays no part.
   */
  async renewalInfo(certificate: Uint8Array | string): Promise<AcmeRenewalInfo> {
    return fetchRenewalInfo(certificate, {
      transport: this.transport,
      directory: await this.directory(),
      now: () => this.clock.now(),
      onReplayNonce: (nonce) => this.nonces.add(nonce),
    });
  }

  /** RFC 8555 §8.1: `token "." thumbprint(account key)`. */
  keyAuthorization(token: string): Promise<string> {
    return keyAuthorization(token, this.signer.publicJwk);
  }

  /**
   * A signed POST to `url` (payload `''` is POST-as-GET, bytes are sent as the payload unchanged, anything else
   * as JSON), with one retry on `badNonce`. Answers of 400 and above are thrown as AcmeClientError; anything else
   * is returned whole.
   */
  async post(url: string, payload: unknown, options: AcmePostOptions = {}): Promise<AcmeHttpResponse> {
    const attempt = async (): Promise<AcmeHttpResponse> => {
      const body =
        options.rawBody === undefined
          ? await this.signedBody(url, payload, options)
          : typeof options.rawBody === 'string'
            ? new TextEncoder().encode(options.rawBody)
            : options.rawBody;
      const response = await this.transport.send({
        method: 'POST',
        url,
        body,
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        ...(options.accept === undefined ? {} : { accept: options.accept }),
      });
      this.nonces.add(response.replayNonce);
      return response;
    };
    let response = await attempt();
    const retry = options.rawBody === undefined && options.retryOnBadNonce !== false;
    if (retry && response.status >= 400 && this.errorOf(response).is('badNonce')) response = await attempt();
    if (response.status >= 400) throw this.errorOf(response);
    return response;
  }

  /** Closes the client's own keep-alive connections (a shared transport is left to its owner). */
  close(): void {
    if (this.ownsTransport) this.transport.close();
  }

  private async signedBody(url: string, payload: unknown, options: AcmePostOptions): Promise<Uint8Array> {
    const signer = options.key === undefined ? this.signer : new AcmeJwsSigner(options.key);
    const keyRef = options.signWith ?? (options.key === undefined ? 'kid' : 'jwk');
    const nonce = await this.nonces.take();
    const built = signer.protectedHeader(keyRef, url, nonce, this.currentAccountUrl);
    const header = options.mutateProtected?.(built) ?? built;
    return new TextEncoder().encode(JSON.stringify(signer.sign(header, acmePayloadBytes(payload))));
  }

  private fetchDirectory(): Promise<AcmeDirectory> {
    return fetchAcmeDirectory(this.transport, this.options.directoryUrl, () => this.clock.now());
  }

  /** RFC 8555 §7.2: HEAD newNonce. */
  private async newNonce(): Promise<string> {
    const directory = await this.directory();
    const response = await this.transport.send({ method: 'HEAD', url: directory.newNonce });
    if (response.status >= 400) throw this.errorOf(response);
    if (response.replayNonce === undefined) {
      throw new PkiError('MALFORMED_INPUT', 'the newNonce answer carries no Replay-Nonce');
    }
    return response.replayNonce;
  }

  private async poll<T>(
    url: string,
    what: string,
    read: (value: unknown) => T,
    done: (value: T) => boolean,
    wait: AcmeWaitOptions,
  ): Promise<T> {
    // A monotonic deadline: the injected Clock is wall time for Retry-After dates, and may stand still in tests.
    const deadline = performance.now() + wait.timeoutMs;
    for (;;) {
      const response = await this.post(url, '');
      const value = read(jsonBody(response, what));
      if (done(value)) return value;
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) {
        throw new PkiError('UNAVAILABLE', `the ${what} did not settle within ${wait.timeoutMs} ms`);
      }
      const askedMs = (retryAfterSeconds(response.retryAfter, this.clock.now()) ?? 0) * 1000;
      await this.sleep(Math.min(remainingMs, Math.max(this.pollIntervalMs, askedMs)));
    }
  }

  private errorOf(response: AcmeHttpResponse): AcmeClientError {
    return acmeClientErrorOf(response, this.clock.now());
  }

  private requireAccountUrl(): string {
    if (this.currentAccountUrl === undefined) {
      throw new PkiError('CONFIG_INVALID', 'no ACME account yet: call newAccount first');
    }
    return this.currentAccountUrl;
  }
}

function requireLocation(response: AcmeHttpResponse, what: string): string {
  if (response.location === undefined) {
    throw new PkiError('MALFORMED_INPUT', `the ${what} answer carries no Location`);
  }
  return response.location;
}
