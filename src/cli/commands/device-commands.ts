import { Command } from 'commander';
import { parseDurationSeconds } from '../../core/duration.js';
import { type DeviceId, toDeviceId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { isProfileName } from '../../pki/profiles/certificate-profile.js';
import { openTokenSecrets } from '../../server/runtime.js';
import type { DeviceState } from '../../store/records.js';
import type { CliContext } from '../cli-context.js';
import { isoDate, table } from '../format.js';
import { durationOption, positiveIntegerOption } from '../options.js';
import { UsageError } from './ca-commands.js';
import { decommissionCommand } from './revocation-commands.js';

const DEFAULT_TOKEN_LIFETIME_SECONDS = parseDurationSeconds('7d');

function deviceId(text: string): DeviceId {
  const id = toDeviceId(text);
  if (!id) throw new UsageError(`'${text}' is not a device id (letters, digits and ._:@/+-, up to 128)`);
  return id;
}

export function deviceCommand(context: () => CliContext): Command {
  const device = new Command('device').description('devices: enrollment tokens, state and history');

  device
    .command('add')
    .description('make a one-time enrollment token for a device without an IDevID (brownfield)')
    .argument('<id>', 'the device id the certificate will name')
    .option('--token', 'create an enrollment token (the default and, for now, only credential)')
    .option(
      '--expires-in <duration>',
      'token lifetime, e.g. 24h',
      durationOption,
      DEFAULT_TOKEN_LIFETIME_SECONDS,
    )
    .option('--profile <name>', 'what the token may obtain', 'ldevid')
    .option('--label <label>', 'EST label the token is valid for (default: any)')
    .addHelpText(
      'after',
      '\nThe token is printed once and stored only as a SHA-256 hash; it works once and expires.',
    )
    .action(async (idText: string, options: { expiresIn: number; profile: string; label?: string }) => {
      const ctx = context();
      const id = deviceId(idText);
      if (!isProfileName(options.profile)) throw new UsageError(`unknown profile '${options.profile}'`);
      const now = ctx.io.clock.now();
      await ctx.withStore(async (store, config) => {
        if ((await store.devices.get(id))?.state === 'decommissioned')
          throw new PkiError(
            'FORBIDDEN',
            `device ${id} is decommissioned; a refurbished device gets a new device id`,
          );
        const { id: tokenId, secret, secretSha256 } = (await openTokenSecrets(config)).mint();
        const token = await store.tokens.create(
          {
            id: tokenId,
            secretSha256,
            deviceId: id,
            profile: options.profile,
            label: options.label ?? null,
            createdBy: 'operator:cli',
            expiresAt: new Date(now.getTime() + options.expiresIn * 1000),
          },
          now,
        );
        await store.audit.append({
          at: now,
          event: 'token.created',
          actor: 'operator:cli',
          subject: `device:${id}`,
          data: { tokenId: token.id, profile: token.profile, expiresAt: token.expiresAt.toISOString() },
        });
        ctx.out(secret);
        ctx.note(
          `Enrollment token ${token.id} for ${id} (${token.profile}), single use, expires ${token.expiresAt.toISOString()}.`,
        );
        ctx.note(
          'EST: the device sends it with HTTP Basic (any user name, the token as password) or as a Bearer token.',
        );
        ctx.note(
          `CMP: the device protects its ir with a MAC: reference ${token.id}, the token as the secret.`,
        );
      });
    });

  device
    .command('list')
    .description('list devices')
    .option('--state <state>', 'only devices in this state')
    .option('--limit <n>', 'at most this many rows', positiveIntegerOption, 100)
    .action(async (options: { state?: string; limit: number }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        const devices = await store.devices.list({
          limit: options.limit,
          ...(options.state === undefined ? {} : { state: options.state as DeviceState }),
        });
        if (devices.length === 0) return ctx.out('No devices.');
        ctx.out(
          table(
            ['DEVICE', 'STATE', 'LDEVID EXPIRES', 'LAST SUCCESS', 'LAST FAILURE'],
            devices.map((d) => [
              d.id,
              d.state,
              isoDate(d.ldevidNotAfter),
              isoDate(d.lastSuccessAt),
              d.lastFailureReason ?? '-',
            ]),
          ),
        );
      });
    });

  device
    .command('show')
    .description('show a device, its certificates and its recent enrollment attempts')
    .argument('<id>', 'device id')
    .action(async (idText: string) => {
      const ctx = context();
      const id = deviceId(idText);
      await ctx.withStore(async (store) => {
        const record = await store.devices.get(id);
        const events = await store.enrollments.list({ deviceId: id, limit: 20 });
        if (!record && events.length === 0) throw new PkiError('NOT_FOUND', `no device ${id}`);
        if (record) {
          ctx.out(`Device:       ${record.id}`);
          ctx.out(`State:        ${record.state}`);
          ctx.out(
            `IDevID:       ${record.idevidSerial ?? '-'}${record.idevidIssuerId ? ` (${record.idevidIssuerId})` : ''}`,
          );
          ctx.out(`LDevID:       ${record.ldevidSerial ?? '-'}, expires ${isoDate(record.ldevidNotAfter)}`);
          ctx.out(`Last success: ${isoDate(record.lastSuccessAt)}`);
          ctx.out(
            `Last failure: ${isoDate(record.lastFailureAt)} ${record.lastFailureReason ?? ''}`.trimEnd(),
          );
        }
        ctx.out('');
        ctx.out(
          table(
            ['TIME', 'PROTOCOL', 'OPERATION', 'OUTCOME', 'REASON', 'SERIAL'],
            events.map((e) => [
              isoDate(e.at),
              e.protocol,
              e.operation,
              e.outcome,
              e.reason ?? '-',
              e.certificateSerial ?? '-',
            ]),
          ),
        );
      });
    });
  device.addCommand(decommissionCommand(context));
  return device;
}
