import { systemClock } from '../core/clock.js';

/** One device the server names as at risk, as the simulator needs it. */
export interface NamedDevice {
  readonly reason: string;
  /** Expiry of the certificate the server believes the device uses. */
  readonly notAfter: Date;
}

/** The server's fleet view, reduced to what the simulator checks. */
export interface FleetView {
  atRisk(now: Date): Promise<ReadonlyMap<string, NamedDevice>>;
  close(): Promise<void>;
}

/** When the server first named a device, and what it said then. */
export interface Naming {
  readonly firstNamedAt: Date;
  readonly reason: string;
  readonly notAfter: Date;
}

/**
 * Asks the server's fleet view who is at risk every `intervalMs` and keeps, per device, the first time it was
 * named. The simulation compares that with the faults it injected: the permanent failures must each be named
 * before their certificate expires, and nobody else may be named at all.
 */
export class AtRiskWatch {
  readonly named = new Map<string, Naming>();
  checks = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly view: FleetView,
    private readonly intervalMs: number,
    private readonly now: () => Date = () => systemClock.now(),
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.check().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.failure !== undefined) throw this.failure;
  }

  async check(): Promise<void> {
    try {
      const at = this.now();
      const atRisk = await this.view.atRisk(at);
      this.checks++;
      for (const [id, device] of atRisk) {
        if (!this.named.has(id)) this.named.set(id, { firstNamedAt: at, ...device });
      }
    } catch (error) {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }
}
