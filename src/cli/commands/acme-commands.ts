import { Command } from 'commander';
import {
  externalAccountKeyState,
  ExternalAccountKeyRegistrar,
} from '../../api/external-account-key-registrar.js';
import { ExternalAccountKeys } from '../../protocols/acme/external-account-binding.js';
import { openAcmeKey } from '../../server/acme-setup.js';
import type { Config } from '../../server/config-schema.js';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../cli-context.js';
import { isoDate, table } from '../format.js';

/** The command line is the operator with the store at hand: its audit actor, as for every CLI change. */
const ACTOR = 'operator:cli';

async function registrar(store: Store, config: Config, ctx: CliContext, withMacKeys: boolean) {
  return new ExternalAccountKeyRegistrar({
    keys: store.acmeAccounts,
    // Only `create` needs the ACME key; listing and revoking do not make the key file exist.
    macKeys: withMacKeys ? new ExternalAccountKeys(await openAcmeKey(config)) : null,
    audit: store.audit,
    clock: ctx.io.clock,
  });
}

export function acmeCommand(context: () => CliContext): Command {
  const acme = new Command('acme').description('the ACME server (/acme): external account binding keys');
  const eab = new Command('eab').description(
    'external account binding keys (RFC 8555 §7.3.4): create, list, revoke',
  );
  acme.addCommand(eab);

  eab
    .command('create')
    .description('make a key id and HMAC key for one ACME client; the HMAC key is printed once')
    .option('--label <text>', 'what the key is for (a customer, a site), shown in lists')
    .option(
      '--dns-names <patterns>',
      'scope: the names its account may obtain, comma-separated (*.example.net, exact names), within acme.policy',
    )
    .option('--ip-ranges <cidrs>', 'scope: the IP ranges its account may obtain, comma-separated CIDR')
    .addHelpText(
      'after',
      '\nHand both to the client, e.g. certbot --eab-kid <key id> --eab-hmac-key <HMAC key>. The key binds the ' +
        'first account registered with it; with acme.externalAccountRequired only such accounts may register.',
    )
    .action(async (options: { label?: string; dnsNames?: string; ipRanges?: string }) => {
      const ctx = context();
      const list = (text: string | undefined) =>
        (text ?? '')
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== '');
      const scope =
        options.dnsNames === undefined && options.ipRanges === undefined
          ? null
          : { dnsNames: list(options.dnsNames), ipRanges: list(options.ipRanges) };
      await ctx.withStore(async (store, config) => {
        const created = await (
          await registrar(store, config, ctx, true)
        ).create(ACTOR, options.label ?? '', scope);
        ctx.out(`Key ID:   ${created.record.keyId}`);
        ctx.out(`HMAC key: ${created.hmacKey}`);
        ctx.note(
          `External account key ${created.record.keyId}${created.record.label === '' ? '' : ` ('${created.record.label}')`} made.`,
        );
        ctx.note(
          'The HMAC key is shown this once; the server derives it from its ACME key and never stores it.',
        );
      });
    });

  eab
    .command('list')
    .description('list external account keys, oldest first, and the account each one bound (never HMAC keys)')
    .action(async () => {
      const ctx = context();
      await ctx.withStore(async (store, config) => {
        const keys = await (await registrar(store, config, ctx, false)).list();
        if (keys.length === 0) {
          ctx.out('No external account keys. Make one with: certfleet acme eab create --label <text>');
          return;
        }
        ctx.out(
          table(
            ['KEY ID', 'STATE', 'CREATED', 'ACCOUNT', 'BOUND', 'REVOKED', 'SCOPE', 'LABEL'],
            keys.map((key) => [
              key.keyId,
              externalAccountKeyState(key),
              isoDate(key.createdAt),
              key.boundAccountId ?? '-',
              isoDate(key.boundAt),
              isoDate(key.revokedAt),
              key.identifierScope === null
                ? '-'
                : [...key.identifierScope.dnsNames, ...key.identifierScope.ipRanges].join(','),
              key.label === '' ? '-' : key.label,
            ]),
          ),
        );
      });
    });

  eab
    .command('revoke')
    .description('revoke an external account key: no account registers with it from now on')
    .argument('<keyId>', 'the key id (eab_…, see acme eab list)')
    .addHelpText(
      'after',
      '\nAn account the key bound already keeps working; deactivate that account to end it.',
    )
    .action(async (keyId: string) => {
      const ctx = context();
      await ctx.withStore(async (store, config) => {
        const revoked = await (await registrar(store, config, ctx, false)).revoke(ACTOR, keyId);
        const { record } = revoked;
        const bound =
          record.boundAccountId === null ? '' : `; account ${record.boundAccountId} it bound keeps working`;
        ctx.out(
          revoked.changed
            ? `Revoked external account key ${record.keyId}${bound}.`
            : `External account key ${record.keyId} was revoked already on ${isoDate(record.revokedAt)}; nothing changed.`,
        );
      });
    });
  return acme;
}
