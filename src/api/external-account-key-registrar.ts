import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import { isDnsName } from '../pki/general-names.js';
import { AcmeIdentifierPolicy } from '../ra/acme-identifier-policy.js';
import { ExternalAccountKeys } from '../protocols/acme/external-account-binding.js';
import { encodeBase64url } from '../protocols/acme/wire/base64url.js';
import type { AcmeAccounts, AcmeExternalAccountKeyRecord, AcmeIdentifierScope } from '../store/acme-state.js';
import type { AuditLog } from '../store/audit-log.js';

/** Labels are a note for operators (a customer, a site), shown in lists: one line of reasonable length. */
export const MAX_EAB_LABEL_LENGTH = 200;
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** RFC 8555 §7.3.4: the pair an operator hands to a client out of band. */
export interface CreatedExternalAccountKey {
  readonly record: AcmeExternalAccountKeyRecord;
  /** The MAC key, base64url without padding, as ACME clients take it (certbot `--eab-hmac-key`). */
  readonly hmacKey: string;
}

export interface RevokedExternalAccountKey {
  readonly record: AcmeExternalAccountKeyRecord;
  /** False when it was revoked already: nothing changed and nothing was audited. */
  readonly changed: boolean;
}

/** Where a page of keys ends: the sort key of its last key. */
export interface ExternalAccountKeyPosition {
  readonly createdAt: Date;
  readonly keyId: string;
}

/** Whether a key can still bind an account, as lists show it. */
export type ExternalAccountKeyState = 'unused' | 'bound' | 'revoked';

export function externalAccountKeyState(record: AcmeExternalAccountKeyRecord): ExternalAccountKeyState {
  if (record.revokedAt !== null) return 'revoked';
  return record.boundAccountId === null ? 'unused' : 'bound';
}

/**
 * External account binding keys as the command line and the admin API manage them: a new key id, its MAC key
 * derived from the deployment's ACME key (so the store never holds it and the server can check a binding with
 * the id alone), and each creation and revocation audited (`acme-eab-key.created`, `acme-eab-key.revoked`).
 * The MAC key is in the creation's result only.
 */
export class ExternalAccountKeyRegistrar {
  constructor(
    private readonly deps: {
      readonly keys: Pick<
        AcmeAccounts,
        | 'addExternalAccountKey'
        | 'getExternalAccountKey'
        | 'listExternalAccountKeys'
        | 'revokeExternalAccountKey'
      >;
      /** Null where the ACME key is not at hand: then keys can be listed and revoked, not made. */
      readonly macKeys: Pick<ExternalAccountKeys, 'macKeyFor'> | null;
      readonly audit: Pick<AuditLog, 'append'>;
      readonly clock: Clock;
    },
  ) {}

  /** `actor` is the audit trail's name of who asks, e.g. `operator:cli`. */
  async create(
    actor: string,
    label: string,
    identifierScope: AcmeIdentifierScope | null = null,
  ): Promise<CreatedExternalAccountKey> {
    if (label.length > MAX_EAB_LABEL_LENGTH || CONTROL_CHARACTERS.test(label)) {
      throw new PkiError(
        'MALFORMED_INPUT',
        `the label must be one line of at most ${MAX_EAB_LABEL_LENGTH} characters`,
        { details: { in: 'body', pointer: '/label' } },
      );
    }
    if (identifierScope !== null) {
      if (identifierScope.dnsNames.length === 0 && identifierScope.ipRanges.length === 0) {
        throw new PkiError('MALFORMED_INPUT', 'a scope names at least one DNS name pattern or IP range', {
          details: { in: 'body', pointer: '/dnsNames' },
        });
      }
      // The same parser the server applies it with: a pattern or range it would refuse is refused now.
      try {
        new AcmeIdentifierPolicy(identifierScope);
      } catch (error) {
        throw new PkiError('MALFORMED_INPUT', isPkiError(error) ? error.message : 'the scope is not valid', {
          cause: error,
          details: { in: 'body', pointer: '/ipRanges' },
        });
      }
      for (const pattern of identifierScope.dnsNames) {
        const name = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
        if (pattern !== '*' && !isDnsName(name, false)) {
          throw new PkiError(
            'MALFORMED_INPUT',
            `'${pattern}' is not a DNS name pattern (*, *.example.net or a name)`,
            {
              details: { in: 'body', pointer: '/dnsNames' },
            },
          );
        }
      }
    }
    if (this.deps.macKeys === null) {
      throw new PkiError(
        'UNAVAILABLE',
        'this node has no ACME key to derive the MAC key with; use certfleet acme eab create',
      );
    }
    // 64 random bits: ids are looked up, never guessed into use (the MAC key is what proves possession).
    const keyId = `eab_${randomBytes(8).toString('hex')}`;
    const at = this.deps.clock.now();
    const record = await this.deps.keys.addExternalAccountKey(keyId, label, at, identifierScope);
    await this.deps.audit.append({
      at,
      event: 'acme-eab-key.created',
      actor,
      subject: `acme-eab-key:${keyId}`,
      data: {
        label,
        ...(identifierScope === null
          ? {}
          : { dnsNames: identifierScope.dnsNames.join(','), ipRanges: identifierScope.ipRanges.join(',') }),
      },
    });
    return { record, hmacKey: encodeBase64url(this.deps.macKeys.macKeyFor(keyId)) };
  }

  /**
   * Oldest first (by creation, then key id), those after `after` and at most `limit` of them. Operators make these
   * keys by hand, a few per customer or site, so the whole list is read and the page cut here.
   */
  async list(
    query: { readonly after?: ExternalAccountKeyPosition; readonly limit?: number } = {},
  ): Promise<readonly AcmeExternalAccountKeyRecord[]> {
    const { after, limit } = query;
    const all = await this.deps.keys.listExternalAccountKeys();
    const rest =
      after === undefined
        ? all
        : all.filter((key) => {
            const delta = key.createdAt.getTime() - after.createdAt.getTime();
            return delta > 0 || (delta === 0 && key.keyId > after.keyId);
          });
    return limit === undefined ? rest : rest.slice(0, limit);
  }

  /**
   * Refuses the key to every later newAccount; an account it bound already keeps working (deactivate that
   * account to end it). NOT_FOUND for an unknown key id.
   */
  async revoke(actor: string, keyId: string): Promise<RevokedExternalAccountKey> {
    const known = ExternalAccountKeys.isKeyId(keyId)
      ? await this.deps.keys.getExternalAccountKey(keyId)
      : undefined;
    if (known === undefined) throw new PkiError('NOT_FOUND', `no external account key '${keyId}'`);
    if (known.revokedAt !== null) return { record: known, changed: false };
    const at = this.deps.clock.now();
    const record = await this.deps.keys.revokeExternalAccountKey(keyId, at);
    if (record === undefined) throw new PkiError('NOT_FOUND', `no external account key '${keyId}'`);
    await this.deps.audit.append({
      at,
      event: 'acme-eab-key.revoked',
      actor,
      subject: `acme-eab-key:${keyId}`,
      data: { boundAccountId: record.boundAccountId },
    });
    return { record, changed: true };
  }
}
