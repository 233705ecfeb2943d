import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type {
  ApiTokenQuery,
  ApiTokenRecord,
  ApiTokens,
  ApiTokenScope,
  CreatedApiToken,
  RevokedApiToken,
} from '../store/api-tokens.js';
import type { AuditLog } from '../store/audit-log.js';

/**
 * Names an API token may not take: `cli` is the actor of the command line (`operator:cli`), so a token of that
 * name would make the audit trail ambiguous.
 */
const RESERVED_NAMES = new Set(['cli']);

export interface NewOperatorToken {
  readonly name: string;
  readonly scope: ApiTokenScope;
  /** Null: never expires (until revoked). */
  readonly lifetimeSeconds: number | null;
}

/**
 * Operators' API tokens as the command line and the API manage them: each creation and revocation is audited
 * (`api-token.created`, `api-token.revoked`) with who did it. The token's secret is in the result once and
 * nowhere else: neither the store nor the audit trail holds it.
 */
export class OperatorTokens {
  constructor(
    private readonly deps: {
      readonly tokens: ApiTokens;
      readonly audit: Pick<AuditLog, 'append'>;
      readonly clock: Clock;
    },
  ) {}

  /** `actor` is the audit trail's name of who asks, e.g. `operator:cli`. */
  async create(actor: string, token: NewOperatorToken): Promise<CreatedApiToken> {
    if (RESERVED_NAMES.has(token.name)) {
      throw new PkiError('CONFLICT', `'${token.name}' is reserved; choose another name`);
    }
    const lifetime = token.lifetimeSeconds;
    if (lifetime !== null && (!Number.isSafeInteger(lifetime) || lifetime <= 0)) {
      throw new PkiError('MALFORMED_INPUT', 'the lifetime must be a positive whole number of seconds');
    }
    const at = this.deps.clock.now();
    const created = await this.deps.tokens.create(
      {
        name: token.name,
        scope: token.scope,
        expiresAt: lifetime === null ? null : new Date(at.getTime() + lifetime * 1000),
      },
      at,
    );
    await this.deps.audit.append({
      at,
      event: 'api-token.created',
      actor,
      subject: `api-token:${created.record.name}`,
      data: {
        id: created.record.id,
        scope: created.record.scope,
        expiresAt: created.record.expiresAt?.toISOString() ?? null,
      },
    });
    return created;
  }

  list(query: ApiTokenQuery): Promise<readonly ApiTokenRecord[]> {
    return this.deps.tokens.list(query);
  }

  find(idOrName: string): Promise<ApiTokenRecord | undefined> {
    return this.deps.tokens.find(idOrName);
  }

  /** Revokes by id or name; a token revoked already stays as it was, and nothing is audited again. */
  async revoke(actor: string, idOrName: string): Promise<RevokedApiToken> {
    const at = this.deps.clock.now();
    const revoked = await this.deps.tokens.revoke(idOrName, at);
    if (revoked.changed) {
      await this.deps.audit.append({
        at,
        event: 'api-token.revoked',
        actor,
        subject: `api-token:${revoked.record.name}`,
        data: { id: revoked.record.id },
      });
    }
    return revoked;
  }
}
