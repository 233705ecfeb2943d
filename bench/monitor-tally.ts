/**
 * What bench/monitor adds up per tool and concurrency over its rounds, and how it prints it.
 */
import { readFileSync } from 'node:fs';

export const TOOLS = [
  'node:tls handshake',
  'certfleet probe',
  'certfleet probe+record',
  'blackbox skip-verify',
  'blackbox verify',
] as const;
export type Tool = (typeof TOOLS)[number];

/** The measured rounds of one tool at one concurrency. */
export class Tally {
  probes = 0;
  rounds = 0;
  elapsedSeconds = 0;
  /** The prober's CPU: the bench's process for certfleet and node:tls, the exporter's for blackbox_exporter. */
  proberCpuSeconds = 0;
  /** The bench's own process while it drives blackbox_exporter over HTTP (zero for certfleet). */
  driverCpuSeconds = 0;
  /** The endpoint servers' processes. */
  serverCpuSeconds = 0;
  serverConnections = 0;
  /** certfleet and node:tls: the event loop's busy time. */
  eventLoopBusySeconds = 0;
  /**
   * Each probe's own duration: certfleet's EndpointProber.probe, node:tls's connect to secureConnect,
   * blackbox_exporter's probe_duration_seconds.
   */
  readonly durationsMs: number[] = [];
  /** blackbox: the HTTP request around each probe. */
  readonly roundTripsMs: number[] = [];
  /** Answers that were not what the endpoint's case calls for; any one makes the run invalid. */
  readonly wrong: string[] = [];

  constructor(
    readonly tool: Tool,
    readonly concurrency: number,
  ) {}

  get rate(): number {
    return this.probes / this.elapsedSeconds;
  }

  get cpuMsPerProbe(): number {
    return (this.proberCpuSeconds * 1000) / this.probes;
  }

  reject(text: string): void {
    this.wrong.push(text);
  }
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Busy CPU seconds of the whole machine so far (all cores, from /proc/stat), to see what else ran. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

const HEADER = ['tool', 'conc', 'probes/s', 'p50 ms', 'p99 ms', 'CPU/probe', 'rate ÷ bb', 'CPU ÷ bb'];

/** The result table; ratios are to blackbox_exporter (skip-verify) at the same concurrency. */
export function formatTable(tallies: readonly Tally[]): string[] {
  const rows = tallies.map((t) => {
    const reference = tallies.find(
      (r) => r.tool === 'blackbox skip-verify' && r.concurrency === t.concurrency,
    );
    return [
      t.tool,
      String(t.concurrency),
      t.rate.toFixed(0),
      percentile(t.durationsMs, 50).toFixed(1),
      percentile(t.durationsMs, 99).toFixed(1),
      `${t.cpuMsPerProbe.toFixed(2)} ms`,
      reference === undefined ? '-' : (t.rate / reference.rate).toFixed(2),
      reference === undefined ? '-' : (t.cpuMsPerProbe / reference.cpuMsPerProbe).toFixed(2),
    ];
  });
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(HEADER), ...rows.map(line)];
}

/** The per-row details the table leaves out. */
export function describeTally(t: Tally): string {
  const perConnectionMs = (t.serverCpuSeconds * 1000) / Math.max(1, t.serverConnections);
  const parts = [
    `${t.probes} probes in ${t.rounds} rounds, ${t.elapsedSeconds.toFixed(2)} s`,
    `endpoint servers ${((t.serverCpuSeconds / t.elapsedSeconds) * 100).toFixed(0)}% of a core (${perConnectionMs.toFixed(2)} ms per connection)`,
  ];
  if (!t.tool.startsWith('blackbox')) {
    parts.push(
      `prober ${((t.proberCpuSeconds / t.elapsedSeconds) * 100).toFixed(0)}% of a core, event loop busy ${((t.eventLoopBusySeconds / t.elapsedSeconds) * 100).toFixed(0)}%`,
    );
  } else {
    parts.push(
      `exporter ${((t.proberCpuSeconds / t.elapsedSeconds) * 100).toFixed(0)}% of a core`,
      `HTTP driver ${((t.driverCpuSeconds * 1000) / t.probes).toFixed(2)} ms CPU/probe, request p50 ${percentile(t.roundTripsMs, 50).toFixed(1)} ms`,
    );
  }
  return parts.join('; ');
}
