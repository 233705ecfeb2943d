import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createAlertChannels, resolveAlertPaths } from '../../alerts/alert-channels.js';
import { asChannelError } from '../../alerts/alert-channel.js';
import type { AlertNotification } from '../../alerts/alert-notification.js';
import { defaultAlertRules } from '../../alerts/default-alert-rules.js';
import { PkiError } from '../../core/pki-error.js';
import { resolveSecretReference } from '../../keys/secret-reference.js';
import {
  ALERT_RULE_KINDS,
  ALERT_SUBJECT_KINDS,
  DEFAULT_EXPIRY_THRESHOLDS_DAYS,
} from '../../store/alert-rules.js';
import type {
  AlertCondition,
  AlertRuleKind,
  AlertRuleRecord,
  AlertSubjectKind,
  NewAlertRule,
  QuietHours,
} from '../../store/alert-rules.js';
import { DELIVERY_STATUSES } from '../../store/delivery-log.js';
import type { DeliveryRecord, DeliveryStatus } from '../../store/delivery-log.js';
import type { Config } from '../../server/config-schema.js';
import type { CliContext } from '../cli-context.js';
import { isoDate, table } from '../format.js';
import { positiveIntegerOption } from '../options.js';
import { UsageError } from './ca-commands.js';

const RULES_HELP = `
Kinds: expiry (--thresholds, days before notAfter, default ${DEFAULT_EXPIRY_THRESHOLDS_DAYS.join(',')}), expired,
invalid-chain, hostname-mismatch, unreachable (--failures, probes in a row), fleet-at-risk (--above-count
and/or --above-share). A rule notifies once per threshold crossing and once when it clears. See docs/alerts.md.`;

interface AddOptions {
  kind: AlertRuleKind;
  thresholds?: number[];
  failures?: number;
  aboveCount?: number;
  aboveShare?: number;
  subjectKind?: AlertSubjectKind;
  label?: string;
  channel?: string[];
  disabled?: boolean;
  quietHours?: { start: string; end: string };
  timeZone?: string;
}

