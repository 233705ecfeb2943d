import { SECONDS_PER_DAY } from '../core/duration.js';
import { PkiError } from '../core/pki-error.js';
import type { KeyAlgorithmName } from '../pki/algorithms/key-algorithm.js';
import type { BackoffOptions } from './renewal-schedule.js';

/** How a device agent renews; every field but estUrl has a default. */
export interface AgentConfig {
  /** `https://host:port/.well-known/est[/label]`. */
  readonly estUrl: string;
  /** The type of the fresh key made for every enrollment; default: what csrattrs asks for, else ec-p256. */
  readonly keyAlgorithm?: KeyAlgorithmName;
  /** Share of the lifetime after which renewal starts when the server announces no policy; default 2/3. */
  readonly renewalFraction?: number;
  /** Share of the window (windowStart → notAfter) over which renewal starts are spread; default 0.25. */
  readonly jitterFraction?: number;
  /** Retry backoff after failures; default 30 s doubling up to 3600 s. */
  readonly backoff?: BackoffOptions;
  /** How often cacerts is fetched again (trust anchor rollover, intermediates); default one day. */
  readonly trustRefreshSeconds?: number;
  /**
   * RFC 7030 §4.1.1 bootstrap: when the store holds no trust anchor, fetch cacerts once and trust the root whose
   * SHA-256 fingerprint (hex of the DER) this is.
   */
  readonly pinnedRootSha256?: string;
  /**
   * The ACME directory of the server that issues the LDevID (`https://host:port/acme/directory`). When set, the
   * agent asks it for RFC 9773 renewal information about its current LDevID (unauthenticated, the server
   * authenticated by the stored trust anchors) and renews inside the window it suggests; when unset, or while it
   * does not answer, the agent keeps its own schedule.
   */
  readonly acmeDirectoryUrl?: string;
}

export interface ResolvedAgentConfig {
  readonly estUrl: string;
  readonly keyAlgorithm: KeyAlgorithmName | undefined;
  readonly renewalFraction: number;
  readonly jitterFraction: number;
  readonly backoff: BackoffOptions;
  readonly trustRefreshSeconds: number;
  readonly pinnedRootSha256: string | undefined;
  readonly acmeDirectoryUrl: string | undefined;
}

export const AGENT_DEFAULTS = {
  renewalFraction: 2 / 3,
  jitterFraction: 0.25,
  backoff: { initialSeconds: 30, maxSeconds: 3600 },
  trustRefreshSeconds: SECONDS_PER_DAY,
} as const;

/** Fills in the defaults and refuses values that would break the schedule (CONFIG_INVALID, naming the field). */
export function resolveAgentConfig(config: AgentConfig): ResolvedAgentConfig {
  const resolved: ResolvedAgentConfig = {
    estUrl: config.estUrl,
    keyAlgorithm: config.keyAlgorithm,
    renewalFraction: config.renewalFraction ?? AGENT_DEFAULTS.renewalFraction,
    jitterFraction: config.jitterFraction ?? AGENT_DEFAULTS.jitterFraction,
    backoff: config.backoff ?? AGENT_DEFAULTS.backoff,
    trustRefreshSeconds: config.trustRefreshSeconds ?? AGENT_DEFAULTS.trustRefreshSeconds,
    pinnedRootSha256: config.pinnedRootSha256,
    acmeDirectoryUrl: config.acmeDirectoryUrl,
  };
  if (!/^https:\/\//.test(resolved.estUrl)) invalid('estUrl', 'must be an https:// URL');
  if (!(resolved.renewalFraction > 0 && resolved.renewalFraction < 1))
    invalid('renewalFraction', 'must be in (0, 1)');
  if (!(resolved.jitterFraction >= 0 && resolved.jitterFraction < 1))
    invalid('jitterFraction', 'must be in [0, 1)');
  const { initialSeconds, maxSeconds } = resolved.backoff;
  if (!(initialSeconds > 0 && maxSeconds >= initialSeconds)) {
    invalid('backoff', 'needs 0 < initialSeconds <= maxSeconds');
  }
  if (!(resolved.trustRefreshSeconds > 0)) invalid('trustRefreshSeconds', 'must be positive');
  if (
    resolved.pinnedRootSha256 !== undefined &&
    !/^([0-9a-fA-F]{2}:?){32}$/.test(resolved.pinnedRootSha256)
  ) {
    invalid('pinnedRootSha256', 'must be 64 hex digits (colons allowed)');
  }
  if (resolved.acmeDirectoryUrl !== undefined && !isHttpsUrl(resolved.acmeDirectoryUrl)) {
    invalid('acmeDirectoryUrl', 'must be an https:// URL');
  }
  return resolved;
}

function isHttpsUrl(text: string): boolean {
  return URL.canParse(text) && new URL(text).protocol === 'https:';
}

function invalid(field: string, reason: string): never {
  throw new PkiError('CONFIG_INVALID', `agent configuration: ${field} ${reason}`, {
    details: { path: `/${field}` },
  });
}
