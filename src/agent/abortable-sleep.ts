import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms` of real time, or less when `signal` aborts; never rejects for the abort. */
export async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