export function alertsCommand(context: () => CliContext): Command {
  const alerts = new Command('alerts').description('alert rules, their delivery log, and channel tests');

  alerts
    .command('rules')
    .description('list the alert rules')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        const rules = await store.alertRules.list();
        if (options.json) {
          ctx.out(JSON.stringify(rules.map(ruleJson), null, 2));
          return;
        }
        if (rules.length === 0) {
          ctx.out('No alert rules. `certfleet alerts rule add-defaults` adds the default ones.');
          return;
        }
        ctx.out(
          table(
            ['NAME', 'KIND', 'PARAMETERS', 'SUBJECTS', 'CHANNELS', 'ENABLED', 'QUIET HOURS'],
            rules.map((r) => [
              r.name,
              r.condition.kind,
              describeParameters(r.condition),
              describeSubjects(r),
              r.channels.join(',') || '-',
              r.enabled ? 'yes' : 'no',
              r.quietHours ? `${r.quietHours.start}-${r.quietHours.end} ${r.quietHours.timeZone}` : '-',
            ]),
          ),
        );
      });
    });

  const rule = alerts.command('rule').description('add, remove, enable or disable an alert rule');

  rule
    .command('add')
    .description('add an alert rule')
    .argument('<name>', 'the rule name (letters, digits, . _ -)')
    .addOption(
      new Option('--kind <kind>', 'what the rule watches')
        .choices([...ALERT_RULE_KINDS])
        .makeOptionMandatory(),
    )
    .option('--thresholds <days>', 'expiry: days before notAfter, descending, e.g. 30,14,7,1', daysListOption)
    .option('--failures <n>', 'unreachable: failed probes in a row (default 3)', positiveIntegerOption)
    .option(
      '--above-count <n>',
      'fleet-at-risk: fires above this many devices at risk',
      nonNegativeIntegerOption,
    )
    .option(
      '--above-share <fraction>',
      'fleet-at-risk: fires above this share of the fleet, e.g. 0.05',
      shareOption,
    )
    .addOption(
      new Option('--subject-kind <kind>', 'only subjects of this kind').choices([...ALERT_SUBJECT_KINDS]),
    )
    .option('--label <glob>', "only subjects whose label matches, e.g. '*.example.com:*'")
    .option('--channel <name...>', 'notify these configured channels (default: none)')
    .option('--disabled', 'add it disabled')
    .option(
      '--quiet-hours <HH:MM-HH:MM>',
      'hold non-critical notices in this local time window',
      quietHoursOption,
    )
    .option('--time-zone <zone>', 'the time zone of --quiet-hours (IANA name; default UTC)')
    .addHelpText('after', RULES_HELP)
    .action(async (name: string, options: AddOptions) => {
      const ctx = context();
      const newRule: NewAlertRule = {
        name,
        condition: conditionOf(options),
        subjects: {
          ...(options.subjectKind === undefined ? {} : { kind: options.subjectKind }),
          ...(options.label === undefined ? {} : { labelPattern: options.label }),
        },
        channels: options.channel ?? [],
        enabled: options.disabled !== true,
        quietHours: quietHoursOf(options),
      };
      await ctx.withStore(async (store, config) => {
        checkChannelsConfigured(newRule.channels, config);
        const added = await store.alertRules.add(newRule, ctx.io.clock.now());
        ctx.out(`Added alert rule ${added.name} (${added.condition.kind}${enabledNote(added)}).`);
      });
    });

  rule
    .command('add-defaults')
    .description('add the default rules whose names are free, notifying every configured channel')
    .option('--channel <name...>', 'notify these channels instead of every configured one')
    .action(async (options: { channel?: string[] }) => {
      const ctx = context();
      await ctx.withStore(async (store, config) => {
        const channels = options.channel ?? Object.keys(config.alerts.channels);
        checkChannelsConfigured(channels, config);
        const now = ctx.io.clock.now();
        const existing = new Set((await store.alertRules.list()).map((r) => r.name));
        const added: string[] = [];
        for (const candidate of defaultAlertRules(channels)) {
          if (existing.has(candidate.name)) continue;
          await store.alertRules.add(candidate, now);
          added.push(candidate.name);
        }
        ctx.out(added.length === 0 ? 'Every default rule exists already.' : `Added: ${added.join(', ')}.`);
      });
    });

  rule
    .command('remove')
    .description('remove a rule and its alert states (its deliveries stay in the log)')
    .argument('<name>', 'the rule name')
    .action(async (name: string) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        await store.alertRules.remove(name);
        ctx.out(`Removed alert rule ${name}.`);
      });
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    rule
      .command(verb)
      .description(enabled ? 'evaluate the rule again' : 'stop evaluating the rule (its states are kept)')
      .argument('<name>', 'the rule name')
      .action(async (name: string) => {
        const ctx = context();
        await ctx.withStore(async (store) => {
          await store.alertRules.setEnabled(name, enabled);
          ctx.out(`Alert rule ${name} is ${enabled ? 'enabled' : 'disabled'}.`);
        });
      });
  }

  alerts
    .command('deliveries')
    .description('the delivery log, newest first: every notice per channel, its attempts and status')
    .addOption(
      new Option('--status <status>', 'only deliveries in this status').choices([...DELIVERY_STATUSES]),
    )
    .option('--rule <name>', 'only the deliveries of this rule')
    .option('--channel <name>', 'only the deliveries to this channel')
    .option('--limit <n>', 'at most this many (up to 10000)', positiveIntegerOption, 50)
    .option('--before <id>', 'only deliveries with a smaller id (the next page)', positiveIntegerOption)
    .option('--json', 'print JSON (with every attempt) instead of a table')
    .action(
      async (options: {
        status?: DeliveryStatus;
        rule?: string;
        channel?: string;
        limit: number;
        before?: number;
        json?: boolean;
      }) => {
        const ctx = context();
        await ctx.withStore(async (store) => {
          const deliveries = await store.alertDeliveries.list({
            limit: options.limit,
            ...(options.status === undefined ? {} : { status: options.status }),
            ...(options.rule === undefined ? {} : { ruleName: options.rule }),
            ...(options.channel === undefined ? {} : { channel: options.channel }),
            ...(options.before === undefined ? {} : { beforeId: options.before }),
          });
          if (options.json) {
            const withAttempts = await Promise.all(
              deliveries.map(async (d) => ({
                ...deliveryJson(d),
                attemptLog: (await store.alertDeliveries.attempts(d.id)).map((a) => ({
                  attempt: a.attempt,
                  at: a.at.toISOString(),
                  outcome: a.outcome,
                  error: a.error,
                  durationMs: a.durationMs,
                })),
              })),
            );
            ctx.out(JSON.stringify(withAttempts, null, 2));
            return;
          }
          if (deliveries.length === 0) {
            ctx.out('No deliveries.');
            return;
          }
          ctx.out(
            table(
              [
                'ID',
                'CREATED',
                'RULE',
                'SUBJECT',
                'EVENT',
                'LEVEL',
                'CHANNEL',
                'STATUS',
                'ATTEMPTS',
                'NEXT/DONE',
                'LAST ERROR',
              ],
              deliveries.map((d) => [
                String(d.id),
                isoDate(d.createdAt),
                d.ruleName,
                d.subjectKey,
                d.event,
                d.level,
                d.channel,
                d.status,
                String(d.attempts),
                isoDate(d.status === 'delivered' ? d.deliveredAt : d.nextAttemptAt),
                d.lastError ?? '-',
              ]),
            ),
          );
          const last = deliveries[deliveries.length - 1];
          if (deliveries.length === options.limit && last !== undefined) {
            ctx.note(`Showing ${deliveries.length}; --before ${last.id} for more.`);
          }
        });
      },
    );

  alerts
    .command('test')
    .description('send a test notice through a configured channel now and print the outcome (not logged)')
    .argument('<channel>', 'the channel name (alerts.channels)')
    .action(async (name: string) => {
      const ctx = context();
      const loaded = await ctx.loadedConfig();
      const config = resolveAlertPaths(loaded.config.alerts, loaded.baseDir);
      const spec = config.channels[name];
      if (spec === undefined) throw unknownChannel(name, loaded.config);
      const channels = await createAlertChannels(
        { channels: { [name]: spec }, timeoutSeconds: config.timeoutSeconds },
        {
          resolveSecret: (reference, purpose) =>
            resolveSecretReference(reference, { env: ctx.io.env, purpose }),
          readTextFile: (path) => readFile(path, 'utf8'),
          clock: ctx.io.clock,
        },
      );
      const channel = channels.get(name);
      if (channel === undefined) throw unknownChannel(name, loaded.config);
      const now = ctx.io.clock.now();
      try {
        await channel.send(testNotification(name, now));
      } catch (thrown) {
        const error = asChannelError(thrown);
        throw new PkiError(
          error.code,
          `test notice through ${channel.type} channel ${name} failed: ${error.message}`,
          {
            cause: error,
            details: { retryable: error.retryable },
          },
        );
      }
      ctx.out(`Sent a test notice through ${channel.type} channel ${name}.`);
    });

  return alerts;
}

