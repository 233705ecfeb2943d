import { type Clock, systemClock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import {
  type AgentLogLine,
  DeviceAgent,
  estTransport,
  type EstTransport,
  type FailureCause,
  MemoryCredentialStore,
  type StepOutcome,
} from '../agent/device-agent.js';
import type { DeviceFault } from './fault-plan.js';
import type { BornDevice } from './factory-line.js';
import type { Steppable } from './fleet-scheduler.js';

/** The simulator runs in real time: certificates, TLS and the server all follow the wall clock. */
const realNowMs = (): number => systemClock.now().getTime();

/** What happened to one device during the run, for the summary. */
export interface DeviceTally {
  onboarded: boolean;
  renewals: number;
  failures: number;
  /** Failures followed by a success: the agent's backoff did its job. */
  recoveries: number;
  failingNow: boolean;
  readonly causes: Map<FailureCause, number>;
  /** Expiry of the certificate the device actually holds (what a relying party would see). */
  inUseNotAfter: Date | undefined;
  lastOutcome: StepOutcome['kind'] | undefined;
}

export interface VirtualDeviceOptions {
  readonly born: BornDevice;
  readonly fault: DeviceFault;
  readonly estUrl: string;
  readonly trustPem: string;
  /** When the device comes online (real epoch ms): the fault plan's times count from here. */
  readonly onlineAtMs: number;
  readonly backoff: { initialSeconds: number; maxSeconds: number };
  readonly random: () => number;
  /** Every agent log line, with the device it came from (e.g. to a file for a look afterwards). */
  readonly log?: (deviceId: string, line: AgentLogLine) => void;
}

/**
 * One simulated device: the real agent (src/agent) with its credentials in memory, a clock that may be wrong,
 * and a network that may fail, as its fault says. Everything between the agent and the server is real: HTTPS,
 * mTLS with the device's own certificate, the server's checks.
 */
export class VirtualDevice implements Steppable {
  readonly tally: DeviceTally = {
    onboarded: false,
    renewals: 0,
    failures: 0,
    recoveries: 0,
    failingNow: false,
    causes: new Map(),
    inUseNotAfter: undefined,
    lastOutcome: undefined,
  };
  private readonly agent: DeviceAgent;
  /** Device clock minus real time, in ms. */
  private readonly clockOffsetMs: number;

  constructor(private readonly options: VirtualDeviceOptions) {
    const { fault } = options;
    this.clockOffsetMs =
      fault.kind !== 'clock-skew'
        ? 0
        : fault.epoch1970
          ? -options.onlineAtMs + 3_600_000 * 24 * 3 // 1970-01-04, give or take
          : fault.offsetSeconds * 1000;
    const clock: Clock = { now: () => new Date(realNowMs() + this.clockOffsetMs) };
    const store =
      fault.kind === 'firmware-bug'
        ? new FirmwareBugStore(options.born.idevid, options.trustPem)
        : new MemoryCredentialStore(options.born.idevid, options.trustPem);
    this.agent = new DeviceAgent({
      config: { estUrl: options.estUrl, backoff: options.backoff },
      store,
      est: this.faulty(
        estTransport({ estUrl: options.estUrl, trustPem: options.trustPem, timeoutMs: 30_000 }),
      ),
      clock,
      random: options.random,
      log: options.log === undefined ? () => undefined : (line) => options.log?.(options.born.id, line),
    });
  }

  get id(): string {
    return this.options.born.id;
  }

  get fault(): DeviceFault {
    return this.options.fault;
  }

  async step(): Promise<number> {
    const outcome = await this.agent.step();
    const tally = this.tally;
    tally.lastOutcome = outcome.kind;
    switch (outcome.kind) {
      case 'onboarded':
      case 'renewed':
        if (outcome.kind === 'onboarded') tally.onboarded = true;
        else tally.renewals++;
        if (tally.failingNow) tally.recoveries++;
        tally.failingNow = false;
        if (!(this.options.fault.kind === 'firmware-bug' && outcome.kind === 'renewed'))
          tally.inUseNotAfter = outcome.notAfter;
        break;
      case 'failed':
        tally.failures++;
        tally.failingNow = true;
        tally.causes.set(outcome.cause, (tally.causes.get(outcome.cause) ?? 0) + 1);
        break;
      case 'not-due':
      case 'pending':
        break;
    }
    return outcome.nextAt.getTime() - this.clockOffsetMs;
  }

  /** The device's side of the network: down during an outage, and for good once an offline device goes dark. */
  private faulty(transport: EstTransport): EstTransport {
    const { fault, onlineAtMs } = this.options;
    const down = (): boolean => {
      const sinceOnline = (realNowMs() - onlineAtMs) / 1000;
      if (fault.kind === 'outage')
        return sinceOnline >= fault.afterSeconds && sinceOnline < fault.afterSeconds + fault.seconds;
      if (fault.kind === 'offline') return sinceOnline >= fault.afterSeconds;
      return false;
    };
    const guard =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        down()
          ? Promise.reject(new PkiError('UNAVAILABLE', 'EST server unreachable: network is down (simulated)'))
          : call(...args);
    let answersLost = fault.kind === 'lost-answer' ? 1 : 0;
    return {
      cacerts: guard(() => transport.cacerts()),
      csrattrs: guard(() => transport.csrattrs()),
      simpleenroll: guard((csr, credential) => transport.simpleenroll(csr, credential)),
      simplereenroll: guard(async (csr, credential) => {
        const answer = await transport.simplereenroll(csr, credential);
        if (answersLost === 0) return answer;
        answersLost--;
        throw new PkiError('UNAVAILABLE', 'connection reset while the answer arrived (simulated)');
      }),
    };
  }
}

/**
 * Firmware that says it installed the renewed certificate and did not: the store keeps the first pair it was
 * given, and the agent's attempt to put the previous pair back changes nothing either.
 */
class FirmwareBugStore extends MemoryCredentialStore {
  private installedOnce = false;

  override async install(...args: Parameters<MemoryCredentialStore['install']>): Promise<void> {
    if (this.installedOnce) return;
    this.installedOnce = true;
    await super.install(...args);
  }

  override restorePrevious(): Promise<void> {
    return Promise.resolve();
  }
}
