import { systemClock } from '../core/clock.js';

/** The simulator runs in real time: certificates, TLS and the server all follow the wall clock. */
const realNowMs = (): number => systemClock.now().getTime();
/** Something that acts now and then: `step` does one thing and says when (real epoch ms) to call it again. */
export interface Steppable {
  step(): Promise<number>;
}

interface Entry<T> {
  readonly at: number;
  readonly item: T;
}

/**
 * Runs thousands of devices in one process: a binary heap by due time, at most `concurrency` steps in flight,
 * one timer for the earliest due step. A real fleet does not move in lockstep, and neither does this: each device
 * is called when it asked to be.
 */
export class FleetScheduler<T extends Steppable> {
  private readonly heap: Entry<T>[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly now: () => number = realNowMs,
    private readonly onError: (item: T, error: unknown) => void = () => undefined,
  ) {}

  add(item: T, at: number): void {
    this.push({ at, item });
    this.pump();
  }

  /** Stops calling steps; resolves when those in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  private pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    while (this.inFlight < this.concurrency && this.heap.length > 0 && this.heap[0]!.at <= now) {
      const { item } = this.pop()!;
      this.inFlight++;
      item
        .step()
        .then(
          (next) => this.push({ at: next, item }),
          (error: unknown) => {
            this.onError(item, error);
            this.push({ at: this.now() + 1000, item });
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.stopped && this.inFlight === 0) this.idle?.();
          this.pump();
        });
    }
    if (this.inFlight < this.concurrency && this.heap.length > 0) {
      const wait = Math.max(0, this.heap[0]!.at - now);
      this.timer = setTimeout(() => this.pump(), Math.min(wait, 2 ** 31 - 1));
    }
  }

  private push(entry: Entry<T>): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private pop(): Entry<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left]!.at < heap[smallest]!.at) smallest = left;
        if (right < heap.length && heap[right]!.at < heap[smallest]!.at) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
