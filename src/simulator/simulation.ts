import { systemClock } from '../core/clock.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentLogLine, FailureCause } from '../agent/device-agent.js';
import { AtRiskWatch, type FleetView } from './at-risk-watch.js';
import { provisionDevices } from './factory-line.js';
import {
  type FaultKind,
  type FaultShares,
  PERMANENT_FAULTS,
  planFaults,
  seededRandom,
} from './fault-plan.js';
import { FleetScheduler } from './fleet-scheduler.js';
import { prepareDeployment, ServerProcess } from './simulated-deployment.js';
import { TcpGate } from './tcp-gate.js';
import { VirtualDevice } from './virtual-device.js';

/** The simulator runs in real time: certificates, TLS and the server all follow the wall clock. */
const realNowMs = (): number => systemClock.now().getTime();

export interface SimulationOptions {
  readonly devices: number;
  /** LDevID lifetime; the run lasts about `renewalCycles` of them after the last device came online. */
  readonly lifetimeSeconds: number;
  readonly renewalCycles: number;
  readonly shares: FaultShares;
  /**
   * The server is unreachable for this long once, half a lifetime after the last device came online (0: never);
   * default a fifteenth of the lifetime, which a healthy agent rides out before its margin.
   */
  readonly serverDownSeconds?: number;
  readonly seed: number;
  /** Agent steps in flight at once (each is a TLS handshake and maybe an enrollment). */
  readonly concurrency: number;
  /** The server's at-risk margin; default a twentieth of the lifetime. */
  readonly marginSeconds?: number;
  /** `postgres://…` to run the server on PostgreSQL; SQLite in the work folder otherwise. */
  readonly storeUrl?: string;
  readonly workDir?: string;
  readonly keepWorkDir?: boolean;
  /** Opens the server's fleet view; the simulation closes it. */
  readonly fleetView: (storeUrl: string, marginSeconds: number) => Promise<FleetView>;
  readonly onProgress?: (progress: SimulationProgress) => void;
  readonly agentLog?: (deviceId: string, line: AgentLogLine) => void;
}

export interface SimulationProgress {
  readonly phase: 'provisioning' | 'running' | 'stopping';
  readonly done: number;
  readonly total: number;
  readonly onboarded: number;
  readonly renewals: number;
  readonly failingNow: number;
  readonly serverDown: boolean;
}

export interface FaultRow {
  readonly fault: FaultKind;
  readonly devices: number;
  readonly onboarded: number;
  readonly renewals: number;
  readonly recovered: number;
  readonly stillFailing: number;
  readonly namedAtRisk: number;
}

export interface SimulationResult {
  readonly rows: readonly FaultRow[];
  readonly failuresByCause: ReadonlyMap<FailureCause, number>;
  /** Permanent failures the server never named before their certificate expired. */
  readonly missed: readonly string[];
  /** Devices the server named that had no permanent failure. */
  readonly falselyNamed: readonly string[];
  readonly permanentFailures: number;
  readonly atRiskChecks: number;
  readonly timings: {
    readonly provisionSeconds: number;
    readonly runSeconds: number;
    readonly totalSeconds: number;
  };
  readonly passed: boolean;
}

