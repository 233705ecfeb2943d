import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newObservation } from '../../test/helpers/observations.js';
import { ManualClock } from '../core/clock.js';
import type { MonitoredEndpoint, NewEndpoint } from '../store/endpoint-registry.js';
import type { NewObservation } from '../store/observation-log.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { Prober } from './endpoint-prober.js';
import { MonitorSchedule, type ScheduleTimers } from './monitor-schedule.js';

/** mulberry32: a small seeded PRNG, so the sampling test draws the same sample every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function observationOf(endpoint: MonitoredEndpoint, at: Date, ok = true): NewObservation {
  return newObservation(endpoint.id, at, {
    durationMs: 1,
    ...(ok ? { outcome: 'ok', errorMessage: null } : {}),
  });
}

/** A prober that takes `delayMs` per probe and counts how many run at once. */
class CountingProber implements Prober {
  inFlight = 0;
  maxInFlight = 0;
  readonly probed: string[] = [];

  constructor(
    private readonly clock: ManualClock,
    private readonly delayMs: number,
    private readonly failing: ReadonlySet<string> = new Set(),
  ) {}

  async probe(endpoint: MonitoredEndpoint): Promise<NewObservation> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await sleep(this.delayMs);
      if (endpoint.name.startsWith('crash-')) throw new Error('the prober itself failed');
      this.probed.push(endpoint.name);
      return observationOf(endpoint, this.clock.now(), !this.failing.has(endpoint.name));
    } finally {
      this.inFlight -= 1;
    }
  }
}

const silentLog = { error: () => undefined };

