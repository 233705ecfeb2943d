/**
 * Time as a dependency. Nothing in certfleet reads the wall clock directly: tests and the fleet simulator move
 * time by handing in another Clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock that stands still until told to move; for tests and simulations. */
export class ManualClock implements Clock {
  private currentMs: number;

  constructor(start: Date | string | number) {
    this.currentMs = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.currentMs);
  }

  set(to: Date | string | number): void {
    this.currentMs = new Date(to).getTime();
  }

  advanceSeconds(seconds: number): void {
    this.currentMs += seconds * 1000;
  }
}