function testNotification(channel: string, now: Date): AlertNotification {
  return {
    event: 'firing',
    rule: { name: 'test', kind: 'expiry' },
    subject: { key: `test:${channel}`, label: 'certfleet test notice', kind: 'certificate' },
    level: 'test',
    critical: false,
    summary: `certfleet test notice for channel ${channel}`,
    detail: 'sent by `certfleet alerts test`; no action needed',
    at: now.toISOString(),
    firingSince: null,
    notAfter: null,
  };
}

function unknownChannel(name: string, config: Config): PkiError {
  const known = Object.keys(config.alerts.channels);
  return new PkiError(
    'NOT_FOUND',
    `no alert channel is named '${name}' (configured: ${known.length === 0 ? 'none' : known.join(', ')})`,
  );
}

function checkChannelsConfigured(channels: readonly string[], config: Config): void {
  for (const channel of channels) {
    if (config.alerts.channels[channel] === undefined) throw unknownChannel(channel, config);
  }
}

function conditionOf(options: AddOptions): AlertCondition {
  const misplaced = (flag: string, kind: string) => new UsageError(`${flag} applies to ${kind} rules only`);
  if (options.kind !== 'expiry' && options.thresholds !== undefined)
    throw misplaced('--thresholds', 'expiry');
  if (options.kind !== 'unreachable' && options.failures !== undefined)
    throw misplaced('--failures', 'unreachable');
  if (
    options.kind !== 'fleet-at-risk' &&
    (options.aboveCount !== undefined || options.aboveShare !== undefined)
  ) {
    throw misplaced('--above-count and --above-share', 'fleet-at-risk');
  }
  switch (options.kind) {
    case 'expiry':
      return { kind: 'expiry', thresholdsDays: options.thresholds ?? DEFAULT_EXPIRY_THRESHOLDS_DAYS };
    case 'unreachable':
      return { kind: 'unreachable', failures: options.failures ?? 3 };
    case 'fleet-at-risk':
      if (options.aboveCount === undefined && options.aboveShare === undefined) {
        throw new UsageError('a fleet-at-risk rule needs --above-count, --above-share or both');
      }
      return {
        kind: 'fleet-at-risk',
        ...(options.aboveCount === undefined ? {} : { aboveCount: options.aboveCount }),
        ...(options.aboveShare === undefined ? {} : { aboveShare: options.aboveShare }),
      };
    case 'expired':
    case 'invalid-chain':
    case 'hostname-mismatch':
      return { kind: options.kind };
  }
}

