import type { Clock } from '../../core/clock.js';
import { isPkiError } from '../../core/pki-error.js';
import type { AcmeAccountRecord, AcmeAccounts } from '../../store/acme-state.js';
import type { AccountRequest, KeyRequest } from './acme-authenticator.js';
import { json, type AcmeResponse } from './acme-response.js';
import type { AcmeUrls } from './acme-urls.js';
import { type ExternalAccountKeys, verifyExternalAccountBinding } from './external-account-binding.js';
import { randomId } from './resource-id.js';
import { accountView } from './resource-views.js';
import { AcmeProblem } from './wire/acme-problem.js';
import { jwkThumbprint } from './wire/jwk-thumbprint.js';
import { decodeJwsRequest } from './wire/jws-request.js';

export interface AccountServiceDependencies {
  readonly accounts: AcmeAccounts;
  readonly externalAccountKeys: ExternalAccountKeys;
  readonly urls: AcmeUrls;
  readonly clock: Clock;
}

export interface AccountPolicy {
  /** RFC 8555 §7.3.4: only accounts bound to an operator-made external account key may register. */
  readonly externalAccountRequired: boolean;
  /** When set, newAccount must carry termsOfServiceAgreed: true (RFC 8555 §7.3.3). */
  readonly termsOfService: string | undefined;
  readonly maxBodyBytes: number;
}

