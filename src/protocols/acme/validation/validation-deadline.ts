import { AcmeProblem } from '../wire/acme-problem.js';

/** One validation's time budget, shared by every lookup, connect, handshake and read it makes. */
export interface Deadline {
  /** Aborts when the budget is spent; each step listens to it and tears its socket down. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

/**
 * Runs `work` under a deadline of `timeoutMs`. The timer is an ordinary (ref'd) one, so a step waiting on nothing
 * but the deadline still ends in a problem rather than a silently exiting process; it is cleared when `work`
 * settles.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  work: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await work({ signal: controller.signal, timeoutMs });
  } finally {
    clearTimeout(timer);
  }
}

/** RFC 8555 §6.7 `connection`: the target did not answer in time, whatever step it was at. */
export function timeoutProblem(what: string, deadline: Deadline): AcmeProblem {
  return new AcmeProblem('connection', `${what}: no answer within ${deadline.timeoutMs} ms`);
}

/** Settles with `work`, or rejects with `onTimeout()` once the deadline passes, whichever comes first. */
export function untilDeadline<T>(work: Promise<T>, deadline: Deadline, onTimeout: () => Error): Promise<T> {
  const { signal } = deadline;
  if (signal.aborted) return Promise.reject(onTimeout());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onTimeout());
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
