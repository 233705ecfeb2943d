import type { FailureCause } from './failure-cause.js';

/** A certificate (leaf first, then the intermediates up to but not including the anchor) and its private key, PEM. */
export interface CredentialPair {
  readonly certificatePem: string;
  /** PKCS#8 "PRIVATE KEY" PEM. */
  readonly keyPem: string;
}

/** A pair to install, named by the leaf's serial (lower-case hex), which names its generation. */
export interface CredentialGeneration extends CredentialPair {
  readonly serial: string;
}

/** certfleet's renewal policy as the server announced it in csrattrs (see pki/asn1/renewal-policy.ts). */
export interface AnnouncedRenewalPolicy {
  readonly lifetimeSeconds: number;
  readonly renewAfterSeconds: number;
}

/**
 * The last RFC 9773 renewalInfo answer about a certificate (§4.2), instants in server time: the window the server
 * suggests renewing in, and when to ask again (the answer's Retry-After, clamped to one minute … one day).
 */
export interface KeptRenewalInfo {
  /** The certificate asked about; an answer about another serial is not applied. */
  readonly serial: string;
  readonly start: string;
  readonly end: string;
  readonly nextCheckAt: string;
  /** The server's explanationURL, for the operator reading the state. */
  readonly explanationUrl?: string;
}

/**
 * What the agent remembers between steps and restarts, as JSON. Instants are ISO 8601 strings; each field says
 * which clock it was read from, because the device clock may be wrong and the certificates follow the server's.
 */
export interface AgentState {
  readonly consecutiveFailures: number;
  readonly lastFailure?: { readonly cause: FailureCause; readonly message: string };
  /** Device clock. */
  readonly lastAttemptAt?: string;
  /** Device clock. */
  readonly lastSuccessAt?: string;
  /** Device clock: do not contact the server before this (backoff or Retry-After). */
  readonly retryAt?: string;
  /** The latest estimate of server Date − device clock, in milliseconds. */
  readonly clockOffsetMs?: number;
  /** Server time of the last successful cacerts refresh. */
  readonly lastTrustRefreshAt?: string;
  /** The last renewal policy csrattrs announced. */
  readonly renewalPolicy?: AnnouncedRenewalPolicy;
  /**
   * The current certificate's renewal time (server time) and the random draw it was derived from, kept so that a
   * restart does not draw again.
   */
  readonly renewal?: { readonly serial: string; readonly jitter: number; readonly renewAt: string };
  /** The ACME server's suggested renewal window for a certificate, when acmeDirectoryUrl is configured. */
  readonly renewalInfo?: KeptRenewalInfo;
}

export const INITIAL_AGENT_STATE: AgentState = { consecutiveFailures: 0 };

/**
 * Where a device keeps its identities: the birth certificate (IDevID, read-only), the current operational pair
 * (LDevID) and the one before it, the trust anchors and the agent's small state. `install` switches the current
 * pair atomically as a pair: a reader sees the old key with the old certificate or the new key with the new one,
 * never a mix, and a failure leaves the old pair current.
 */
export interface CredentialStore {
  idevid(): Promise<CredentialPair | undefined>;
  current(): Promise<CredentialGeneration | undefined>;
  previous(): Promise<CredentialGeneration | undefined>;
  /** Makes `generation` current; the current one becomes previous and older generations are pruned. */
  install(generation: CredentialGeneration): Promise<void>;
  /** Points current back at the previous generation (after an install that did not read back). */
  restorePrevious(): Promise<void>;
  trustAnchorsPem(): Promise<string | undefined>;
  setTrustAnchorsPem(pem: string): Promise<void>;
  /** The stored state, or INITIAL_AGENT_STATE when there is none (or it is unreadable). */
  readState(): Promise<AgentState>;
  writeState(state: AgentState): Promise<void>;
}
