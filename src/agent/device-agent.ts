import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import type { ServerCertificateTime } from '../protocols/est/client/est-client.js';
import type { CsrAttributesRequest } from '../protocols/est/wire/csr-attrs.js';
import { type AgentConfig, resolveAgentConfig, type ResolvedAgentConfig } from './agent-config.js';
import { type AgentLogLine, stderrLog } from './agent-log.js';
import { announcedRenewalPolicy } from './announced-renewal-policy.js';
import {
  type AgentTime,
  assessClock,
  CLOCK_WRONG_BEYOND_MS,
  describeOffset,
  measureOffsetMs,
  serverCertificateTime,
} from './clock-skew.js';
import { type LoadedCredential, loadCredential } from './credential-pair.js';
import { readCurrentCredential } from './current-credential.js';
import type {
  AgentState,
  CredentialGeneration,
  CredentialPair,
  CredentialStore,
} from './credential-store.js';
import { enroll, type EnrollmentKind } from './enrollment.js';
import {
  type EnrollmentRequest,
  keyAlgorithmFor,
  onboardingRequest,
  renewalRequest,
} from './enrollment-csr.js';
import type { EstTransport } from './est-transport.js';
import { type FailureCause, type StepFailure, storageFailure, transportFailure } from './failure-cause.js';
import { checkRenewalInfo, renewalInfoRetrySeconds } from './renewal-info-check.js';
import { acmeRenewalInfoSource, type RenewalInfoSource } from './renewal-info-source.js';
import { BACKOFF_JITTER, retryDelaySeconds } from './renewal-schedule.js';
import {
  dueEnrollment,
  type MutableAgentState,
  nextScheduled,
  type PlanView,
  renewalInfoCheckDue,
  renewAt,
  trustRefreshDue,
} from './step-plan.js';
import { abortableSleep } from './abortable-sleep.js';
import { parseAnchorsPem } from './trust-anchors.js';
import { refreshTrust } from './trust-refresh.js';

export type { AgentConfig } from './agent-config.js';
export type { AgentLogEvent, AgentLogLine } from './agent-log.js';
export type {
  AgentState,
  AnnouncedRenewalPolicy,
  CredentialGeneration,
  CredentialPair,
  CredentialStore,
  KeptRenewalInfo,
} from './credential-store.js';
export type { EstCallOptions, EstTransport, EstTransportOptions } from './est-transport.js';
export { estTransport } from './est-transport.js';
export type { FailureCause } from './failure-cause.js';
export { FileCredentialStore, type FileCredentialStoreOptions } from './file-credential-store.js';
export { MemoryCredentialStore } from './memory-credential-store.js';
export type { AgentFileSystem } from './agent-file-system.js';
export {
  acmeRenewalInfoSource,
  type AcmeRenewalInfoSourceOptions,
  type RenewalInfoCall,
  type RenewalInfoSource,
} from './renewal-info-source.js';

/** What the agent just installed, for the hook (restart a broker client, reload a TLS server). */
export interface InstalledCredential extends CredentialGeneration {
  readonly kind: 'onboarded' | 'renewed';
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The serial of the pair it replaced, now the previous generation. */
  readonly previousSerial?: string;
}

