import type { ParsedCertificate } from '../pki/certificate.js';
import type { ResolvedAgentConfig } from './agent-config.js';
import { type AgentTime, CLOCK_WRONG_BEYOND_MS, toDeviceTime } from './clock-skew.js';
import type { AgentState } from './credential-store.js';
import type { EnrollmentKind } from './enrollment.js';
import { renewalTime, renewalWindow } from './renewal-schedule.js';

export type MutableAgentState = { -readonly [K in keyof AgentState]: AgentState[K] };

/** What a step knows when it decides what is due: the state it may update, the current certificate, the time. */
export interface PlanView {
  readonly state: MutableAgentState;
  /** The current LDevID, undefined before onboarding. */
  readonly current: ParsedCertificate | undefined;
  readonly time: AgentTime;
  readonly config: ResolvedAgentConfig;
  readonly random: () => number;
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
 * in the state with the time it gives, so a restart keeps the time; a newly announced policy moves it, with the
 * same draw.
 */
export function renewAt(view: PlanView): Date {
  const leaf = view.current;
  if (!leaf) return view.time.now;
  const { state, config } = view;
  const jitter = state.renewal?.serial === leaf.serial ? state.renewal.jitter : view.random();
  const window = renewalWindow(leaf, {
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

/** Whether cacerts is to be fetched again: never fetched, trustRefreshSeconds passed, or the clock jumped back. */
export function trustRefreshDue(view: PlanView): boolean {
  const last = view.state.lastTrustRefreshAt;
  if (last === undefined) return true;
  const elapsedMs = view.time.now.getTime() - Date.parse(last);
  // Far before the last refresh: the device clock moved back since; a refresh also measures it again.
  return elapsedMs >= view.config.trustRefreshSeconds * 1000 || elapsedMs < -CLOCK_WRONG_BEYOND_MS;
}

/** The next scheduled thing, renewal or trust refresh, as the device clock will read it. */
export function nextScheduled(view: PlanView): Date {
  const candidates = [renewAt(view).getTime()];
  const last = view.state.lastTrustRefreshAt;
  if (last !== undefined) candidates.push(Date.parse(last) + view.config.trustRefreshSeconds * 1000);
  return toDeviceTime(view.time, new Date(Math.min(...candidates)));
}
