import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { IssuerId, SerialHex } from '../../core/ids.js';
import { isPkiError, PkiError } from '../../core/pki-error.js';
import { bytesToHex } from '../../pki/der.js';
import { parseCsr, type ParsedCsr } from '../../pki/csr.js';
import { nameValue } from '../../pki/name.js';
import { OID } from '../../pki/oids.js';
import { encodePem } from '../../pki/pem.js';
import { serialToHex } from '../../pki/serial.js';
import type { ProfileName } from '../../pki/profiles/certificate-profile.js';
import { AcmeIdentifierPolicy } from '../../ra/acme-identifier-policy.js';
import type { RateLimiter } from '../../ra/rate-limiter.js';
import type { Credential } from '../../ra/provisioner.js';
import type { RegistrationAuthority } from '../../ra/registration-authority.js';
import type {
  AcmeAccountRecord,
  AcmeAccounts,
  AcmeOrderRecord,
  AcmeOrders,
  AcmeStoredIdentifier,
} from '../../store/acme-state.js';
import type { CertificateReader } from '../../store/certificate-reader.js';
import type { AccountRequest } from './acme-authenticator.js';
import { acmeProblemFor } from './acme-error-mapping.js';
import {
  canonicalIp,
  CHALLENGES_FOR,
  isDeviceIdentifier,
  type NetworkIdentifier,
  parseOrderIdentifiers,
} from './acme-identifiers.js';
import { json, type AcmeResponse } from './acme-response.js';
import type { AcmeUrls } from './acme-urls.js';
import { deviceEvidence } from './device-evidence.js';
import { markRecorded } from './recorded-refusals.js';
import { randomId } from './resource-id.js';
import { orderView } from './resource-views.js';
import { AcmeProblem, type AcmeSubproblem } from './wire/acme-problem.js';
import { parseAriCertId } from './wire/ari-cert-id.js';
import { decodeBase64url } from './wire/base64url.js';

/** An ACME profile (profiles draft) as configured: the certificate profile and lifetime it stands for. */
export interface AcmeProfile {
  readonly name: string;
  readonly description: string;
  readonly profile: ProfileName;
  readonly validitySeconds?: number;
  /** The certificate profile's lifetime bounds (with the deployment's settings): what `notAfter` may ask for. */
  readonly lifetime: { readonly minSeconds: number; readonly maxSeconds: number };
}

export interface OrderServiceDependencies {
  readonly orders: AcmeOrders;
  readonly ra: Pick<RegistrationAuthority, 'enroll'>;
  readonly identifierPolicy: AcmeIdentifierPolicy;
  /** The external account key an account registered with, for its identifier scope. */
  readonly externalAccountKeys: Pick<AcmeAccounts, 'getExternalAccountKey'>;
  /** New orders per account. */
  readonly orderLimiter: RateLimiter;
  /** New certificates per identifier (a name renewed in a loop). */
  readonly identifierLimiter: RateLimiter;
  readonly certificates: Pick<CertificateReader, 'get'>;
  /** The issuing chain to send after the leaf (intermediates, no root); empty if the issuer is unknown. */
  readonly chainOf: (issuerId: IssuerId) => readonly Uint8Array[];
  /** Our issuer whose subject key identifier (hex) this is, for ARI `replaces`. */
  readonly issuerByKeyId: (keyIdHex: string) => IssuerId | undefined;
  readonly urls: AcmeUrls;
  readonly clock: Clock;
}

export interface OrderSettings {
  readonly orderLifetimeSeconds: number;
  readonly authorizationLifetimeSeconds: number;
  /** Profiles offered to dns/ip orders, the first being the default; device orders always get an LDevID. */
  readonly profiles: readonly AcmeProfile[];
  readonly ordersPageSize: number;
}

/** RFC 8555 §7.4: placing orders, finalizing them through the RA, and downloading what they issued. */
export class OrderService {
  constructor(
    private readonly deps: OrderServiceDependencies,
    private readonly settings: OrderSettings,
  ) {}