/**
 * A fleet run end to end: a certfleet server in a child process behind a TCP gate, a factory line that gives N
 * devices their IDevIDs, N real agents that onboard and renew over HTTPS with mTLS while faults are injected,
 * and a watch over the server's at-risk list. It passes when the server named every permanently failing
 * device before its certificate expired, and nobody else.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const started = realNowMs();
  const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'certfleet-simulation-')));
  const lifetime = options.lifetimeSeconds;
  // Sized so that transient faults never cross the margin: a renewal starts with at least a quarter of the
  // lifetime left (window at two thirds, jitter over a quarter of it); an outage or the server window (a fifteenth)
  // plus the longest backoff (a fifteenth) leaves more than a twentieth.
  const margin = options.marginSeconds ?? Math.max(3, Math.round(lifetime / 20));
  const serverDownSeconds = options.serverDownSeconds ?? Math.round(lifetime / 15);
  const deployment = await prepareDeployment({
    dir,
    lifetimeSeconds: lifetime,
    ...(options.storeUrl === undefined ? {} : { storeUrl: options.storeUrl }),
  });
  const server = await ServerProcess.start(dir, deployment.configFile);
  const { gate, port } = await TcpGate.start({ host: '127.0.0.1', port: server.port });
  const estUrl = `https://127.0.0.1:${port}/.well-known/est`;
  const view = await options.fleetView(deployment.target.storeUrl ?? '', margin);
  const progress = (
    phase: SimulationProgress['phase'],
    done: number,
    total: number,
    devices: readonly VirtualDevice[],
  ) =>
    options.onProgress?.({
      phase,
      done,
      total,
      onboarded: devices.filter((d) => d.tally.onboarded).length,
      renewals: devices.reduce((n, d) => n + d.tally.renewals, 0),
      failingNow: devices.filter((d) => d.tally.failingNow).length,
      serverDown: !gate.isOpen,
    });
  try {
    const runId = started.toString(36).toUpperCase();
    const ids = Array.from(
      { length: options.devices },
      (_, i) => `SIM-${runId}-${String(i + 1).padStart(6, '0')}`,
    );
    let born = 0;
    const fleet = await provisionDevices({ ...deployment.target, estUrl }, ids, {
      concurrency: options.concurrency,
      onBorn: () => progress('provisioning', ++born, ids.length, []),
    });
    const provisioned = realNowMs();

    const random = seededRandom(options.seed + 1);
    const faults = planFaults(options.devices, options.shares, { lifetimeSeconds: lifetime }, options.seed);
    // Devices come online over a lifetime, as a fleet does, so that renewals spread evenly over time: the agents
    // of one process can do about 20 steps a second on the 2-core machine this was tuned on.
    const arrivalMs = lifetime * 1000;
    const devices = fleet.map(
      (device, i) =>
        new VirtualDevice({
          born: device,
          fault: faults[i]!,
          estUrl,
          trustPem: deployment.target.trustPem,
          onlineAtMs: provisioned + (arrivalMs * i) / fleet.length,
          backoff: { initialSeconds: Math.max(1, lifetime / 60), maxSeconds: Math.max(2, lifetime / 15) },
          random,
          ...(options.agentLog === undefined ? {} : { log: options.agentLog }),
        }),
    );
    const scheduler = new FleetScheduler<VirtualDevice>(options.concurrency);
    devices.forEach((device, i) => scheduler.add(device, provisioned + (arrivalMs * i) / fleet.length));

    const watch = new AtRiskWatch(view, Math.max(250, (margin * 1000) / 4));
    watch.start();
    const runEnd = provisioned + arrivalMs + options.renewalCycles * lifetime * 1000;
    const downAt = provisioned + arrivalMs + (lifetime * 1000) / 2;
    const timers: NodeJS.Timeout[] = [];
    if (serverDownSeconds > 0) {
      timers.push(setTimeout(() => gate.shut(), downAt - realNowMs()));
      timers.push(setTimeout(() => gate.reopen(), downAt + serverDownSeconds * 1000 - realNowMs()));
    }
    const permanent = devices.filter((d) => PERMANENT_FAULTS.has(d.fault.kind));
    // Run the cycles, then until every permanent failure has been named or has expired.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = realNowMs();
      progress('running', Math.min(now, runEnd) - provisioned, runEnd - provisioned, devices);
      if (now < runEnd) continue;
      const settled = permanent.every(
        (d) => watch.named.has(d.id) || (d.tally.inUseNotAfter?.getTime() ?? 0) < now,
      );
      if (settled || now > runEnd + lifetime * 1000) break;
    }
    progress('stopping', 1, 1, devices);
    timers.forEach(clearTimeout);
    await watch.check();
    await scheduler.stop();
    await watch.stop();
    const finished = realNowMs();

    const missed = permanent
      .filter((d) => {
        const naming = watch.named.get(d.id);
        return (
          naming === undefined || naming.firstNamedAt.getTime() >= (d.tally.inUseNotAfter?.getTime() ?? 0)
        );
      })
      .map((d) => d.id);
    const permanentIds = new Set(permanent.map((d) => d.id));
    const falselyNamed = [...watch.named.keys()].filter((id) => !permanentIds.has(id)).sort();
    const failuresByCause = new Map<FailureCause, number>();
    for (const device of devices)
      for (const [cause, n] of device.tally.causes)
        failuresByCause.set(cause, (failuresByCause.get(cause) ?? 0) + n);
    const kinds: FaultKind[] = ['none', 'outage', 'lost-answer', 'clock-skew', 'firmware-bug', 'offline'];
    const rows = kinds.map((fault): FaultRow => {
      const group = devices.filter((d) => d.fault.kind === fault);
      return {
        fault,
        devices: group.length,
        onboarded: group.filter((d) => d.tally.onboarded).length,
        renewals: group.reduce((n, d) => n + d.tally.renewals, 0),
        recovered: group.filter((d) => d.tally.recoveries > 0 && !d.tally.failingNow).length,
        stillFailing: group.filter((d) => d.tally.failingNow).length,
        namedAtRisk: group.filter((d) => watch.named.has(d.id)).length,
      };
    });
    return {
      rows,
      failuresByCause,
      missed,
      falselyNamed,
      permanentFailures: permanent.length,
      atRiskChecks: watch.checks,
      timings: {
        provisionSeconds: (provisioned - started) / 1000,
        runSeconds: (finished - provisioned) / 1000,
        totalSeconds: (realNowMs() - started) / 1000,
      },
      passed: missed.length === 0 && falselyNamed.length === 0,
    };
  } finally {
    await view.close();
    await gate.close();
    await server.stop();
    if (options.keepWorkDir !== true && options.workDir === undefined)
      await rm(dir, { recursive: true, force: true });
  }
}
