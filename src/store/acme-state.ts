import type { IssuerId, SerialHex } from '../core/ids.js';

/**
 * The ACME server's state (migration 0010), shared by every node: accounts, external account binding keys,
 * orders with their authorizations and challenges, consumed nonces, and the renewal windows operators pulled
 * forward (RFC 9773). Ids are opaque text made by the front end (`randomId` style, URL-safe); every transition
 * is a compare-and-set on the expected status, so of two concurrent requests exactly one moves a resource on.
 */

/** RFC 8555 §7.1.6 account statuses. */
export type AcmeAccountStatus = 'valid' | 'deactivated' | 'revoked';

export interface AcmeAccountRecord {
  readonly id: string;
  /** RFC 7638 SHA-256 thumbprint of the account key, base64url; unique among accounts. */
  readonly keyThumbprint: string;
  /** The public JWK as JSON text (members of RFC 7638 §3.2 only). */
  readonly jwk: string;
  readonly status: AcmeAccountStatus;
  /** `mailto:` URIs as given (RFC 8555 §7.3). */
  readonly contact: readonly string[];
  readonly termsOfServiceAgreed: boolean;
  /** The external account binding key id it registered with (RFC 8555 §7.3.4), if any. */
  readonly externalAccountKeyId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewAcmeAccount {
  readonly id: string;
  readonly keyThumbprint: string;
  readonly jwk: string;
  readonly contact: readonly string[];
  readonly termsOfServiceAgreed: boolean;
  readonly externalAccountKeyId: string | null;
}

/** An operator-made external account binding credential (RFC 8555 §7.3.4); the MAC key is derived, not stored. */
export interface AcmeExternalAccountKeyRecord {
  readonly keyId: string;
  /** What the operator wrote it for (a customer, a site). */
  readonly label: string;
  readonly createdAt: Date;
  /** Set once: a key binds one account. */
  readonly boundAccountId: string | null;
  readonly boundAt: Date | null;
  readonly revokedAt: Date | null;
  /**
   * The names the account it binds may obtain, within the deployment's acme.policy (a customer's or a site's
   * domains); null: whatever acme.policy allows.
   */
  readonly identifierScope: AcmeIdentifierScope | null;
}

/** DNS name patterns (`*`, `*.example.net`, exact) and CIDR ranges, as acme.policy has them. */
export interface AcmeIdentifierScope {
  readonly dnsNames: readonly string[];
  readonly ipRanges: readonly string[];
}

export interface AcmeAccounts {
  /**
   * CONFLICT when an account with the same key thumbprint exists (any status). With `externalAccountKeyId`
   * set it is {@link createBound}: an account names only a key it holds.
   */
  create(account: NewAcmeAccount, at: Date): Promise<AcmeAccountRecord>;
  /**
   * Creates the account and binds the external account key to it in one transaction: CONFLICT when the key is
   * unknown, revoked or already bound (nothing created), or the thumbprint is taken.
   */
  createBound(
    account: NewAcmeAccount & { readonly externalAccountKeyId: string },
    at: Date,
  ): Promise<AcmeAccountRecord>;
  get(id: string): Promise<AcmeAccountRecord | undefined>;
  findByThumbprint(keyThumbprint: string): Promise<AcmeAccountRecord | undefined>;
  /** Changes contact and/or status of a `valid` account; undefined if it is not (any more) valid. */
  update(
    id: string,
    change: { readonly contact?: readonly string[]; readonly status?: AcmeAccountStatus },
    at: Date,
  ): Promise<AcmeAccountRecord | undefined>;
  /**
   * RFC 8555 §7.3.5 key rollover: replaces the key of a `valid` account whose current thumbprint is
   * `expectedThumbprint`; undefined if that no longer holds; CONFLICT if another account has the new key.
   */
  changeKey(
    id: string,
    expectedThumbprint: string,
    next: { readonly keyThumbprint: string; readonly jwk: string },
    at: Date,
  ): Promise<AcmeAccountRecord | undefined>;

