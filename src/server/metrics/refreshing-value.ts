import type { Clock } from '../../core/clock.js';

export interface RefreshingValueOptions {
  readonly clock: Clock;
  readonly maxAgeSeconds: number;
  /** Told of each failed load, once, however many callers were waiting for it. */
  readonly onFailure?: (error: unknown) => void;
}

/**
 * A value loaded at most once per `maxAgeSeconds` (by the Clock), for the series a scrape must not recompute each
 * time: a count over a million devices costs a few hundred milliseconds, and several Prometheus servers may
 * scrape every few seconds. Callers that ask while a load is running share it. A failed load is not kept: the
 * next caller tries again.
 */
export class RefreshingValue<T> {
  private cached: { readonly value: T; readonly loadedAtMs: number } | undefined;
  private loading: Promise<T> | undefined;

  constructor(
    private readonly load: (now: Date) => Promise<T>,
    private readonly options: RefreshingValueOptions,
  ) {}

  /** The value, loaded at `now` or less than maxAgeSeconds before; rejects when the load it waited for failed. */
  get(): Promise<T> {
    const now = this.options.clock.now();
    const nowMs = now.getTime();
    const cached = this.cached;
    // A clock set back makes the cached value's age negative: stale too.
    if (
      cached &&
      nowMs >= cached.loadedAtMs &&
      nowMs - cached.loadedAtMs < this.options.maxAgeSeconds * 1000
    ) {
      return Promise.resolve(cached.value);
    }
    // Through a promise, so a load that throws at once fails like one that rejects.
    this.loading ??= new Promise<T>((resolve) => resolve(this.load(now)))
      .then(
        (value) => {
          this.cached = { value, loadedAtMs: nowMs };
          return value;
        },
        (error: unknown) => {
          this.options.onFailure?.(error);
          throw error;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** {@link get}, or undefined when the load failed (already reported to onFailure). */
  getOrUndefined(): Promise<T | undefined> {
    return this.get().catch(() => undefined);
  }
}