export interface AgentDeps {
  readonly config: AgentConfig;
  readonly store: CredentialStore;
  readonly est: EstTransport;
  /**
   * Where RFC 9773 renewal information comes from when config.acmeDirectoryUrl is set; default
   * acmeRenewalInfoSource at that URL. Unused without it.
   */
  readonly renewalInfo?: RenewalInfoSource;
  /** The device's clock, which may be wrong (1970 after a power loss, or hours off). */
  readonly clock: Clock;
  /** For jitter and backoff spread; default Math.random. */
  readonly random?: () => number;
  /** One structured line per outcome; default: a human-readable line on stderr. */
  readonly log?: (line: AgentLogLine) => void;
  /** Runs after a new pair is installed; a failure is logged and does not undo the swap. */
  readonly hook?: (installed: InstalledCredential) => Promise<void>;
  /** How run() waits; default a timer. The fleet simulator drives step() itself instead. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Every `nextAt` is device-clock time: sleep `nextAt − clock.now()`. */
export type StepOutcome =
  | {
      readonly kind: 'onboarded' | 'renewed';
      readonly serial: string;
      readonly notAfter: Date;
      readonly nextAt: Date;
    }
  | { readonly kind: 'not-due'; readonly nextAt: Date }
  | { readonly kind: 'pending'; readonly nextAt: Date }
  | {
      readonly kind: 'failed';
      readonly cause: FailureCause;
      readonly message: string;
      readonly consecutiveFailures: number;
      readonly nextAt: Date;
    };

/** run() wakes at least this often, so that a clock that jumps (NTP, suspend) is noticed within this time. */
export const MAX_SLEEP_MS = 15 * 60 * 1000;
const MIN_SLEEP_MS = 1000;

/** One step's view: the device time it started at, the state being updated, and the time it reasons by. */
interface Step {
  readonly deviceNow: Date;
  readonly state: MutableAgentState;
  readonly stateBefore: string;
  /** The current certificate and its chain, decoded (the key stays in `currentPair`). */
  current: Pick<LoadedCredential, 'leaf' | 'chain'> | undefined;
  currentPair: CredentialGeneration | undefined;
  time: AgentTime;
  /** The latest notBefore of the stored trust anchors: a moment that has certainly passed. */
  anchorsNotBefore: Date | undefined;
}

/** A request the server holds for approval (202): sent again unchanged until it is answered. */
interface PendingEnrollment {
  readonly kind: EnrollmentKind;
  readonly request: EnrollmentRequest;
  /** The serial the request renews (undefined when onboarding); a different current pair voids it. */
  readonly forSerial: string | undefined;
}

/**
 * The device renewal agent: onboards with the IDevID (simpleenroll), then keeps the LDevID renewed
 * (simplereenroll, a new key each time) over EST, with a jittered schedule (inside the ACME server's RFC 9773
 * renewal window when acmeDirectoryUrl is set), backoff, clock-skew handling and trust-anchor rollover. Each
 * step() does at most one renewalInfo check, one trust refresh and one enrollment and says when to call again;
 * run() loops it as a daemon. Errors of the network, the server and the disk become a 'failed' outcome (a failed
 * renewalInfo check only a log line); only a bug throws.
 */
export class DeviceAgent {
  readonly #deps: AgentDeps;
  readonly #config: ResolvedAgentConfig;
  readonly #random: () => number;
  readonly #log: (line: AgentLogLine) => void;
  readonly #renewalInfo: RenewalInfoSource | undefined;
  /** Failed renewalInfo checks in a row, and when to ask again (server time): a backoff of this process only. */
  #renewalInfoFailures = 0;
  #renewalInfoRetryAt: Date | undefined;
  /** Intermediates from this process's latest cacerts; undefined until the first one. */
  #caCertificates: readonly ParsedCertificate[] | undefined;
  #pending: PendingEnrollment | undefined;
  #clockReported = false;
  readonly #reportedRoots = new Set<string>();
  #running: Promise<StepOutcome> | undefined;

  constructor(deps: AgentDeps) {
    this.#deps = deps;
    this.#config = resolveAgentConfig(deps.config);
    this.#random = deps.random ?? Math.random;
    this.#log = deps.log ?? stderrLog;
    const directoryUrl = this.#config.acmeDirectoryUrl;
    this.#renewalInfo =
      directoryUrl === undefined ? undefined : (deps.renewalInfo ?? acmeRenewalInfoSource({ directoryUrl }));
  }

  /** One step; a call while another runs waits for it and returns the same outcome. */
  step(): Promise<StepOutcome> {
    this.#running ??= this.#step().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The daemon: step, sleep until nextAt by the device clock (at most MAX_SLEEP_MS), until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const sleep = this.#deps.sleep ?? abortableSleep;
    while (!signal.aborted) {
      const outcome = await this.step();
      if (signal.aborted) break;
      const waitMs = outcome.nextAt.getTime() - this.#deps.clock.now().getTime();
      await sleep(Math.min(Math.max(waitMs, MIN_SLEEP_MS), MAX_SLEEP_MS), signal);
    }
  }