describe('MonitorSchedule', () => {
  let store: Store;
  const clock = new ManualClock('2030-01-01T00:00:00Z');

  before(async () => {
    store = await openStore('sqlite::memory:');
  });
  after(() => store.close());

  async function addMany(prefix: string, count: number, extra: Partial<NewEndpoint> = {}): Promise<void> {
    const outcomes = await store.endpoints.importMany(
      Array.from({ length: count }, (_, i) => ({
        name: `${prefix}-${i}`,
        host: '127.0.0.1',
        port: 1,
        ...extra,
      })),
      clock.now(),
    );
    assert.ok(outcomes.every((o) => o.ok));
  }

  test('probes every due service endpoint with at most `concurrency` probes in flight', async () => {
    await addMany('svc', 40);
    const prober = new CountingProber(clock, 5, new Set(['svc-3', 'svc-7']));
    const schedule = new MonitorSchedule(
      { endpoints: store.endpoints, observations: store.observations, prober, clock, log: silentLog },
      { intervalSeconds: 3600, concurrency: 4, sampleShare: 0, pageSize: 7 },
    );
    const round = await schedule.runRound();
    assert.equal(prober.maxInFlight, 4);
    assert.equal(prober.probed.length, 40);
    assert.equal(round.probed, 40);
    assert.equal(round.failed, 2);
    assert.equal((await store.endpoints.get('svc-3'))?.consecutiveFailures, 1);
    const latest = await store.observations.latest({ kind: 'service', limit: 100 });
    assert.ok(latest.every((l) => l.observation !== null));

    // Probed a moment ago: nothing is due until half an interval has passed.
    assert.equal((await schedule.runRound()).probed, 0);
    clock.advanceSeconds(1801);
    assert.equal((await schedule.runRound()).probed, 40);
    assert.equal((await store.endpoints.get('svc-3'))?.consecutiveFailures, 2);
    assert.deepEqual(schedule.lastRound?.startedAt, clock.now());
  });

  test('samples about sampleShare of the due device endpoints each round', async () => {
    await addMany('dev', 2000, { kind: 'device' });
    clock.advanceSeconds(3600);
    const prober = new CountingProber(clock, 0);
    const schedule = new MonitorSchedule(
      {
        endpoints: store.endpoints,
        observations: store.observations,
        prober,
        clock,
        log: silentLog,
        random: seededRandom(42),
      },
      { intervalSeconds: 3600, concurrency: 16, sampleShare: 0.05 },
    );
    const first = await schedule.runRound();
    assert.equal(first.dueDevices, 2000);
    // 5 % of 2000 is 100; the binomial's standard deviation is about 10.
    assert.ok(first.sampledDevices >= 70 && first.sampledDevices <= 130, `sampled ${first.sampledDevices}`);
    assert.equal(prober.probed.filter((n) => n.startsWith('svc-')).length, 40, 'every service endpoint');
    assert.equal(prober.probed.filter((n) => n.startsWith('dev-')).length, first.sampledDevices);

    // The next round draws from the devices not probed yet: those just probed are not due.
    const second = await schedule.runRound();
    assert.equal(second.dueDevices, 2000 - first.sampledDevices);
    const drawn = prober.probed.filter((n) => n.startsWith('dev-'));
    assert.equal(new Set(drawn).size, drawn.length, 'no device probed twice within the interval');
  });

  test('an error in the prober is logged and the round goes on', async () => {
    await addMany('crash', 2);
    clock.advanceSeconds(7200);
    const errors: string[] = [];
    const prober = new CountingProber(clock, 0);
    const schedule = new MonitorSchedule(
      {
        endpoints: store.endpoints,
        observations: store.observations,
        prober,
        clock,
        log: { error: (fields) => errors.push(String(fields['endpoint'])) },
        random: () => 1,
      },
      { intervalSeconds: 3600, concurrency: 2, sampleShare: 0 },
    );
    const round = await schedule.runRound();
    assert.deepEqual(errors.sort(), ['crash-0', 'crash-1']);
    assert.equal(round.probed, 40);
  });

  test('start runs a round at once and the next one an interval later; stop waits and ends it', async () => {
    clock.advanceSeconds(7200);
    const pending: Array<{ callback: () => void; ms: number }> = [];
    const timers: ScheduleTimers = {
      setTimeout: (callback, ms) => {
        const entry = { callback, ms };
        pending.push(entry);
        return entry;
      },
      clearTimeout: (handle) => {
        const i = pending.indexOf(handle as (typeof pending)[number]);
        if (i !== -1) pending.splice(i, 1);
      },
    };
    const prober = new CountingProber(clock, 1);
    const schedule = new MonitorSchedule(
      {
        endpoints: store.endpoints,
        observations: store.observations,
        prober,
        clock,
        log: silentLog,
        timers,
        random: () => 1,
      },
      { intervalSeconds: 600, concurrency: 8, sampleShare: 0 },
    );
    schedule.start();
    schedule.start(); // a second start is ignored
    while (pending.length === 0) await sleep(5);
    assert.equal(pending.length, 1);
    assert.equal(pending[0]?.ms, 600_000);
    const firstRound = prober.probed.length;
    assert.ok(firstRound >= 40);

    clock.advanceSeconds(600);
    pending.shift()?.callback();
    // Stop in the middle of the second round: it has started probing, and stop waits for what is in flight.
    while (prober.inFlight === 0) await sleep(1);
    await schedule.stop();
    assert.ok(prober.probed.length > firstRound, 'the second round ran');
    assert.equal(prober.inFlight, 0, 'stop waited for the probes in flight');
    assert.equal(pending.length, 0, 'no round is scheduled after stop');
  });

  test('refuses a sampleShare outside 0..1', () => {
    const deps = {
      endpoints: store.endpoints,
      observations: store.observations,
      prober: new CountingProber(clock, 0),
      clock,
      log: silentLog,
    };
    assert.throws(
      () => new MonitorSchedule(deps, { intervalSeconds: 60, concurrency: 1, sampleShare: 1.5 }),
      RangeError,
    );
    assert.throws(
      () => new MonitorSchedule(deps, { intervalSeconds: 0, concurrency: 1, sampleShare: 0 }),
      RangeError,
    );
  });
});
