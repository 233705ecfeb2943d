import type { Clock } from '../core/clock.js';
import type { EndpointKind, EndpointRegistry, MonitoredEndpoint } from '../store/endpoint-registry.js';
import type { ObservationLog } from '../store/observation-log.js';
import type { Prober } from './endpoint-prober.js';
import { PromisePool } from './promise-pool.js';

const DAY_MS = 86_400_000;
/** Endpoints read and claimed per query. */
const DEFAULT_PAGE_SIZE = 500;

export interface MonitorScheduleOptions {
  /** A round starts every this many seconds (or at once after a round that took longer). */
  readonly intervalSeconds: number;
  /** Probes in flight at most. */
  readonly concurrency: number;
  /** The share of due `device` endpoints probed each round, 0 to 1; `service` endpoints are all probed. */
  readonly sampleShare: number;
  /** Observations older than this are pruned after each round (each endpoint's latest is kept). */
  readonly keepObservationsDays?: number;
  readonly pageSize?: number;
}

export interface MonitorScheduleLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/** Timers, injectable so tests run rounds when they choose. */
export interface ScheduleTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: ScheduleTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RoundSummary {
  readonly startedAt: Date;
  /** Probes recorded, and how many of them failed (outcome other than ok). */
  readonly probed: number;
  readonly failed: number;
  /** Due device endpoints seen, and how many the sampling drew. */
  readonly dueDevices: number;
  readonly sampledDevices: number;
  /** Endpoints another node claimed first. */
  readonly claimedElsewhere: number;
  readonly pruned: number;
}

/**
 * Probes the enabled endpoints every interval: each round walks the due endpoints of each kind (not probed in
 * the last half interval), claims them (so that several nodes share the work rather than repeat it), and
 * probes them through a pool of `concurrency`. All due `service` endpoints are probed; of the `device`
 * endpoints, each is drawn with probability `sampleShare`, so a large fleet is watched by a random sample
 * that changes every round.
 */
export class MonitorSchedule {
  private timer: unknown;
  private round: Promise<void> | undefined;
  private stopped = false;
  private started = false;
  private last: RoundSummary | undefined;

  constructor(
    private readonly deps: {
      readonly endpoints: EndpointRegistry;
      readonly observations: ObservationLog;
      readonly prober: Prober;
      readonly clock: Clock;
      readonly log: MonitorScheduleLog;
      /** Uniform in [0, 1); seeded in tests. */
      readonly random?: () => number;
      readonly timers?: ScheduleTimers;
    },
    private readonly options: MonitorScheduleOptions,
  ) {
    if (!(options.sampleShare >= 0 && options.sampleShare <= 1)) {
      throw new RangeError('sampleShare must be between 0 and 1');
    }
    if (!(options.intervalSeconds > 0)) throw new RangeError('intervalSeconds must be positive');
  }

  /** The last completed round, for metrics and status pages. */
  get lastRound(): RoundSummary | undefined {
    return this.last;
  }

  /** Starts a round now and one every interval after. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.tick();
  }

  /** No new round or probe starts; resolves when the probes in flight are recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) (this.deps.timers ?? systemTimers).clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round now (the timer's, `certfleet monitor probe` and tests). */
  async runRound(): Promise<RoundSummary> {
    const startedAt = this.deps.clock.now();
    const dueBefore = new Date(startedAt.getTime() - (this.options.intervalSeconds * 1000) / 2);
    const pool = new PromisePool(this.options.concurrency);
    const counts = { probed: 0, failed: 0, dueDevices: 0, sampledDevices: 0, claimedElsewhere: 0 };
    const random = this.deps.random ?? (() => Math.random());
    for (const kind of ['service', 'device'] as const satisfies readonly EndpointKind[]) {
      await this.walk(kind, dueBefore, async (page) => {
        const chosen = kind === 'device' ? page.filter(() => random() < this.options.sampleShare) : page;
        if (kind === 'device') {
          counts.dueDevices += page.length;
          counts.sampledDevices += chosen.length;
        }
        const claimed = new Set(
          await this.deps.endpoints.claimDue(
            chosen.map((e) => e.id),
            startedAt,
            dueBefore,
          ),
        );
        counts.claimedElsewhere += chosen.length - claimed.size;
        for (const endpoint of chosen) {
          if (this.stopped) return;
          if (!claimed.has(endpoint.id)) continue;
          await pool.submit(async () => {
            const ok = await this.probeOne(endpoint);
            if (ok === undefined) return;
            counts.probed += 1;
            if (!ok) counts.failed += 1;
          });
        }
      });
    }
    await pool.drain();
    const pruned = await this.prune(startedAt);
    const summary = { startedAt, ...counts, pruned };
    this.last = summary;
    return summary;
  }

  private async walk(
    kind: EndpointKind,
    dueBefore: Date,
    visit: (page: readonly MonitoredEndpoint[]) => Promise<void>,
  ): Promise<void> {
    const limit = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    let afterId = 0;
    while (!this.stopped) {
      const page = await this.deps.endpoints.listDue({ kind, dueBefore, afterId, limit });
      const last = page[page.length - 1];
      if (last === undefined) return;
      afterId = last.id;
      await visit(page);
      if (page.length < limit) return;
    }
  }

  /** True if the endpoint answered, false if the probe failed, undefined if nothing could be recorded. */
  private async probeOne(endpoint: MonitoredEndpoint): Promise<boolean | undefined> {
    try {
      const observation = await this.deps.prober.probe(endpoint);
      await this.deps.observations.record(observation);
      return observation.outcome === 'ok';
    } catch (error) {
      this.deps.log.error({ err: error, endpoint: endpoint.name }, 'monitor: probe could not be recorded');
      return undefined;
    }
  }

  private async prune(now: Date): Promise<number> {
    const days = this.options.keepObservationsDays;
    if (days === undefined) return 0;
    try {
      return await this.deps.observations.prune(new Date(now.getTime() - days * DAY_MS));
    } catch (error) {
      this.deps.log.error({ err: error }, 'monitor: pruning old observations failed');
      return 0;
    }
  }

  private tick(): void {
    if (this.stopped) return;
    const startedMs = this.deps.clock.now().getTime();
    this.round = this.runRound()
      .then(
        () => undefined,
        (error: unknown) => this.deps.log.error({ err: error }, 'monitor: round failed'),
      )
      .then(() => {
        if (this.stopped) return;
        const tookMs = this.deps.clock.now().getTime() - startedMs;
        const delayMs = Math.max(0, this.options.intervalSeconds * 1000 - tookMs);
        this.timer = (this.deps.timers ?? systemTimers).setTimeout(() => this.tick(), delayMs);
      });
  }
}