function quietHoursOf(options: AddOptions): QuietHours | null {
  if (options.quietHours === undefined) {
    if (options.timeZone !== undefined) throw new UsageError('--time-zone goes with --quiet-hours');
    return null;
  }
  return { ...options.quietHours, timeZone: options.timeZone ?? 'UTC' };
}

function describeParameters(condition: AlertCondition): string {
  switch (condition.kind) {
    case 'expiry':
      return `${condition.thresholdsDays.join(',')} days`;
    case 'unreachable':
      return `${condition.failures} failures`;
    case 'fleet-at-risk':
      return [
        condition.aboveCount === undefined ? undefined : `> ${condition.aboveCount} devices`,
        condition.aboveShare === undefined ? undefined : `> ${condition.aboveShare * 100} %`,
      ]
        .filter((part) => part !== undefined)
        .join(' or ');
    case 'expired':
    case 'invalid-chain':
    case 'hostname-mismatch':
      return '-';
  }
}

function describeSubjects(rule: AlertRuleRecord): string {
  const { kind, labelPattern } = rule.subjects;
  if (kind === undefined && labelPattern === undefined) return 'all';
  return [kind, labelPattern === undefined ? undefined : `'${labelPattern}'`].filter(Boolean).join(' ');
}

function enabledNote(rule: AlertRuleRecord): string {
  return rule.enabled ? '' : ', disabled';
}

function ruleJson(rule: AlertRuleRecord) {
  return { ...rule, createdAt: rule.createdAt.toISOString() };
}

function deliveryJson(d: DeliveryRecord) {
  return {
    ...d,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

function daysListOption(value: string): number[] {
  const days = value.split(',').map((part) => Number(part.trim()));
  if (days.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new InvalidArgumentError('a comma-separated list of whole days, e.g. 30,14,7,1');
  }
  return days;
}

function nonNegativeIntegerOption(value: string): number {
  return value === '0' ? 0 : positiveIntegerOption(value);
}

function shareOption(value: string): number {
  const share = Number(value);
  if (value.trim() === '' || !(share >= 0 && share < 1)) {
    throw new InvalidArgumentError('a fraction from 0 up to (not including) 1, e.g. 0.05');
  }
  return share;
}

function quietHoursOption(value: string): { start: string; end: string } {
  const match = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(value);
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError('local times HH:MM-HH:MM, e.g. 22:00-07:00');
  return { start: match[1], end: match[2] };
}