  async #step(): Promise<StepOutcome> {
    const { store, clock } = this.#deps;
    const deviceNow = clock.now();
    let state: AgentState;
    try {
      state = await store.readState();
    } catch (error) {
      return this.#failWithoutState(deviceNow, storageFailure(error, 'reading the agent state'));
    }
    const step: Step = {
      deviceNow,
      state: { ...state },
      stateBefore: JSON.stringify(state),
      current: undefined,
      currentPair: undefined,
      time: assessClock(deviceNow, state.clockOffsetMs, undefined),
      anchorsNotBefore: undefined,
    };
    const current = await readCurrentCredential(store, (line) => this.#emit(line));
    if (!current.ok) return this.#fail(step, current.failure);
    step.current = current.loaded;
    step.currentPair = current.pair;
    step.time = this.#assess(step);

    // A backoff or Retry-After still running. One much further ahead than any backoff means the clock jumped back.
    const retryAtMs = step.state.retryAt === undefined ? undefined : Date.parse(step.state.retryAt);
    const gateMs = Math.max(
      this.#config.backoff.maxSeconds * (1 + BACKOFF_JITTER) * 1000,
      CLOCK_WRONG_BEYOND_MS,
    );
    if (
      retryAtMs !== undefined &&
      retryAtMs > deviceNow.getTime() &&
      retryAtMs - deviceNow.getTime() <= gateMs
    ) {
      return this.#notDue(step, new Date(retryAtMs));
    }

    let anchorsPem: string | undefined;
    try {
      anchorsPem = await store.trustAnchorsPem();
    } catch (error) {
      return this.#fail(step, storageFailure(error, 'reading the trust anchors'));
    }
    step.anchorsNotBefore = latestNotBefore(anchorsPem);
    // Before deciding what is due: the answer may make a renewal due now (and so the cacerts it needs).
    if (renewalInfoCheckDue(this.#plan(step))) await this.#checkRenewalInfo(step, anchorsPem);
    const mayEnroll = this.#dueEnrollment(step) !== undefined;
    if (
      anchorsPem === undefined ||
      step.time.needsServerTime ||
      trustRefreshDue(this.#plan(step)) ||
      (mayEnroll && this.#caCertificates === undefined)
    ) {
      step.state.lastAttemptAt = deviceNow.toISOString();
      const refreshed = await refreshTrust({
        store,
        est: this.#est(step),
        anchorsPem,
        pinnedRootSha256: this.#config.pinnedRootSha256,
        fallbackTime: () => step.time.now,
        onServerDate: (date) => this.#noteServerDate(step, date),
        reportedRoots: this.#reportedRoots,
        log: (line) => this.#emit(line),
      });
      if (!refreshed.ok) return this.#fail(step, refreshed.failure);
      this.#caCertificates = refreshed.intermediates;
      step.state.lastTrustRefreshAt = refreshed.at.toISOString();
      step.time = this.#assess(step);
      try {
        anchorsPem = await store.trustAnchorsPem();
      } catch (error) {
        return this.#fail(step, storageFailure(error, 'reading the trust anchors'));
      }
      step.anchorsNotBefore = latestNotBefore(anchorsPem);
    }
    this.#reportClock(step.time);

    if (this.#dueEnrollment(step) === undefined) return this.#notDue(step, nextScheduled(this.#plan(step)));
    return this.#enroll(step, anchorsPem);
  }

  /**
   * RFC 9773 §4.2–§4.3: asks the ACME server about the current LDevID and keeps its window and the time to ask
   * again in the state; renewAt draws in that window from then on. A failure is logged and retried after a
   * backoff; it never fails the step, and the schedule stays what it was.
   */
  async #checkRenewalInfo(step: Step, anchorsPem: string | undefined): Promise<void> {
    const leaf = step.current?.leaf;
    if (!leaf || !this.#renewalInfo) return;
    const result = await checkRenewalInfo({
      source: this.#renewalInfo,
      leaf,
      anchorsPem,
      now: step.time.now,
      deviceClock: () => this.#deps.clock.now(),
    });
    if (!result.ok) {
      this.#renewalInfoFailures += 1;
      const delaySeconds = renewalInfoRetrySeconds({
        consecutiveFailures: this.#renewalInfoFailures,
        backoff: this.#config.backoff,
        random: this.#random(),
        retryAfterSeconds: result.retryAfterSeconds,
      });
      this.#renewalInfoRetryAt = new Date(step.time.now.getTime() + delaySeconds * 1000);
      this.#emit({
        level: 'warn',
        event: 'agent.renewal-info.failed',
        message: `renewalInfo check failed, keeping the renewal schedule: ${result.message}`,
        fields: {
          consecutiveFailures: this.#renewalInfoFailures,
          nextCheckAt: this.#renewalInfoRetryAt.toISOString(),
        },
      });
      return;
    }
    this.#renewalInfoFailures = 0;
    this.#renewalInfoRetryAt = undefined;
    const previous = step.state.renewalInfo;
    const { kept } = result;
    step.state.renewalInfo = kept;
    if (previous?.serial === kept.serial && previous.start === kept.start && previous.end === kept.end)
      return;
    this.#emit({
      level: 'info',
      event: 'agent.renewal-info.window',
      message:
        `the ACME server suggests renewing ${leaf.serial} between ${kept.start} and ${kept.end}` +
        (kept.explanationUrl === undefined ? '' : ` (see ${kept.explanationUrl})`),
      fields: {
        serial: leaf.serial,
        start: kept.start,
        end: kept.end,
        renewAt: renewAt(this.#plan(step)).toISOString(),
      },
    });
  }

  async #enroll(step: Step, anchorsPem: string | undefined): Promise<StepOutcome> {
    const { store } = this.#deps;
    const est = this.#est(step);
    step.state.lastAttemptAt = step.deviceNow.toISOString();
    let attributes: CsrAttributesRequest | undefined;
    try {
      const answer = await est.csrattrs();
      if (answer.serverDate) this.#noteServerDate(step, answer.serverDate);
      attributes = answer.attributes;
    } catch (error) {
      return this.#fail(step, transportFailure(error));
    }
    const policy = announcedRenewalPolicy(attributes);
    if (policy) step.state.renewalPolicy = policy;
    // The server's Date just refreshed the offset: decide again, so that a wrong clock never causes a renewal.
    step.time = this.#assess(step);
    this.#reportClock(step.time);
    const kind = this.#dueEnrollment(step);
    if (kind === undefined) return this.#notDue(step, nextScheduled(this.#plan(step)));

    let credential: CredentialPair | undefined;
    let identity: ParsedCertificate | undefined;
    if (kind === 'renew') {
      credential = step.currentPair;
      identity = step.current?.leaf;
    } else {
      try {
        credential = await store.idevid();
      } catch (error) {
        return this.#fail(step, storageFailure(error, 'reading the IDevID'));
      }
      if (!credential)
        return this.#fail(step, {
          cause: 'no-credential',
          message: 'no LDevID and no IDevID to onboard with',
        });
      try {
        identity = loadCredential(credential, 'IDevID').leaf;
      } catch (error) {
        if (!(error instanceof PkiError)) throw error;
        return this.#fail(step, { cause: 'no-credential', message: error.message });
      }
    }
    if (!credential || !identity)
      return this.#fail(step, { cause: 'no-credential', message: 'no credential to renew with' });