  async newOrder(request: AccountRequest): Promise<AcmeResponse> {
    const payload = request.payload;
    if (payload === undefined) throw new AcmeProblem('malformed', 'newOrder needs a payload');
    const identifiers = parseOrderIdentifiers(payload['identifiers']);
    await this.applyPolicy(identifiers, request.account);
    const notAfter = optionalDate(payload['notAfter'], 'notAfter');
    if (payload['notBefore'] !== undefined) {
      throw new AcmeProblem(
        'malformed',
        'this server does not issue postdated certificates: leave notBefore out',
      );
    }
    const profile = this.profileFor(payload['profile'], identifiers);
    const now = this.deps.clock.now();
    if (notAfter !== null && notAfter.getTime() <= now.getTime()) {
      throw new AcmeProblem('malformed', 'notAfter lies in the past');
    }
    if (notAfter !== null && profile !== undefined) checkLifetime(notAfter, now, profile);
    const replaces = await this.replaced(payload['replaces'], request.account.id, identifiers);
    this.limit(() => this.deps.orderLimiter.take(`acme:${request.account.id}`));

    const expiresAt = new Date(now.getTime() + this.settings.orderLifetimeSeconds * 1000);
    const authorizationExpiry = new Date(
      Math.min(expiresAt.getTime(), now.getTime() + this.settings.authorizationLifetimeSeconds * 1000),
    );
    let order: AcmeOrderRecord;
    try {
      order = await this.deps.orders.create(
        {
          id: randomId(),
          accountId: request.account.id,
          identifiers,
          notBefore: null,
          notAfter,
          expiresAt,
          profile: payload['profile'] === undefined ? null : (profile?.name ?? null),
          replaces,
          authorizations: identifiers.map((identifier) => ({
            id: randomId(),
            identifier,
            wildcard: false,
            expiresAt: authorizationExpiry,
            challenges: (CHALLENGES_FOR[identifier.type] ?? []).map((type) => ({
              id: randomId(),
              type,
              token: randomBytes(32).toString('base64url'),
            })),
          })),
        },
        now,
      );
    } catch (error) {
      if (replaces !== null && isPkiError(error, 'CONFLICT')) {
        throw new AcmeProblem('alreadyReplaced', 'another order already replaces this certificate');
      }
      throw error;
    }
    return json(201, orderView(order, this.deps.urls), { location: this.deps.urls.order(order.id) });
  }

  async order(request: AccountRequest, orderId: string): Promise<AcmeResponse> {
    const order = await this.ownOrder(request, orderId);
    return json(200, orderView(order, this.deps.urls), {
      ...(order.status === 'processing' ? { retryAfterSeconds: 1 } : {}),
    });
  }

  /** RFC 8555 §7.1.2.1: the account's orders, newest first, `next` links for further pages. */
  async orders(
    request: AccountRequest,
    accountId: string,
    cursor: string | undefined,
  ): Promise<AcmeResponse> {
    if (request.account.id !== accountId) throw new AcmeProblem('unauthorized', 'these are not your orders');
    const page = await this.deps.orders.listByAccount(accountId, {
      limit: this.settings.ordersPageSize + 1,
      ...(cursor === undefined ? {} : { before: cursor }),
    });
    const shown = page.slice(0, this.settings.ordersPageSize);
    const last = shown.at(-1);
    return json(
      200,
      { orders: shown.map((order) => this.deps.urls.order(order.id)) },
      {
        ...(page.length > shown.length && last
          ? { links: [{ url: `${this.deps.urls.orders(accountId)}?cursor=${last.id}`, rel: 'next' }] }
          : {}),
      },
    );
  }

  /** RFC 8555 §7.4: the CSR must name exactly the order's identifiers; issuance is synchronous. */
  async finalize(request: AccountRequest, orderId: string): Promise<AcmeResponse> {
    const order = await this.ownOrder(request, orderId);
    const csrText = request.payload?.['csr'];
    if (typeof csrText !== 'string') throw new AcmeProblem('malformed', 'finalize needs a "csr"');
    if (order.status !== 'ready') {
      throw new AcmeProblem('orderNotReady', `the order is ${order.status}, not ready`);
    }
    const csr = readCsr(csrText);
    const device = order.identifiers.find(isDeviceIdentifier);
    if (!device) checkCsrNames(csr, order.identifiers as readonly NetworkIdentifier[]);
    const credential = device ? await this.deviceCredential(order) : this.accountCredential(request, order);
    const processing = await this.deps.orders.advanceOrder(
      order.id,
      'ready',
      { status: 'processing' },
      this.deps.clock.now(),
    );
    if (!processing) throw new AcmeProblem('orderNotReady', 'the order is being finalized already');
    try {
      if (!device) {
        for (const identifier of order.identifiers) {
          this.limit(() => this.deps.identifierLimiter.take(`acme-identifier:${identifier.value}`));
        }
      }
      const profile = device ? undefined : this.profileFor(order.profile ?? undefined, order.identifiers);
      const result = await this.deps.ra.enroll(credential, {
        // Parsed and its signature checked once, here: the RA takes the verified request as it is.
        csr,
        profile: profile?.profile ?? 'ldevid',
        ...this.validity(order, profile),
        protocol: 'acme',
        operation: 'finalize',
      });
      if (result.status !== 'issued')
        throw new PkiError('INTERNAL', 'an ACME enrollment was held for approval');
      const valid = await this.deps.orders.advanceOrder(
        order.id,
        'processing',
        {
          status: 'valid',
          certificate: { issuerId: result.certificate.issuerId, serial: result.certificate.serial },
        },
        this.deps.clock.now(),
      );
      if (!valid) throw new PkiError('INTERNAL', `order ${order.id} left processing while it was finalized`);
      return json(200, orderView(valid, this.deps.urls), { location: this.deps.urls.order(order.id) });
    } catch (error) {
      // What came out of the RA is in the enrollment log already.
      const problem = error instanceof AcmeProblem ? error : markRecorded(acmeProblemFor(error, 'badCSR'));
      // A request the client can fix (a CSR, a limit) leaves the order ready for another finalize; a failure of
      // ours ends it, so a client does not retry against it forever.
      const next = problem.type === 'serverInternal' ? 'invalid' : 'ready';
      await this.deps.orders.advanceOrder(
        order.id,
        'processing',
        next === 'invalid'
          ? { status: 'invalid', error: JSON.stringify(problem.toDocument()) }
          : { status: 'ready' },
        this.deps.clock.now(),
      );
      throw problem;
    }
  }

