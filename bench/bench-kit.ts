/**
 * What several benches share: the signing-rate references they divide by, and the child process that generates
 * load (so the bench's own process measures the server's CPU alone).
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/pki/algorithms/key-algorithm.js';

/** `openssl speed ecdsap256`: P-256 signatures per second on one core. */
export function opensslP256SignRate(durationSeconds: number): number {
  const out = execFileSync('openssl', ['speed', '-seconds', String(durationSeconds), 'ecdsap256'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  const line = out.split('\n').find((l) => /256 bits ecdsa \(nistp256\)/.test(l));
  const fields = line?.trim().split(/\s+/) ?? [];
  const rate = Number(fields[fields.length - 2]);
  if (!Number.isFinite(rate)) throw new Error(`cannot parse openssl speed output:\n${out}`);
  return rate;
}

/** node:crypto's synchronous P-256 sign over `bytes` bytes: signatures per second on this thread. */
export function nodeP256SignRate(durationSeconds: number, bytes: number): number {
  const key = generateKeyPair('ec-p256');
  const data = new Uint8Array(bytes).fill(7);
  let count = 0;
  const start = performance.now();
  const end = start + durationSeconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) sign('sha256', data, key.material);
    count += 100;
  }
  return (count * 1000) / (performance.now() - start);
}

/** Latency percentiles of one run, in milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Sorts `samples` in place and reads its percentiles (nearest rank). */
export function latencySummary(samples: Float64Array): LatencySummary {
  const sorted = samples.sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** The messages every load child understands, besides its own `prepare` and `run` payloads. */
export type LoadRequest = { readonly type: 'prepare' | 'run' } | { readonly type: 'exit' };
export type LoadReply = { readonly type: string } | { readonly type: 'error'; readonly message: string };

/** The parent's end of a load child (bench/*-load.ts): one request at a time, answered in order. */
export class LoadProcess<Request extends LoadRequest, Reply extends LoadReply> {
  private pending: ((message: Reply | { type: 'error'; message: string }) => void) | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: Reply) => {
      const resolve = this.pending;
      this.pending = undefined;
      resolve?.(message);
    });
    child.on('exit', (code) => {
      const resolve = this.pending;
      this.pending = undefined;
      resolve?.({ type: 'error', message: `the load process exited (${code})` });
    });
  }

  static start<Request extends LoadRequest, Reply extends LoadReply>(
    script: URL,
  ): LoadProcess<Request, Reply> {
    return new LoadProcess(
      fork(fileURLToPath(script), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
    );
  }

  /** Sends `message`; an `error` reply throws. */
  async ask(message: Request): Promise<Reply> {
    if (this.pending) throw new Error('one request at a time');
    const answer = new Promise<Reply | { type: 'error'; message: string }>(
      (resolve) => (this.pending = resolve),
    );
    this.child.send(message);
    const reply = await answer;
    if (reply.type === 'error') throw new Error(`load process: ${(reply as { message: string }).message}`);
    return reply as Reply;
  }

  close(): void {
    if (this.child.connected) this.child.send({ type: 'exit' });
  }
}

/**
 * The child's end: answers `prepare` (synchronously) and `run` (asynchronously) from the parent, reports failures
 * as `error` replies with the stack, and exits when the parent says so or goes away.
 */
export function answerLoadRequests<Request extends LoadRequest, Reply extends LoadReply>(handlers: {
  prepare(message: Extract<Request, { type: 'prepare' }>): Reply;
  run(message: Extract<Request, { type: 'run' }>): Promise<Reply>;
}): void {
  const reply = (message: Reply | { type: 'error'; message: string }) => process.send?.(message);
  const failed = (error: unknown) =>
    reply({ type: 'error', message: (error as Error).stack ?? String(error) });
  // Orphaned (the bench died): nothing left to do.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: Request) => {
    switch (message.type) {
      case 'prepare':
        try {
          reply(handlers.prepare(message as Extract<Request, { type: 'prepare' }>));
        } catch (error) {
          failed(error);
        }
        return;
      case 'run':
        handlers.run(message as Extract<Request, { type: 'run' }>).then(reply, failed);
        return;
      case 'exit':
        process.disconnect();
        return;
    }
  });
}
