/**
 * Every URL the ACME server hands out, built from the configured external base URL and never from the request's
 * Host header: the JWS `url` a client signs must equal what we expect, behind proxies too (PROTOCOLS.md §3.7
 * pitfall 1).
 */
export class AcmeUrls {
  private cachedRoot: string | undefined;

  /** `baseUrl` may be a function when the listener's port is known only once it listens (port 0 in tests). */
  constructor(private readonly baseUrl: string | (() => string)) {}

  /** `https://host:port/acme` */
  get root(): string {
    this.cachedRoot ??= `${(typeof this.baseUrl === 'string' ? this.baseUrl : this.baseUrl()).replace(/\/+$/, '')}${ACME_PREFIX}`;
    return this.cachedRoot;
  }

  get directory(): string {
    return `${this.root}/directory`;
  }
  get newNonce(): string {
    return `${this.root}/new-nonce`;
  }
  get newAccount(): string {
    return `${this.root}/new-account`;
  }
  get newOrder(): string {
    return `${this.root}/new-order`;
  }
  get revokeCert(): string {
    return `${this.root}/revoke-cert`;
  }
  get keyChange(): string {
    return `${this.root}/key-change`;
  }
  get renewalInfo(): string {
    return `${this.root}/renewal-info`;
  }
  account(id: string): string {
    return `${this.root}/account/${id}`;
  }
  orders(accountId: string): string {
    return `${this.root}/account/${accountId}/orders`;
  }
  order(id: string): string {
    return `${this.root}/order/${id}`;
  }
  finalize(orderId: string): string {
    return `${this.root}/order/${orderId}/finalize`;
  }
  authorization(id: string): string {
    return `${this.root}/authz/${id}`;
  }
  challenge(id: string): string {
    return `${this.root}/chall/${id}`;
  }
  certificate(issuerId: string, serial: string): string {
    return `${this.root}/cert/${issuerId}/${serial}`;
  }
  /** The account id in an account URL (a `kid`), or undefined if it is not one of ours. */
  accountIdOf(kid: string): string | undefined {
    const prefix = `${this.root}/account/`;
    if (!kid.startsWith(prefix)) return undefined;
    const id = kid.slice(prefix.length);
    return RESOURCE_ID.test(id) ? id : undefined;
  }
}

/** Where the ACME plugin is registered on the HTTPS server. */
export const ACME_PREFIX = '/acme';

/** The ids we make (randomId): base64url, so they never need escaping in a URL. */
export const RESOURCE_ID = /^[A-Za-z0-9_-]{8,64}$/;