  addExternalAccountKey(
    keyId: string,
    label: string,
    at: Date,
    identifierScope?: AcmeIdentifierScope | null,
  ): Promise<AcmeExternalAccountKeyRecord>;
  getExternalAccountKey(keyId: string): Promise<AcmeExternalAccountKeyRecord | undefined>;
  listExternalAccountKeys(): Promise<readonly AcmeExternalAccountKeyRecord[]>;
  /** Revokes an unbound or bound key (a bound account keeps working); undefined if unknown. */
  revokeExternalAccountKey(keyId: string, at: Date): Promise<AcmeExternalAccountKeyRecord | undefined>;
}

/** RFC 8555 §7.1.6 order statuses. */
export type AcmeOrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
export type AcmeAuthorizationStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
export type AcmeChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid';

export interface AcmeStoredIdentifier {
  /** `dns`, `ip` (RFC 8738), `permanent-identifier`, `hardware-module` (device attestation). */
  readonly type: string;
  readonly value: string;
}

/** A problem document as JSON text (RFC 8555 §7.1.3 `error`, §8 challenge `error`). */
export type ProblemJson = string;

export interface AcmeChallengeRecord {
  readonly id: string;
  readonly authorizationId: string;
  /** `http-01`, `tls-alpn-01`, `device-attest-01`. */
  readonly type: string;
  /** base64url, ≥ 128 bits of entropy (RFC 8555 §8.1). */
  readonly token: string;
  readonly status: AcmeChallengeStatus;
  readonly validatedAt: Date | null;
  readonly error: ProblemJson | null;
}

export interface AcmeAuthorizationRecord {
  readonly id: string;
  readonly accountId: string;
  readonly identifier: AcmeStoredIdentifier;
  readonly wildcard: boolean;
  readonly status: AcmeAuthorizationStatus;
  readonly expiresAt: Date;
  /** In creation order. */
  readonly challenges: readonly AcmeChallengeRecord[];
  /**
   * What the validation established beyond the identifier, as JSON text: e.g. for device-attest-01 the attested
   * key's SPKI SHA-256 and the IDevID's device id, which finalize binds the CSR to. Null otherwise.
   */
  readonly evidence: string | null;
}

export interface AcmeOrderRecord {
  readonly id: string;
  readonly accountId: string;
  readonly status: AcmeOrderStatus;
  readonly identifiers: readonly AcmeStoredIdentifier[];
  readonly authorizationIds: readonly string[];
  readonly notBefore: Date | null;
  readonly notAfter: Date | null;
  readonly expiresAt: Date;
  /** ACME profiles draft: the profile asked for; null for the default. */
  readonly profile: string | null;
  /** RFC 9773 §5: the ARI certID of the certificate this order replaces. */
  readonly replaces: string | null;
  readonly error: ProblemJson | null;
  /** The certificate issued for it (status `valid`). */
  readonly certificate: { readonly issuerId: IssuerId; readonly serial: SerialHex } | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewAcmeOrder {
  readonly id: string;
  readonly accountId: string;
  readonly identifiers: readonly AcmeStoredIdentifier[];
  readonly notBefore: Date | null;
  readonly notAfter: Date | null;
  readonly expiresAt: Date;
  readonly profile: string | null;
  readonly replaces: string | null;
  /** New authorizations, one per identifier, each with its challenges (status pending). */
  readonly authorizations: readonly {
    readonly id: string;
    readonly identifier: AcmeStoredIdentifier;
    readonly wildcard: boolean;
    readonly expiresAt: Date;
    readonly challenges: readonly { readonly id: string; readonly type: string; readonly token: string }[];
  }[];
}

/** The outcome of one challenge validation, applied to challenge, authorization and orders at once. */
export type AcmeValidationOutcome =
  | { readonly status: 'valid'; readonly evidence: string | null }
  | { readonly status: 'invalid'; readonly error: ProblemJson };

export interface AcmeOrders {
  /**
   * Creates the order, its authorizations and challenges in one transaction. With `replaces` set, CONFLICT when
   * another order of any account that is not `invalid` already names the same certID (RFC 9773 §5
   * alreadyReplaced; the error's `details.replaces` names the certID); nothing is created then. NOT_FOUND when
   * the account does not exist.
   */
  create(order: NewAcmeOrder, at: Date): Promise<AcmeOrderRecord>;
  get(id: string): Promise<AcmeOrderRecord | undefined>;
  /**
   * An account's orders, newest first (by createdAt, then id), keyed pagination by id: those listed after
   * `before` (an order id, the last of the previous page); none if `before` is not an order of the account.
   */
  listByAccount(
    accountId: string,
    page: { readonly limit: number; readonly before?: string },
  ): Promise<readonly AcmeOrderRecord[]>;
  getAuthorization(id: string): Promise<AcmeAuthorizationRecord | undefined>;
  /** The challenge with the authorization it belongs to. */
  getChallenge(
    id: string,
  ): Promise<
    { readonly challenge: AcmeChallengeRecord; readonly authorization: AcmeAuthorizationRecord } | undefined
  >;
  /**
   * RFC 8555 §7.5.1: moves a `pending` challenge of a `pending`, unexpired authorization to `processing`;
   * undefined if the challenge is not pending (a repeat POST) or its authorization is not pending any more.
   */
  startValidation(challengeId: string, at: Date): Promise<AcmeChallengeRecord | undefined>;
  /**
   * Applies a validation result in one transaction (PROTOCOLS.md §3.7 pitfall 2: clients finalize as soon as
   * they see the challenge valid): the `processing` challenge → valid/invalid; its authorization → valid (with
   * `evidence`) / invalid; every `pending` order holding that authorization → `ready` when all its authorizations
   * are valid, or `invalid` (with the challenge's error) when one is invalid. If the authorization is no longer
   * `pending` (another of its challenges completed first, or it was deactivated or expired), only the challenge
   * changes. Undefined if the challenge was not `processing`.
   */
  completeValidation(
    challengeId: string,
    outcome: AcmeValidationOutcome,
    at: Date,
  ): Promise<AcmeChallengeRecord | undefined>;
  /**
   * RFC 8555 §7.5.2: a `pending` or `valid` authorization → `deactivated`, and the `pending` or `ready` orders
   * holding it → `invalid` (no certificate is issued on it any more); undefined otherwise.
   */
  deactivateAuthorization(id: string, at: Date): Promise<AcmeAuthorizationRecord | undefined>;
  /**
   * Compare-and-set on the order status: `ready`→`processing` (finalize), `processing`→`valid` (with
   * certificate), →`invalid` (with error) or back to →`ready` (a refusal the client can correct),
   * `pending`/`ready`→`invalid`. Undefined if the order was not in
   * `expected`. MALFORMED_INPUT for any other move, for a certificate without `valid`, or an error without
   * `invalid`.
   */
  advanceOrder(
    id: string,
    expected: AcmeOrderStatus,
    change: {
      readonly status: AcmeOrderStatus;
      readonly error?: ProblemJson;
      readonly certificate?: { readonly issuerId: IssuerId; readonly serial: SerialHex };
    },
    at: Date,
  ): Promise<AcmeOrderRecord | undefined>;
  /** The order (not `invalid`) that issued this certificate, for revocation by account and for ARI `replaces`. */
  findByCertificate(issuerId: IssuerId, serial: SerialHex): Promise<AcmeOrderRecord | undefined>;
  /**
   * Marks orders and authorizations whose `expiresAt` is at or before `at` as `invalid` (`pending` and `ready`
   * orders) / `expired` (`pending` and `valid` authorizations; RFC 8555 §7.1.6), and deletes the orders whose
   * `expiresAt` is before `purgeBefore` (a `valid` one only once its certificate's notAfter is before it too:
   * findByCertificate needs it while the certificate is in force), then such authorizations that no remaining
   * order holds (with their challenges); returns how many orders and authorizations it marked or deleted.
   */
  expire(at: Date, purgeBefore: Date): Promise<number>;
}

/**
 * RFC 8555 §6.5: consumed anti-replay nonces. Nonces are minted without the store (authenticated by the
 * server's key, carrying their expiry); only their use is recorded, so a nonce is accepted once on any node.
 */
export interface AcmeNonces {
  /** True the first time `nonce` is consumed, false if it was consumed before (a replay). */
  consume(nonce: string, expiresAt: Date): Promise<boolean>;
  /**
   * Forgets nonces whose expiry is at or before `at` (they are refused by their own expiry); pass the clock
   * minus the skew tolerated between nodes.
   */
  purgeExpired(at: Date): Promise<number>;
}

/** RFC 9773: a renewal window an operator set for certificates (pulled forward, e.g. an issuer retiring). */
export interface RenewalWindowRecord {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly start: Date;
  readonly end: Date;
  /** RFC 9773 §4.2 explanationURL, if the operator gave one. */
  readonly explanationUrl: string | null;
  readonly setAt: Date;
  readonly setBy: string;
}

export interface RenewalWindows {
  /**
   * Sets (or replaces) the window of each certificate, all or none; returns how many distinct certificates were
   * set. Batched internally. MALFORMED_INPUT if `end` is not after `start` (RFC 9773 §4.2) or a key is not an
   * issuer id and lower-case hex serial.
   */
  set(
    certificates: readonly { readonly issuerId: IssuerId; readonly serial: SerialHex }[],
    window: { readonly start: Date; readonly end: Date; readonly explanationUrl: string | null },
    setBy: string,
    at: Date,
  ): Promise<number>;
  get(issuerId: IssuerId, serial: SerialHex): Promise<RenewalWindowRecord | undefined>;
  clear(issuerId: IssuerId, serial: SerialHex): Promise<boolean>;
}