    const request = this.#requestFor(kind, identity, attributes, step);
    let anchors: ParsedCertificate[];
    try {
      anchors = anchorsPem === undefined ? [] : parseAnchorsPem(anchorsPem);
    } catch (error) {
      if (!(error instanceof PkiError)) throw error;
      return this.#fail(step, {
        cause: 'storage',
        message: `the stored trust anchors do not decode: ${error.message}`,
      });
    }
    const result = await enroll({
      kind,
      est,
      store,
      credential,
      request,
      anchors,
      intermediates: [...(this.#caCertificates ?? []), ...(step.current?.chain ?? [])],
      fallbackTime: () => step.time.now,
      onServerDate: (date) => this.#noteServerDate(step, date),
    });
    switch (result.status) {
      case 'failed':
        return this.#fail(step, result.failure);
      case 'pending':
        return this.#pendingOutcome(step, kind, request, result.retryAfterSeconds);
      case 'installed':
        return this.#installed(step, kind, result.generation, result.leaf);
    }
  }

  #requestFor(
    kind: EnrollmentKind,
    identity: ParsedCertificate,
    attributes: CsrAttributesRequest | undefined,
    step: Step,
  ): EnrollmentRequest {
    const pending = this.#pending;
    if (pending && pending.kind === kind && pending.forSerial === step.currentPair?.serial)
      return pending.request;
    this.#pending = undefined;
    const keyAlgorithm = keyAlgorithmFor(this.#config.keyAlgorithm, attributes);
    const request =
      kind === 'onboard'
        ? onboardingRequest(identity, attributes, keyAlgorithm)
        : renewalRequest(identity, attributes, keyAlgorithm);
    if (request.unfilledSubjectAttributes.length > 0) {
      this.#emit({
        level: 'warn',
        event: 'agent.csr.unfilled-attributes',
        message: `csrattrs asks for ${request.unfilledSubjectAttributes.join(', ')}, which the IDevID does not name`,
      });
    }
    return request;
  }

  async #installed(
    step: Step,
    kind: EnrollmentKind,
    generation: CredentialGeneration,
    leaf: ParsedCertificate,
  ): Promise<StepOutcome> {
    this.#pending = undefined;
    const previousSerial = step.currentPair?.serial;
    const { state } = step;
    state.consecutiveFailures = 0;
    delete state.lastFailure;
    delete state.retryAt;
    state.lastSuccessAt = this.#deps.clock.now().toISOString();
    step.current = { leaf, chain: [] };
    step.currentPair = generation;
    step.time = this.#assess(step);
    const nextAt = nextScheduled(this.#plan(step));
    await this.#saveState(step);
    const outcomeKind = kind === 'onboard' ? 'onboarded' : 'renewed';
    this.#emit({
      level: 'info',
      event: kind === 'onboard' ? 'agent.onboarded' : 'agent.renewed',
      message: `installed certificate ${leaf.serial}, valid until ${leaf.notAfter.toISOString()}`,
      fields: { serial: leaf.serial, nextAt: nextAt.toISOString() },
    });
    await this.#runHook({
      ...generation,
      kind: outcomeKind,
      subject: leaf.subjectText,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      ...(previousSerial === undefined ? {} : { previousSerial }),
    });
    return { kind: outcomeKind, serial: leaf.serial, notAfter: leaf.notAfter, nextAt };
  }

  async #runHook(installed: InstalledCredential): Promise<void> {
    if (!this.#deps.hook) return;
    try {
      await this.#deps.hook(installed);
    } catch (error) {
      this.#emit({
        level: 'error',
        event: 'agent.hook.failed',
        message: `the post-install hook failed (the new pair stays installed): ${error instanceof Error ? error.message : String(error)}`,
        fields: { serial: installed.serial },
      });
    }
  }

  async #pendingOutcome(
    step: Step,
    kind: EnrollmentKind,
    request: EnrollmentRequest,
    retryAfterSeconds: number,
  ): Promise<StepOutcome> {
    this.#pending = { kind, request, forSerial: step.currentPair?.serial };
    const nextAt = new Date(this.#deps.clock.now().getTime() + Math.max(retryAfterSeconds, 1) * 1000);
    step.state.retryAt = nextAt.toISOString();
    await this.#saveState(step);
    this.#emit({
      level: 'info',
      event: 'agent.pending',
      message: `the server holds the request for approval; asking again in ${retryAfterSeconds} s`,
      fields: { nextAt: nextAt.toISOString() },
    });
    return { kind: 'pending', nextAt };
  }

  async #notDue(step: Step, at: Date): Promise<StepOutcome> {
    const nextAt = new Date(Math.max(at.getTime(), step.deviceNow.getTime()));
    if (JSON.stringify(step.state) !== step.stateBefore) await this.#saveState(step);
    this.#emit({
      level: 'debug',
      event: 'agent.not-due',
      message: 'nothing to do',
      fields: { nextAt: nextAt.toISOString() },
    });
    return { kind: 'not-due', nextAt };
  }

  async #fail(step: Step, failure: StepFailure): Promise<StepOutcome> {
    const { state } = step;
    if (failure.serverDate) this.#noteServerDate(step, failure.serverDate);
    state.consecutiveFailures += 1;
    state.lastFailure = { cause: failure.cause, message: failure.message };
    const now = this.#assess(step).now;
    const secondsLeft =
      step.current === undefined ? undefined : (step.current.leaf.notAfter.getTime() - now.getTime()) / 1000;
    const delaySeconds = retryDelaySeconds({
      consecutiveFailures: state.consecutiveFailures,
      backoff: this.#config.backoff,
      random: this.#random(),
      ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }),
      ...(secondsLeft === undefined ? {} : { secondsLeft }),
    });
    const nextAt = new Date(this.#deps.clock.now().getTime() + delaySeconds * 1000);
    state.retryAt = nextAt.toISOString();
    await this.#saveState(step);
    this.#emit({
      level: 'warn',
      event: 'agent.failed',
      message: failure.message,
      fields: {
        cause: failure.cause,
        consecutiveFailures: state.consecutiveFailures,
        nextAt: nextAt.toISOString(),
      },
    });
    return {
      kind: 'failed',
      cause: failure.cause,
      message: failure.message,
      consecutiveFailures: state.consecutiveFailures,
      nextAt,
    };
  }

  /** The state itself cannot be read: retry after the first backoff, keeping nothing. */
  #failWithoutState(deviceNow: Date, failure: StepFailure): StepOutcome {
    const delaySeconds = retryDelaySeconds({
      consecutiveFailures: 1,
      backoff: this.#config.backoff,
      random: this.#random(),
    });
    const nextAt = new Date(deviceNow.getTime() + delaySeconds * 1000);
    this.#emit({
      level: 'error',
      event: 'agent.failed',
      message: failure.message,
      fields: { cause: failure.cause },
    });
    return { kind: 'failed', cause: failure.cause, message: failure.message, consecutiveFailures: 1, nextAt };
  }

  /** What this step should enrol for: a request the server holds first, else what the schedule says. */
  #dueEnrollment(step: Step): EnrollmentKind | undefined {
    const pending = this.#pending;
    if (pending && pending.forSerial === step.currentPair?.serial) return pending.kind;
    return dueEnrollment(this.#plan(step));
  }

  #plan(step: Step): PlanView {
    return {
      state: step.state,
      current: step.current?.leaf,
      time: step.time,
      config: this.#config,
      random: this.#random,
      ...(this.#renewalInfoRetryAt === undefined ? {} : { renewalInfoRetryAt: this.#renewalInfoRetryAt }),
    };
  }

  /**
   * The transport for this step's calls, each telling when to judge the server's TLS certificate: by the time
   * the agent reasons by, read at each connection (see serverCertificateTime in clock-skew.ts). Only cacerts,
   * the probe whose answer tells the time, may be judged at the bounded substitute time; an enrollment waits
   * until the time is known.
   */
  #est(step: Step): EstTransport {
    const est = this.#deps.est;
    const judgedBy = (probe: boolean) => ({
      serverCertificateTime: () => this.#serverCertificateTime(step, probe),
    });
    return {
      cacerts: () => est.cacerts(judgedBy(true)),
      csrattrs: () => est.csrattrs(judgedBy(false)),
      simpleenroll: (csrDer, credential) => est.simpleenroll(csrDer, credential, judgedBy(false)),
      simplereenroll: (csrDer, credential) => est.simplereenroll(csrDer, credential, judgedBy(false)),
    };
  }

  #serverCertificateTime(step: Step, probe: boolean): ServerCertificateTime | undefined {
    const knownPast = [step.anchorsNotBefore, step.current?.leaf.notBefore].reduce<Date | undefined>(
      (latest, date) => (date !== undefined && (latest === undefined || date > latest) ? date : latest),
      undefined,
    );
    return serverCertificateTime(this.#assess(step), this.#deps.clock.now(), probe ? knownPast : undefined);
  }

  #assess(step: Step): AgentTime {
    return assessClock(step.deviceNow, step.state.clockOffsetMs, step.current?.leaf);
  }

  /** Keeps the latest offset estimate, measured against the device clock when the answer arrived. */
  #noteServerDate(step: Step, serverDate: Date): void {
    step.state.clockOffsetMs = measureOffsetMs(serverDate, this.#deps.clock.now());
  }

  /** Says once that the clock is off, and once that it is right again. */
  #reportClock(time: AgentTime): void {
    if (time.deviceClockWrong && !this.#clockReported) {
      this.#clockReported = true;
      this.#emit({
        level: 'warn',
        event: 'agent.clock.wrong',
        message: `the device clock is ${describeOffset(time.offsetMs)}; scheduling and validating by server time`,
        fields: { offsetSeconds: Math.round(time.offsetMs / 1000) },
      });
    } else if (!time.deviceClockWrong && this.#clockReported) {
      this.#clockReported = false;
      this.#emit({
        level: 'info',
        event: 'agent.clock.recovered',
        message: 'the device clock agrees with the server again',
      });
    }
  }

  async #saveState(step: Step): Promise<void> {
    try {
      await this.#deps.store.writeState(step.state);
    } catch (error) {
      // The pair on disk is what matters; the state holds counters and schedule hints, rebuilt if lost.
      this.#emit({
        level: 'error',
        event: 'agent.state.unsaved',
        message: storageFailure(error, 'saving the agent state').message,
      });
    }
  }

  #emit(line: Omit<AgentLogLine, 'at'>): void {
    this.#log({ at: this.#deps.clock.now(), ...line });
  }
}

/** The latest notBefore of the anchors; undefined without anchors or when they do not decode (reported elsewhere). */
function latestNotBefore(anchorsPem: string | undefined): Date | undefined {
  if (anchorsPem === undefined) return undefined;
  try {
    const times = parseAnchorsPem(anchorsPem).map((anchor) => anchor.notBefore.getTime());
    return times.length === 0 ? undefined : new Date(Math.max(...times));
  } catch (error) {
    if (error instanceof PkiError) return undefined;
    throw error;
  }
}
