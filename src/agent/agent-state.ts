import { type AgentState, INITIAL_AGENT_STATE, type KeptRenewalInfo } from './credential-store.js';
import type { FailureCause } from './failure-cause.js';

const CAUSES: ReadonlySet<string> = new Set<FailureCause>([
  'unreachable',
  'server-error',
  'refused',
  'bad-response',
  'wrong-key',
  'untrusted-chain',
  'storage',
  'no-credential',
]);

/**
 * Reads stored state leniently: the state holds schedule hints and counters only, so a damaged file (a full disk,
 * an old version) costs a fresh start, never a device that stops renewing. Fields of the wrong type are dropped.
 */
export function parseAgentState(text: string): AgentState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return INITIAL_AGENT_STATE;
  }
  if (!isRecord(raw)) return INITIAL_AGENT_STATE;
  const failures = raw['consecutiveFailures'];
  const state: { -readonly [K in keyof AgentState]: AgentState[K] } = {
    consecutiveFailures:
      typeof failures === 'number' && Number.isInteger(failures) && failures >= 0 ? failures : 0,
  };
  for (const key of ['lastAttemptAt', 'lastSuccessAt', 'retryAt', 'lastTrustRefreshAt'] as const) {
    const value = raw[key];
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) state[key] = value;
  }
  const offset = raw['clockOffsetMs'];
  if (typeof offset === 'number' && Number.isFinite(offset)) state.clockOffsetMs = offset;
  const failure = raw['lastFailure'];
  if (isRecord(failure) && typeof failure['cause'] === 'string' && CAUSES.has(failure['cause'])) {
    state.lastFailure = {
      cause: failure['cause'] as FailureCause,
      message: typeof failure['message'] === 'string' ? failure['message'] : '',
    };
  }
  const policy = raw['renewalPolicy'];
  if (
    isRecord(policy) &&
    isNonNegative(policy['lifetimeSeconds']) &&
    isNonNegative(policy['renewAfterSeconds'])
  ) {
    state.renewalPolicy = {
      lifetimeSeconds: policy['lifetimeSeconds'],
      renewAfterSeconds: policy['renewAfterSeconds'],
    };
  }
  const renewal = raw['renewal'];
  if (
    isRecord(renewal) &&
    typeof renewal['serial'] === 'string' &&
    typeof renewal['jitter'] === 'number' &&
    renewal['jitter'] >= 0 &&
    renewal['jitter'] <= 1 &&
    typeof renewal['renewAt'] === 'string'
  ) {
    state.renewal = { serial: renewal['serial'], jitter: renewal['jitter'], renewAt: renewal['renewAt'] };
  }
  const renewalInfo = parseKeptRenewalInfo(raw['renewalInfo']);
  if (renewalInfo) state.renewalInfo = renewalInfo;
  return state;
}

/** A kept renewalInfo answer: a window that ends after it starts and a next check, else nothing (ask again). */
function parseKeptRenewalInfo(value: unknown): KeptRenewalInfo | undefined {
  if (!isRecord(value)) return undefined;
  const { serial, start, end, nextCheckAt, explanationUrl } = value;
  if (typeof serial !== 'string' || serial.length === 0) return undefined;
  if (!isInstant(start) || !isInstant(end) || !isInstant(nextCheckAt)) return undefined;
  if (Date.parse(end) <= Date.parse(start)) return undefined;
  return {
    serial,
    start,
    end,
    nextCheckAt,
    ...(typeof explanationUrl === 'string' && URL.canParse(explanationUrl) ? { explanationUrl } : {}),
  };
}

function isInstant(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
