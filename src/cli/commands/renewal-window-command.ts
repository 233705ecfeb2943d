import { Command } from 'commander';
import { type IssuerId, type SerialHex, toDeviceId, toSerialHex } from '../../core/ids.js';
import { RenewalWindowRequests } from '../../ra/renewal-window-requests.js';
import type { CliContext } from '../cli-context.js';
import { dateOption, issuerIdOption } from '../options.js';
import { UsageError } from './ca-commands.js';

/**
 * `certfleet cert renewal-window`: pulls the RFC 9773 suggested renewal window of certificates forward, so ACME
 * clients and device agents renew early (e.g. before an intermediate is retired).
 */
export function renewalWindowCommand(context: () => CliContext): Command {
  return new Command('renewal-window')
    .description(
      'ask clients to renew early: set the RFC 9773 renewal window of certificates in force (ACME renewalInfo, device agents)',
    )
    .argument('[serials...]', 'hex serials of the certificates')
    .option(
      '--issuer <id>',
      'every certificate in force of this issuer (with serials: only those of it)',
      issuerIdOption,
    )
    .option('--device <id>', "the device's certificates in force")
    .option('--start <date>', 'when the window opens, ISO 8601 (default: now)', dateOption)
    .requiredOption(
      '--end <date>',
      'when it closes, ISO 8601 (clients renew at a random time in between)',
      dateOption,
    )
    .option('--explanation-url <url>', 'a page telling operators why (RFC 9773 explanationURL)')
    .action(
      async (
        serialTexts: string[],
        options: { issuer?: IssuerId; device?: string; start?: Date; end: Date; explanationUrl?: string },
      ) => {
        const ctx = context();
        const serials = serialTexts.map((text): SerialHex => {
          const serial = toSerialHex(text);
          if (!serial) throw new UsageError(`'${text}' is not a hex serial number`);
          return serial;
        });
        const deviceId = options.device === undefined ? undefined : toDeviceId(options.device);
        if (options.device !== undefined && !deviceId)
          throw new UsageError(`'${options.device}' is not a device id`);
        if (serials.length === 0 && options.issuer === undefined && deviceId === undefined) {
          throw new UsageError('name serials, --issuer <id> or --device <id>');
        }
        if (options.explanationUrl !== undefined && !/^https?:\/\/\S+$/.test(options.explanationUrl)) {
          throw new UsageError('--explanation-url must be an http(s) URL');
        }
        await ctx.withRuntime(async (runtime) => {
          const requests = new RenewalWindowRequests({
            certificates: runtime.store.certificates,
            windows: runtime.store.renewalWindows,
            audit: runtime.store.audit,
            clock: runtime.clock,
          });
          const result = await requests.pullForward(
            { kind: 'operator', name: 'cli' },
            {
              ...(options.issuer === undefined ? {} : { issuerId: options.issuer }),
              ...(deviceId === undefined ? {} : { deviceId }),
              ...(serials.length === 0 ? {} : { serials }),
            },
            {
              start: options.start ?? runtime.clock.now(),
              end: options.end,
              explanationUrl: options.explanationUrl ?? null,
            },
          );
          ctx.out(
            `Set the renewal window ${result.start.toISOString()} – ${result.end.toISOString()} on ${result.certificates} certificate(s).`,
          );
        });
      },
    );
}
