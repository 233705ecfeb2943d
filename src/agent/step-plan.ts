import type { ParsedCertificate } from '../pki/certificate.js';
import { MAX_ARI_RETRY_AFTER_SECONDS } from '../protocols/acme/client/renewal-info-fetch.js';
import type { ResolvedAgentConfig } from './agent-config.js';
import { type AgentTime, CLOCK_WRONG_BEYOND_MS, toDeviceTime } from './clock-skew.js';
import type { AgentState } from './credential-store.js';
import type { EnrollmentKind } from './enrollment.js';
import { type RenewalWindow, renewalTime, renewalWindow } from './renewal-schedule.js';

export type MutableAgentState = { -readonly [K in keyof AgentState]: AgentState[K] };

/** What a step knows when it decides what is due: the state it may update, the current certificate, the time. */
export interface PlanView {
  readonly state: MutableAgentState;
  /** The current LDevID, undefined before onboarding. */
  readonly current: ParsedCertificate | undefined;
  readonly time: AgentTime;
  readonly config: ResolvedAgentConfig;
  readonly random: () => number;
  /** After a failed renewalInfo check, not before this (server time); kept by the process, not the state. */
  readonly renewalInfoRetryAt?: Date;
}

/**
 * The enrollment due now, by the time the step trusts: onboarding when there is no LDevID or it has expired
 * (simplereenroll needs a valid certificate; only the IDevID can get a new one), renewal from its renewal time.
 */
export function dueEnrollment(view: PlanView): EnrollmentKind | undefined {
  if (!view.current) return 'onboard';
  const nowMs = view.time.now.getTime();
  if (nowMs > view.current.notAfter.getTime()) return 'onboard';
  return nowMs >= renewAt(view).getTime() ? 'renew' : undefined;
}

/**
 * The current certificate's renewal time (server time). The random draw is made once per certificate and kept
 * in the state with the time it gives, so a restart keeps the time; a newly announced policy or renewalInfo
 * window moves it, with the same draw. A renewalInfo window for this certificate replaces the local one (RFC 9773
 * §4.2: a uniformly random time in it; one already past means renew now).
 */
export function renewAt(view: PlanView): Date {
  const leaf = view.current;
  if (!leaf) return view.time.now;
  const { state, config } = view;
  const jitter = state.renewal?.serial === leaf.serial ? state.renewal.jitter : view.random();
  const window =
    suggestedWindow(state, leaf.serial) ??
    renewalWindow(leaf, {
      ...(state.renewalPolicy === undefined ? {} : { policy: state.renewalPolicy }),
      renewalFraction: config.renewalFraction,
      jitterFraction: config.jitterFraction,
    });
  const at = renewalTime(window, jitter);
  if (state.renewal?.serial !== leaf.serial || state.renewal.renewAt !== at.toISOString()) {
    state.renewal = { serial: leaf.serial, jitter, renewAt: at.toISOString() };
  }
  return at;
}

/**
 * The kept renewalInfo window of certificate `serial` as a window to draw in, or undefined when there is none
 * for it or the kept values do not make one (a state edited by hand: the local schedule applies then).
 */
function suggestedWindow(state: AgentState, serial: string): RenewalWindow | undefined {
  const info = state.renewalInfo;
  if (info?.serial !== serial) return undefined;
  const startMs = Date.parse(info.start);
  const endMs = Date.parse(info.end);
  if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs <= startMs) return undefined;
  return { windowStart: new Date(startMs), spreadEnd: new Date(endMs) };
}

/**
 * When to ask for renewalInfo about the current LDevID (server time): at once when there is no answer about it
 * yet, else when the last answer's Retry-After has passed; never before a failed check's retry time. Undefined
 * when acmeDirectoryUrl is not configured, there is no valid LDevID to ask about, or the time is in doubt (the
 * ACME transport judges the server's TLS certificate by the device clock).
 */
export function renewalInfoCheckAt(view: PlanView): Date | undefined {
  const leaf = view.current;
  const nowMs = view.time.now.getTime();
  if (view.config.acmeDirectoryUrl === undefined || !leaf || nowMs > leaf.notAfter.getTime())
    return undefined;
  if (view.time.deviceClockWrong || view.time.needsServerTime) return undefined;
  const info = view.state.renewalInfo;
  let atMs = info?.serial === leaf.serial ? Date.parse(info.nextCheckAt) : nowMs;
  // Unreadable, or further ahead than any Retry-After allows: the clock moved back since; ask now.
  if (Number.isNaN(atMs) || atMs - nowMs > MAX_ARI_RETRY_AFTER_SECONDS * 1000) atMs = nowMs;
  const retryMs = view.renewalInfoRetryAt?.getTime();
  return new Date(retryMs === undefined ? atMs : Math.max(atMs, retryMs));
}

/** Whether this step asks for renewalInfo (see renewalInfoCheckAt). */
export function renewalInfoCheckDue(view: PlanView): boolean {
  const at = renewalInfoCheckAt(view);
  return at !== undefined && view.time.now.getTime() >= at.getTime();
}

/** Whether cacerts is to be fetched again: never fetched, trustRefreshSeconds passed, or the clock jumped back. */
export function trustRefreshDue(view: PlanView): boolean {
  const last = view.state.lastTrustRefreshAt;
  if (last === undefined) return true;
  const elapsedMs = view.time.now.getTime() - Date.parse(last);
  // Far before the last refresh: the device clock moved back since; a refresh also measures it again.
  return elapsedMs >= view.config.trustRefreshSeconds * 1000 || elapsedMs < -CLOCK_WRONG_BEYOND_MS;
}

/** The next scheduled thing, renewal, trust refresh or renewalInfo check, as the device clock will read it. */
export function nextScheduled(view: PlanView): Date {
  const candidates = [renewAt(view).getTime()];
  const last = view.state.lastTrustRefreshAt;
  if (last !== undefined) candidates.push(Date.parse(last) + view.config.trustRefreshSeconds * 1000);
  const check = renewalInfoCheckAt(view);
  if (check !== undefined) candidates.push(check.getTime());
  return toDeviceTime(view.time, new Date(Math.min(...candidates)));
}
