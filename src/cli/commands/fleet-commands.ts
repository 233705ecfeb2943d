import { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { DEFAULT_AT_RISK_POLICY } from '../../fleet/at-risk-policy.js';
import { type AtRiskDevice, FleetStatus, type FleetState } from '../../fleet/fleet-status.js';
import type { CliContext } from '../cli-context.js';
import { isoDate, table, timeLeft } from '../format.js';
import { durationOption, positiveIntegerOption } from '../options.js';

/** The states as `fleet status` lists them, from the best to the worst. */
const STATE_ROWS: ReadonlyArray<readonly [FleetState, string]> = [
  ['healthy', 'healthy'],
  ['renewal_due', 'renewal due'],
  ['at_risk', 'at risk'],
  ['expired', 'expired'],
  ['provisioned', 'provisioned'],
  ['revoked', 'revoked'],
  ['decommissioned', 'decommissioned'],
];

const RULES_HELP = `
A device is at risk when, with less than the margin left on the certificate it uses, its renewal is
overdue (past the renewal point csrattrs announces) or it was renewed twice or more but still
authenticates with an older certificate (renewed, not deployed); or when its last enrollment attempts
failed (--failures in a row). See docs/fleet.md.`;

export function fleetCommand(context: () => CliContext): Command {
  const fleet = new Command('fleet').description('the fleet view: devices per state, devices at risk');

  fleet
    .command('status')
    .description(
      'count devices per state: healthy, renewal due, at risk, expired, provisioned, revoked, decommissioned',
    )
    .option(
      '--margin <duration>',
      `at risk with less than this left, e.g. 7d or 90s (default ${formatDuration(DEFAULT_AT_RISK_POLICY.marginSeconds)})`,
      durationOption,
    )
    .option(
      '--failures <n>',
      `at risk after this many failed attempts in a row (default ${DEFAULT_AT_RISK_POLICY.failureThreshold})`,
      positiveIntegerOption,
    )
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', RULES_HELP)
    .action(async (options: { margin?: number; failures?: number; json?: boolean }) => {
      const ctx = context();
      const now = ctx.io.clock.now();
      await ctx.withStore(async (store) => {
        const status = new FleetStatus(store.fleet, policyOf(options.margin, options.failures));
        const counts = await status.countByState(now);
        if (options.json) {
          ctx.out(JSON.stringify({ at: now.toISOString(), ...status.policy, counts }, null, 2));
          return;
        }
        ctx.out(`Fleet at ${isoDate(now)} (${describePolicy(status)})`);
        ctx.out('');
        ctx.out(
          table(
            ['STATE', 'DEVICES'],
            [
              ...STATE_ROWS.map(([state, label]) => [label, String(counts[state])]),
              ['total', String(counts.total)],
            ],
          ),
        );
      });
    });

  fleet
    .command('at-risk')
    .description('list the devices at risk, soonest expiry first, with the reason and the certificate in use')
    .option(
      '--within <duration>',
      `the margin: at risk with less than this left, e.g. 14d or 90s (default ${formatDuration(DEFAULT_AT_RISK_POLICY.marginSeconds)})`,
      durationOption,
    )
    .option(
      '--failures <n>',
      `at risk after this many failed attempts in a row (default ${DEFAULT_AT_RISK_POLICY.failureThreshold})`,
      positiveIntegerOption,
    )
    .option('--limit <n>', 'at most this many devices (up to 10000)', positiveIntegerOption, 100)
    .option('--offset <n>', 'skip this many devices first (the next page)', nonNegativeIntegerOption, 0)
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', RULES_HELP)
    .action(
      async (options: {
        within?: number;
        failures?: number;
        limit: number;
        offset: number;
        json?: boolean;
      }) => {
        const ctx = context();
        const now = ctx.io.clock.now();
        await ctx.withStore(async (store) => {
          const status = new FleetStatus(store.fleet, policyOf(options.within, options.failures));
          const devices = await status.atRisk(now, { limit: options.limit, offset: options.offset });
          if (options.json) {
            const json = {
              at: now.toISOString(),
              ...status.policy,
              devices: devices.map((d) => toJson(d, now)),
            };
            ctx.out(JSON.stringify(json, null, 2));
            return;
          }
          if (devices.length === 0) {
            ctx.out(`No devices at risk (${describePolicy(status)}).`);
            return;
          }
          ctx.out(
            table(
              [
                'DEVICE',
                'REASON',
                'CERTIFICATE IN USE',
                'NOT AFTER',
                'LEFT',
                'LAST SUCCESS',
                'LAST FAILURE',
                'FAILURES',
                'FAILURE REASON',
              ],
              devices.map((d) => [
                d.deviceId,
                d.reason,
                d.inUse?.serial ?? '-',
                isoDate(d.inUse?.notAfter ?? null),
                d.inUse ? timeLeft(d.inUse.notAfter, now) : '-',
                isoDate(d.lastSuccessAt),
                isoDate(d.lastFailureAt),
                String(d.consecutiveFailures),
                d.lastFailureReason ?? '-',
              ]),
            ),
          );
          if (devices.length === options.limit)
            ctx.note(
              `Showing ${devices.length} from ${options.offset}; --offset ${options.offset + devices.length} for more.`,
            );
        });
      },
    );
  return fleet;
}

function policyOf(marginSeconds: number | undefined, failureThreshold: number | undefined) {
  return {
    ...(marginSeconds === undefined ? {} : { marginSeconds }),
    ...(failureThreshold === undefined ? {} : { failureThreshold }),
  };
}

function describePolicy(status: FleetStatus): string {
  const { marginSeconds, failureThreshold } = status.policy;
  return `at risk: less than ${formatDuration(marginSeconds)} left, or ${failureThreshold} failures in a row`;
}

function toJson(device: AtRiskDevice, now: Date) {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  return {
    deviceId: device.deviceId,
    productLine: device.productLine,
    reason: device.reason,
    inUse:
      device.inUse === null
        ? null
        : {
            serial: device.inUse.serial,
            notAfter: device.inUse.notAfter.toISOString(),
            secondsLeft: Math.floor((device.inUse.notAfter.getTime() - now.getTime()) / 1000),
          },
    newestSerial: device.newestSerial,
    renewAt: iso(device.renewAt),
    consecutiveFailures: device.consecutiveFailures,
    lastSuccessAt: iso(device.lastSuccessAt),
    lastFailureAt: iso(device.lastFailureAt),
    lastFailureReason: device.lastFailureReason,
    lastPresentedAt: iso(device.lastPresentedAt),
  };
}

function nonNegativeIntegerOption(value: string): number {
  return value === '0' ? 0 : positiveIntegerOption(value);
}