const MAX_CONTACTS = 4;
const MAILTO = /^mailto:([^\s@?,;<>"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})$/;

/** RFC 8555 §7.3: registration, lookup, update, deactivation and key rollover of accounts. */
export class AccountService {
  constructor(
    private readonly deps: AccountServiceDependencies,
    private readonly policy: AccountPolicy,
  ) {}

  /** RFC 8555 §7.3 newAccount, §7.3.1 onlyReturnExisting, §7.3.4 external account binding. */
  async newAccount(request: KeyRequest): Promise<AcmeResponse> {
    const payload = request.payload ?? {};
    const existing = await this.deps.accounts.findByThumbprint(request.thumbprint);
    if (existing) {
      if (existing.status !== 'valid')
        throw new AcmeProblem('unauthorized', `the account is ${existing.status}`);
      return json(200, accountView(existing, this.deps.urls), {
        location: this.deps.urls.account(existing.id),
      });
    }
    if (payload['onlyReturnExisting'] === true) {
      throw new AcmeProblem('accountDoesNotExist', 'no account has this key');
    }
    const contact = parseContact(payload['contact']);
    const agreed = payload['termsOfServiceAgreed'];
    if (agreed !== undefined && typeof agreed !== 'boolean') {
      throw new AcmeProblem('malformed', 'termsOfServiceAgreed is not a boolean');
    }
    if (this.policy.termsOfService !== undefined && agreed !== true) {
      throw new AcmeProblem(
        'userActionRequired',
        `agree to the terms of service at ${this.policy.termsOfService}`,
      );
    }
    const binding = payload['externalAccountBinding'];
    if (binding === undefined && this.policy.externalAccountRequired) {
      throw new AcmeProblem(
        'externalAccountRequired',
        'this server registers accounts with an external account binding only',
      );
    }
    const account = {
      id: randomId(),
      keyThumbprint: request.thumbprint,
      jwk: JSON.stringify(request.jwk),
      contact,
      termsOfServiceAgreed: agreed === true,
    };
    const now = this.deps.clock.now();
    let created: AcmeAccountRecord;
    if (binding === undefined) {
      created = await this.deps.accounts
        .create({ ...account, externalAccountKeyId: null }, now)
        .catch((error: unknown) => this.raceOnKey(error, request.thumbprint));
    } else {
      const keyId = await verifyExternalAccountBinding(
        binding,
        { url: this.deps.urls.newAccount, accountJwk: request.jwk },
        this.deps.externalAccountKeys,
      );
      created = await this.deps.accounts
        .createBound({ ...account, externalAccountKeyId: keyId }, now)
        .catch(async (error: unknown) => {
          if (
            isPkiError(error, 'CONFLICT') &&
            !(await this.deps.accounts.findByThumbprint(request.thumbprint))
          ) {
            throw new AcmeProblem(
              'unauthorized',
              'the external account key is unknown, revoked or used already',
            );
          }
          return this.raceOnKey(error, request.thumbprint);
        });
    }
    return json(201, accountView(created, this.deps.urls), { location: this.deps.urls.account(created.id) });
  }

  /** RFC 8555 §7.3.2 update, §7.3.6 deactivation, and POST-as-GET of the account. */
  async account(request: AccountRequest, accountId: string): Promise<AcmeResponse> {
    this.assertOwn(request, accountId);
    const payload = request.payload;
    const location = { location: this.deps.urls.account(accountId) };
    if (payload === undefined) return json(200, accountView(request.account, this.deps.urls), location);
    const status = payload['status'];
    if (status !== undefined && status !== 'deactivated') {
      throw new AcmeProblem('malformed', 'an account can only be changed to status "deactivated"');
    }
    const change = {
      ...(payload['contact'] === undefined ? {} : { contact: parseContact(payload['contact']) }),
      ...(status === 'deactivated' ? { status: 'deactivated' as const } : {}),
    };
    if (Object.keys(change).length === 0)
      return json(200, accountView(request.account, this.deps.urls), location);
    const updated = await this.deps.accounts.update(accountId, change, this.deps.clock.now());
    if (!updated) throw new AcmeProblem('unauthorized', 'the account is no longer valid');
    return json(200, accountView(updated, this.deps.urls), location);
  }

  /** RFC 8555 §7.3.5: the payload is an inner JWS signed by the new key over {account, oldKey}. */
  async keyChange(request: AccountRequest): Promise<AcmeResponse> {
    const inner = request.payload;
    if (inner === undefined) throw new AcmeProblem('malformed', 'keyChange needs an inner JWS as payload');
    const innerRequest = decodeJwsRequest(
      new TextEncoder().encode(JSON.stringify(inner)),
      { url: this.deps.urls.keyChange },
      { maxBytes: this.policy.maxBodyBytes, inner: true },
    );
    if (innerRequest.keyRef !== 'jwk')
      throw new AcmeProblem('malformed', 'the inner JWS must carry the new key as "jwk"');
    const verified = await innerRequest.verify();
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(verified.payload));
    } catch (error) {
      throw new AcmeProblem('malformed', 'the inner JWS payload is not JSON', { cause: error });
    }
    const { account: accountUrl, oldKey } = (body ?? {}) as Record<string, unknown>;
    if (accountUrl !== this.deps.urls.account(request.account.id)) {
      throw new AcmeProblem('malformed', 'the inner JWS names another account');
    }
    if (
      typeof oldKey !== 'object' ||
      oldKey === null ||
      (await jwkThumbprint(oldKey)) !== request.account.keyThumbprint
    ) {
      throw new AcmeProblem('malformed', 'oldKey is not the account key');
    }
    const nextThumbprint = await jwkThumbprint(innerRequest.header.jwk);
    if (nextThumbprint === request.account.keyThumbprint) {
      throw new AcmeProblem('malformed', 'the new key is the current key');
    }
    const holder = await this.deps.accounts.findByThumbprint(nextThumbprint);
    if (holder) throw this.keyInUse(holder.id);
    let changed: AcmeAccountRecord | undefined;
    try {
      changed = await this.deps.accounts.changeKey(
        request.account.id,
        request.account.keyThumbprint,
        { keyThumbprint: nextThumbprint, jwk: JSON.stringify(innerRequest.header.jwk) },
        this.deps.clock.now(),
      );
    } catch (error) {
      const other = isPkiError(error, 'CONFLICT')
        ? await this.deps.accounts.findByThumbprint(nextThumbprint)
        : undefined;
      if (other) throw this.keyInUse(other.id);
      throw error;
    }
    if (!changed)
      throw new AcmeProblem('unauthorized', 'the account key changed meanwhile or the account is not valid');
    return json(200, accountView(changed, this.deps.urls), { location: this.deps.urls.account(changed.id) });
  }

  assertOwn(request: AccountRequest, accountId: string): void {
    if (request.account.id !== accountId) throw new AcmeProblem('unauthorized', 'this is not your account');
  }

  private keyInUse(accountId: string): AcmeProblem {
    return new AcmeProblem('malformed', 'the new key belongs to another account', {
      status: 409,
      location: this.deps.urls.account(accountId),
    });
  }

  /** Two newAccount requests with one key at once: the loser answers with the winner's account. */
  private async raceOnKey(error: unknown, thumbprint: string): Promise<AcmeAccountRecord> {
    if (isPkiError(error, 'CONFLICT')) {
      const winner = await this.deps.accounts.findByThumbprint(thumbprint);
      if (winner) return winner;
    }
    throw error;
  }
}

/** RFC 8555 §7.3: `mailto:` URIs only, one address each, no header fields. */
function parseContact(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw new AcmeProblem('malformed', 'contact is not an array of URIs');
  }
  const contact = value as string[];
  if (contact.length > MAX_CONTACTS)
    throw new AcmeProblem('invalidContact', `at most ${MAX_CONTACTS} contacts`);
  for (const uri of contact) {
    if (!uri.toLowerCase().startsWith('mailto:')) {
      throw new AcmeProblem('unsupportedContact', 'only mailto: contacts are supported');
    }
    if (!MAILTO.test(uri))
      throw new AcmeProblem('invalidContact', 'a contact is not a single mailto: address');
  }
  return contact;
}