  /** RFC 8555 §7.4.2: the chain, leaf first, as application/pem-certificate-chain. */
  async certificate(request: AccountRequest, issuerId: IssuerId, serial: SerialHex): Promise<AcmeResponse> {
    const order = await this.deps.orders.findByCertificate(issuerId, serial);
    if (!order || order.accountId !== request.account.id) {
      throw new AcmeProblem('unauthorized', 'this certificate was not issued to your account');
    }
    const record = await this.deps.certificates.get(issuerId, serial);
    if (!record?.der) throw new PkiError('NOT_FOUND', 'no such certificate');
    const pem = [record.der, ...this.deps.chainOf(issuerId)]
      .map((der) => encodePem('CERTIFICATE', der))
      .join('');
    return { status: 200, body: pem, contentType: 'application/pem-certificate-chain' };
  }

  private async ownOrder(request: AccountRequest, orderId: string): Promise<AcmeOrderRecord> {
    const order = await this.deps.orders.get(orderId);
    if (!order) throw new PkiError('NOT_FOUND', 'no such order');
    if (order.accountId !== request.account.id)
      throw new AcmeProblem('unauthorized', 'this is not your order');
    return order;
  }

  /**
   * The deployment's acme.policy, and the scope of the external account key the account registered with (a
   * customer's or a site's own names): a name must pass both.
   */
  private async applyPolicy(
    identifiers: readonly AcmeStoredIdentifier[],
    account: AcmeAccountRecord,
  ): Promise<void> {
    const keyId = account.externalAccountKeyId;
    const scope =
      keyId === null
        ? null
        : (await this.deps.externalAccountKeys.getExternalAccountKey(keyId))?.identifierScope;
    const scoped = scope === null || scope === undefined ? undefined : new AcmeIdentifierPolicy(scope);
    const refusals: AcmeSubproblem[] = [];
    for (const identifier of identifiers) {
      if (isDeviceIdentifier(identifier)) continue;
      const network = identifier as NetworkIdentifier;
      const refusal =
        this.deps.identifierPolicy.refusal(network) ??
        (scoped?.refusal(network) === undefined
          ? undefined
          : `${identifier.value} is outside the names of the external account key this account registered with`);
      if (refusal !== undefined) refusals.push({ type: 'rejectedIdentifier', detail: refusal, identifier });
    }
    if (refusals.length > 0) {
      // RFC 8555 §6.7.1, as parseOrderIdentifiers answers: one refusal is its own type, several a compound.
      const type = refusals.length === 1 ? 'rejectedIdentifier' : 'compound';
      throw new AcmeProblem(type, refusals[0]!.detail, { subproblems: refusals });
    }
  }

  private profileFor(
    requested: unknown,
    identifiers: readonly AcmeStoredIdentifier[],
  ): AcmeProfile | undefined {
    if (identifiers.some(isDeviceIdentifier)) {
      if (requested !== undefined)
        throw new AcmeProblem('invalidProfile', 'device orders get an LDevID; name no profile');
      return undefined;
    }
    if (requested === undefined) return this.settings.profiles[0];
    const profile = this.settings.profiles.find((candidate) => candidate.name === requested);
    if (!profile) throw new AcmeProblem('invalidProfile', 'no such profile; the directory lists them');
    return profile;
  }

  private validity(order: AcmeOrderRecord, profile: AcmeProfile | undefined): { validitySeconds?: number } {
    if (order.notAfter !== null) {
      return {
        validitySeconds: Math.floor((order.notAfter.getTime() - this.deps.clock.now().getTime()) / 1000),
      };
    }
    return profile?.validitySeconds === undefined ? {} : { validitySeconds: profile.validitySeconds };
  }

  private accountCredential(request: AccountRequest, order: AcmeOrderRecord): Credential {
    return {
      kind: 'acme-account',
      accountId: request.account.id,
      identifiers: order.identifiers as readonly NetworkIdentifier[],
    };
  }

