/**
 * `--profile` of bench/monitor: a CPU profile of certfleet's rounds (the bench's own process), summarised as
 * the functions with the most self time per probe, and the same grouped by where the code lives.
 */
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';

export class CpuProfile {
  private constructor(private readonly session: Session) {}

  static async start(): Promise<CpuProfile> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
    return new CpuProfile(session);
  }

  async stop(): Promise<Profiler.Profile> {
    const { profile } = await this.session.post('Profiler.stop');
    this.session.disconnect();
    return profile;
  }
}

/** `src/monitor`, `node_modules/asn1js`, `node:tls`, `(garbage collector)`…: where a frame's code lives. */
function placeOf(frame: Profiler.ProfileNode['callFrame']): string {
  const url = frame.url;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return `node_modules/${module[1]}`;
  const ours = /\/(src\/[^/]+|bench|test\/helpers)\//.exec(url);
  if (ours) return ours[1] ?? url;
  if (url.startsWith('node:')) return url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  return url;
}

/** Self time per probe by function and by place, largest first. */
export function summariseProfile(profile: Profiler.Profile, probes: number, limit = 15): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const frame = byId.get(samples[i]!)?.callFrame;
    const us = deltas[i + 1] ?? 0;
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    const file = frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}:${frame.lineNumber + 1}`}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const place = placeOf(frame);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    total += us;
  }
  const line = (us: number, name: string) =>
    `    ${(us / probes).toFixed(0).padStart(6)} µs ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`;
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => line(us, name));
  return [
    `  main thread ${(total / probes).toFixed(0)} µs per probe (profiled: slower than unprofiled); by place:`,
    ...top(byPlace),
    '  by function (self time):',
    ...top(byFunction),
  ];
}
