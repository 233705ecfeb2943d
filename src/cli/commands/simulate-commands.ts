import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { AgentLogLine } from '../../agent/device-agent.js';
import { Command, InvalidArgumentError } from 'commander';
import { parseDurationSeconds } from '../../core/duration.js';
import { PkiError } from '../../core/pki-error.js';
import { openFleetView } from '../../simulator/store-fleet-view.js';
import { runSimulation, type SimulationResult } from '../../simulator/simulation.js';
import type { CliContext } from '../cli-context.js';
import { table } from '../format.js';

function share(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] === '%' ? 100 : 1) : Number.NaN;
  if (!(value >= 0 && value <= 1)) throw new InvalidArgumentError('a share is 0..1 or 0%..100%');
  return value;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('a positive whole number');
  return value;
}

function duration(text: string): number {
  try {
    return parseDurationSeconds(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

interface SimulateOptions {
  devices: number;
  lifetime: number;
  cycles: number;
  permanent: number;
  outage: number;
  lostAnswer: number;
  skew: number;
  serverDown?: number;
  margin?: number;
  concurrency: number;
  seed: number;
  store?: string;
  keep?: boolean;
  agentLog?: string;
}

export function simulateCommand(context: () => CliContext): Command {
  return new Command('simulate')
    .description(
      'run N virtual devices (the real agent, over HTTPS with mTLS) against a certfleet server started for the run, ' +
        'inject faults, and check that the server names exactly the permanently failing devices as at risk',
    )
    .option('--devices <n>', 'fleet size', positiveInteger, 2000)
    .option(
      '--lifetime <duration>',
      'LDevID lifetime (short lifetimes are switched on for the run)',
      duration,
      150,
    )
    .option(
      '--cycles <n>',
      'lifetimes to run after the last device came online (devices arrive over one)',
      positiveInteger,
      1,
    )
    .option(
      '--permanent <share>',
      'devices that fail for good: half firmware bugs, half go dark',
      share,
      0.01,
    )
    .option(
      '--outage <share>',
      'devices whose network is down once, for a fifteenth of the lifetime',
      share,
      0.05,
    )
    .option(
      '--lost-answer <share>',
      'devices that never receive the answer to their first renewal (the server issued it) and retry',
      share,
      0.02,
    )
    .option(
      '--skew <share>',
      'devices whose clock is hours to a year off, a quarter of them at 1970',
      share,
      0.05,
    )
    .option(
      '--server-down <duration>',
      'the server is unreachable once for this long (0s: never; default a fifteenth of the lifetime)',
      (t) => (t === '0' || t === '0s' ? 0 : duration(t)),
    )
    .option(
      '--margin <duration>',
      "the at-risk margin the server's fleet view uses (default: a twentieth of the lifetime)",
      duration,
    )
    .option('--concurrency <n>', 'agent steps in flight at once', positiveInteger, 24)
    .option('--seed <n>', 'fault plan seed (the same seed, the same plan)', positiveInteger, 1)
    .option(
      '--store <url>',
      'run the server on this store (e.g. postgres://…); default SQLite in a temporary folder',
    )
    .option('--keep', 'keep the temporary folder (configuration, PKI, database) for a look afterwards')
    .option('--agent-log <file>', "write every agent's log lines to this file, one JSON object per line")
    .action(async (options: SimulateOptions) => {
      const ctx = context();
      const bar = new cliProgress.SingleBar(
        {
          format:
            '{phase} [{bar}] {percentage}% | onboarded {onboarded} | renewals {renewals} | failing {failing}{down}',
          noTTYOutput: !ctx.io.isTty,
          notTTYSchedule: 10_000,
          stream: ctx.io.stderrStream,
        },
        cliProgress.Presets.legacy,
      );
      let started = false;
      const agentLog =
        options.agentLog === undefined ? undefined : createWriteStream(resolve(ctx.io.cwd, options.agentLog));
      const result = await runSimulation({
        devices: options.devices,
        lifetimeSeconds: options.lifetime,
        renewalCycles: options.cycles,
        shares: {
          permanent: options.permanent,
          outage: options.outage,
          lostAnswer: options.lostAnswer,
          clockSkew: options.skew,
        },
        ...(options.serverDown === undefined ? {} : { serverDownSeconds: options.serverDown }),
        seed: options.seed,
        concurrency: options.concurrency,
        ...(options.margin === undefined ? {} : { marginSeconds: options.margin }),
        ...(options.store === undefined ? {} : { storeUrl: options.store }),
        ...(options.keep === true ? { keepWorkDir: true } : {}),
        fleetView: openFleetView,
        ...(agentLog === undefined
          ? {}
          : {
              agentLog: (device: string, line: AgentLogLine) =>
                agentLog.write(`${JSON.stringify({ device, ...line })}\n`),
            }),
        onProgress: (p) => {
          const payload = {
            phase: p.phase.padEnd(12),
            onboarded: p.onboarded,
            renewals: p.renewals,
            failing: p.failingNow,
            down: p.serverDown ? ' | SERVER DOWN' : '',
          };
          if (!started) {
            bar.start(p.total, p.done, payload);
            started = true;
          } else {
            bar.setTotal(p.total);
            bar.update(p.done, payload);
          }
        },
      });
      bar.stop();
      agentLog?.end();
      ctx.out(summary(result, options.devices));
      if (!result.passed)
        throw new PkiError(
          'CONFLICT',
          `the server's at-risk list did not match the injected failures (missed ${result.missed.length}, falsely named ${result.falselyNamed.length})`,
        );
    });
}

function summary(result: SimulationResult, devices: number): string {
  const rows = result.rows.map((r) => [
    r.fault,
    String(r.devices),
    String(r.onboarded),
    String(r.renewals),
    String(r.recovered),
    String(r.stillFailing),
    String(r.namedAtRisk),
  ]);
  const causes = [...result.failuresByCause].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
  const t = result.timings;
  return [
    table(['FAULT', 'DEVICES', 'ONBOARDED', 'RENEWALS', 'RECOVERED', 'STILL FAILING', 'NAMED AT RISK'], rows),
    '',
    `Failed attempts by cause: ${causes.join(', ') || 'none'}`,
    `At-risk checks: ${result.atRiskChecks}; permanent failures ${result.permanentFailures}, named before expiry ${result.permanentFailures - result.missed.length}, missed ${result.missed.length}, falsely named ${result.falselyNamed.length}`,
    ...(result.missed.length > 0 ? [`Missed: ${result.missed.slice(0, 20).join(' ')}`] : []),
    ...(result.falselyNamed.length > 0
      ? [`Falsely named: ${result.falselyNamed.slice(0, 20).join(' ')}`]
      : []),
    `${devices} devices: provisioning ${t.provisionSeconds.toFixed(1)} s, run ${t.runSeconds.toFixed(1)} s, total ${t.totalSeconds.toFixed(1)} s`,
    result.passed ? 'PASS: the at-risk list named exactly the failing devices' : 'FAIL',
  ].join('\n');
}