  /** A device order is finalized on the strength of the IDevID chain its device-attest-01 proved. */
  private async deviceCredential(order: AcmeOrderRecord): Promise<Credential> {
    const authorizationId = order.authorizationIds[0];
    const authorization =
      authorizationId === undefined ? undefined : await this.deps.orders.getAuthorization(authorizationId);
    const evidence = authorization?.evidence == null ? undefined : deviceEvidence(authorization.evidence);
    if (!evidence) throw new PkiError('INTERNAL', `order ${order.id} is ready without device evidence`);
    return { kind: 'idevid', chain: evidence.chain };
  }

  /** RFC 9773 §5: the certificate must be one this account obtained, sharing a name with the new order. */
  private async replaced(
    value: unknown,
    accountId: string,
    identifiers: readonly AcmeStoredIdentifier[],
  ): Promise<string | null> {
    if (value === undefined) return null;
    if (typeof value !== 'string')
      throw new AcmeProblem('malformed', 'replaces is not a certificate identifier');
    const parts = parseAriCertId(value);
    const issuerId = this.deps.issuerByKeyId(bytesToHex(parts.keyIdentifier));
    const serial = serialToHex(parts.serial);
    const previous =
      issuerId === undefined ? undefined : await this.deps.orders.findByCertificate(issuerId, serial);
    if (!previous || previous.accountId !== accountId) {
      throw new AcmeProblem('malformed', 'replaces names no certificate this account obtained');
    }
    const names = new Set(previous.identifiers.map((identifier) => `${identifier.type}:${identifier.value}`));
    if (!identifiers.some((identifier) => names.has(`${identifier.type}:${identifier.value}`))) {
      throw new AcmeProblem('malformed', 'the replaced certificate shares no identifier with this order');
    }
    return value;
  }

  private limit(take: () => void): void {
    try {
      take();
    } catch (error) {
      throw acmeProblemFor(error, 'rateLimited');
    }
  }
}

/** RFC 8555 §7.4 lets the server refuse a notAfter it will not honour: say so when the order is placed. */
function checkLifetime(notAfter: Date, now: Date, profile: AcmeProfile): void {
  const seconds = Math.floor((notAfter.getTime() - now.getTime()) / 1000);
  const { minSeconds, maxSeconds } = profile.lifetime;
  if (seconds < minSeconds || seconds > maxSeconds) {
    throw new AcmeProblem(
      'malformed',
      `notAfter asks for a lifetime of ${seconds} s; the ${profile.name} profile issues ${minSeconds}–${maxSeconds} s`,
    );
  }
}

function optionalDate(value: unknown, what: string): Date | null {
  if (value === undefined) return null;
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime()) || !/^\d{4}-\d\d-\d\dT/.test(value as string)) {
    throw new AcmeProblem('malformed', `${what} is not an RFC 3339 date`);
  }
  return date;
}

function readCsr(text: string): ParsedCsr {
  const der = decodeBase64url(text, 'csr');
  try {
    return parseCsr(der);
  } catch (error) {
    if (isPkiError(error, 'UNSUPPORTED_ALGORITHM')) {
      throw new AcmeProblem('badPublicKey', error.message, { cause: error });
    }
    if (isPkiError(error)) throw new AcmeProblem('badCSR', error.message, { cause: error });
    throw error;
  }
}

/**
 * RFC 8555 §7.4: the CSR's names (SAN dNSName/iPAddress, and a subject commonName if any) are the order's
 * identifiers, no more and no fewer.
 */
function checkCsrNames(csr: ParsedCsr, identifiers: readonly NetworkIdentifier[]): void {
  const wanted = new Set(identifiers.map((identifier) => `${identifier.type}:${identifier.value}`));
  const asked = new Set<string>();
  for (const name of csr.altNames) {
    if (name.type === 'dns') asked.add(`dns:${name.value.toLowerCase()}`);
    else if (name.type === 'ip') asked.add(`ip:${canonicalIp(name.value)}`);
    else throw new AcmeProblem('badCSR', `the CSR asks for a ${name.type} name, which no identifier covers`);
  }
  const commonName = nameValue(csr.subject, OID.commonName);
  if (commonName !== undefined) {
    const key =
      commonName.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(commonName)
        ? `ip:${canonicalIp(commonName)}`
        : `dns:${commonName.toLowerCase()}`;
    if (!wanted.has(key))
      throw new AcmeProblem('badCSR', 'the CSR common name is not one of the order identifiers');
    asked.add(key);
  }
  const missing = [...wanted].filter((name) => !asked.has(name));
  const extra = [...asked].filter((name) => !wanted.has(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new AcmeProblem(
      'badCSR',
      `the CSR must name exactly the order identifiers${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${extra.length > 0 ? `; not in the order: ${extra.join(', ')}` : ''}`,
    );
  }
}
