import { SECONDS_PER_DAY } from '../core/duration.js';
import type { ServerCertificateTime } from '../protocols/est/client/est-client.js';
import type { ValidityPeriod } from './renewal-schedule.js';

/** Beyond this offset from the server the device clock is wrong, not merely drifting. */
export const CLOCK_WRONG_BEYOND_MS = SECONDS_PER_DAY * 1000;

/** How the agent reads time in one step: which clock it trusts, and how to turn server time into device time. */
export interface AgentTime {
  readonly deviceNow: Date;
  /** The time to schedule and validate by: the server's estimate when the device clock is wrong. */
  readonly now: Date;
  /** The device clock is clearly wrong and `now` is device time + the last measured offset. */
  readonly deviceClockWrong: boolean;
  /** The device clock contradicts the certificate and no server time is known: ask the server before acting. */
  readonly needsServerTime: boolean;
  /** The measured offset (server − device), when the clock is judged wrong; 0 otherwise. */
  readonly offsetMs: number;
}

/**
 * Decides which clock to trust. The device clock is clearly wrong when it reads before the current certificate's
 * notBefore (a 1970 clock after a power loss), after its notAfter while no server time is known, or when the
 * server's Date differs from it by more than a day. Then the agent schedules and validates by device time + the
 * last measured offset. A small skew is ignored: the certificates are backdated for it, and chasing it would make
 * every device's schedule jitter with network latency.
 */
export function assessClock(
  deviceNow: Date,
  measuredOffsetMs: number | undefined,
  current: ValidityPeriod | undefined,
): AgentTime {
  const deviceMs = deviceNow.getTime();
  const beforeValidity = current !== undefined && deviceMs < current.notBefore.getTime();
  const afterValidity = current !== undefined && deviceMs > current.notAfter.getTime();
  if (measuredOffsetMs === undefined) {
    const contradicted = beforeValidity || afterValidity;
    return { deviceNow, now: deviceNow, deviceClockWrong: false, needsServerTime: contradicted, offsetMs: 0 };
  }
  const wrong = beforeValidity || Math.abs(measuredOffsetMs) > CLOCK_WRONG_BEYOND_MS;
  if (!wrong)
    return { deviceNow, now: deviceNow, deviceClockWrong: false, needsServerTime: false, offsetMs: 0 };
  const estimateMs = deviceMs + measuredOffsetMs;
  return {
    deviceNow,
    now: new Date(estimateMs),
    deviceClockWrong: true,
    // The device clock moved since the offset was measured (it reset again): the estimate is stale.
    needsServerTime: current !== undefined && estimateMs < current.notBefore.getTime(),
    offsetMs: measuredOffsetMs,
  };
}

/** A time on the agent's schedule (server time when the device clock is wrong) as the device clock will read it. */
export function toDeviceTime(time: AgentTime, at: Date): Date {
  return new Date(at.getTime() - time.offsetMs);
}

/**
 * When the EST server's TLS certificate is to be judged, read at each connection (`deviceNow` is the device
 * clock then). The device clock is trusted: undefined, and the TLS layer judges by the system clock as always.
 * It is judged wrong: by the server-time estimate, which is what the agent validates everything else by.
 *
 * For the call that asks the time (cacerts), `knownPast` is given, a moment that has certainly passed (the
 * latest notBefore of the trust anchors and of the current LDevID: each was issued at or after it). Either time
 * may be before it: a 1970 clock with no server time yet, or an estimate gone stale because the clock reset
 * again since it was measured. Judged at that time every server certificate is "not yet valid", and the device
 * could never reach the server to learn the time. Then the chain is judged at the earliest moment, no earlier
 * than `knownPast`, at which it could be valid ({ notEarlierThan }: a server certificate renewed after the
 * anchor is judged from its own notBefore). Other calls are never judged at that substitute: they wait until
 * the time is known.
 *
 * Why this is acceptable: only the validity window is judged at a substitute time, and a bounded one. The
 * signatures up to a trusted anchor, the CA flags, the host name, the serverAuth purpose and the server's proof
 * of possession of its key are verified as always, so the peer holds a key that our CA certified for this name;
 * and a certificate that had expired by `knownPast` is still refused. What the holder of the key of a server
 * certificate that has expired since could do with it: answer this first cacerts (no anchor can be added by it
 * without a link signed by a current anchor) and tell a wrong time, which at worst delays renewal (no issued
 * certificate is installed unless it chains to the anchors), as anyone on the path could by dropping packets.
 * The substitute is used only while the time the agent reasons by is provably wrong, and only until an answer
 * tells the time: a device with a working clock is never judged by it.
 */
export function serverCertificateTime(
  time: AgentTime,
  deviceNow: Date,
  knownPast: Date | undefined,
): ServerCertificateTime | undefined {
  const nowMs = deviceNow.getTime() + (time.deviceClockWrong ? time.offsetMs : 0);
  if (knownPast !== undefined && nowMs < knownPast.getTime()) return { notEarlierThan: knownPast };
  return time.deviceClockWrong ? new Date(nowMs) : undefined;
}

/** server Date − device now, in milliseconds. */
export function measureOffsetMs(serverDate: Date, deviceNow: Date): number {
  return serverDate.getTime() - deviceNow.getTime();
}

/** "3 h 20 min", "56 years": how far off the clock is, for the one log line that says so. */
export function describeOffset(offsetMs: number): string {
  const seconds = Math.abs(offsetMs) / 1000;
  const direction = offsetMs > 0 ? 'behind' : 'ahead of';
  const amount =
    seconds >= 365 * SECONDS_PER_DAY
      ? `${(seconds / (365.25 * SECONDS_PER_DAY)).toFixed(1)} years`
      : seconds >= SECONDS_PER_DAY
        ? `${(seconds / SECONDS_PER_DAY).toFixed(1)} days`
        : seconds >= 3600
          ? `${(seconds / 3600).toFixed(1)} hours`
          : `${Math.round(seconds)} s`;
  return `${amount} ${direction} the server`;
}
