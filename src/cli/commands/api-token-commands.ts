import { Command, InvalidArgumentError } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { OperatorTokens } from '../../api/operator-tokens.js';
import { API_TOKEN_SCOPES, type ApiTokenScope, isApiTokenScope } from '../../store/api-tokens.js';
import type { ApiTokenRecord } from '../../store/api-tokens.js';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../cli-context.js';
import { isoDate, table } from '../format.js';
import { durationOption, positiveIntegerOption } from '../options.js';

/** The command line is the operator with the store at hand: its audit actor, as for every CLI change. */
const ACTOR = 'operator:cli';

function scopeOption(value: string): ApiTokenScope {
  if (!isApiTokenScope(value)) throw new InvalidArgumentError(`use one of ${API_TOKEN_SCOPES.join(', ')}`);
  return value;
}

function operatorTokens(store: Store, ctx: CliContext): OperatorTokens {
  return new OperatorTokens({ tokens: store.apiTokens, audit: store.audit, clock: ctx.io.clock });
}

function stateOf(token: ApiTokenRecord, now: Date): string {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function apiTokenCommand(context: () => CliContext): Command {
  const apiToken = new Command('api-token').description(
    'API tokens for the admin API (/api/v1): create, list, revoke',
  );

  apiToken
    .command('create')
    .description('make an API token; it is printed once and stored only as a SHA-256 hash')
    .argument('<name>', 'unique name (letters, digits, ._@-); the audit trail names its actions after it')
    .requiredOption('--scope <scope>', 'read (GET only) or admin (everything)', scopeOption)
    .option('--expires <duration>', 'lifetime, e.g. 90d (default: until revoked)', durationOption)
    .addHelpText(
      'after',
      '\nSend it as `Authorization: Bearer <token>`. It cannot be shown again: lost, revoke it and make another.',
    )
    .action(async (name: string, options: { scope: ApiTokenScope; expires?: number }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        const created = await operatorTokens(store, ctx).create(ACTOR, {
          name,
          scope: options.scope,
          lifetimeSeconds: options.expires ?? null,
        });
        ctx.out(created.token);
        const expiry =
          created.record.expiresAt === null
            ? 'does not expire'
            : `expires ${isoDate(created.record.expiresAt)} (${formatDuration(options.expires ?? 0)})`;
        ctx.note(
          `API token '${created.record.name}' (${created.record.id}), scope ${created.record.scope}, ${expiry}.`,
        );
        ctx.note('It is shown this once; the server keeps only its hash.');
      });
    });

  apiToken
    .command('list')
    .description('list API tokens (never their secrets)')
    .option('--limit <n>', 'at most this many rows', positiveIntegerOption, 100)
    .action(async (options: { limit: number }) => {
      const ctx = context();
      const now = ctx.io.clock.now();
      await ctx.withStore(async (store) => {
        const tokens = await operatorTokens(store, ctx).list({ limit: options.limit });
        if (tokens.length === 0) {
          ctx.out('No API tokens. Make one with: certfleet api-token create <name> --scope admin');
          return;
        }
        ctx.out(
          table(
            ['NAME', 'ID', 'SCOPE', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED'],
            tokens.map((t) => [
              t.name,
              t.id,
              t.scope,
              stateOf(t, now),
              isoDate(t.createdAt),
              isoDate(t.expiresAt),
              isoDate(t.lastUsedAt),
              isoDate(t.revokedAt),
            ]),
          ),
        );
      });
    });

  apiToken
    .command('revoke')
    .description('revoke an API token by name or id; requests with it are refused from now on')
    .argument('<token>', 'the name or the id of the token')
    .action(async (idOrName: string) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        const revoked = await operatorTokens(store, ctx).revoke(ACTOR, idOrName);
        const { record } = revoked;
        ctx.out(
          revoked.changed
            ? `Revoked API token '${record.name}' (${record.id}).`
            : `API token '${record.name}' (${record.id}) was revoked already on ${isoDate(record.revokedAt)}; nothing changed.`,
        );
      });
    });
  return apiToken;
}
