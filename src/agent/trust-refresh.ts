import { PkiError } from '../core/pki-error.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import type { AgentLogLine } from './agent-log.js';
import type { CredentialStore } from './credential-store.js';
import type { EstTransport } from './est-transport.js';
import { type StepFailure, storageFailure, transportFailure } from './failure-cause.js';
import { anchorsToPem, parseAnchorsPem, pinnedRoot, reviewCaCertificates } from './trust-anchors.js';

export interface TrustRefreshInput {
  readonly store: CredentialStore;
  readonly est: EstTransport;
  /** The anchors stored now; undefined before a bootstrap by pin. */
  readonly anchorsPem: string | undefined;
  readonly pinnedRootSha256: string | undefined;
  /** Server time when the answer carries no Date. */
  readonly fallbackTime: () => Date;
  /** Receives the answer's Date as soon as it arrives (the clock-offset estimate). */
  readonly onServerDate: (serverDate: Date) => void;
  /** Roots already reported as ignored, by fingerprint, so each is logged once per process. */
  readonly reportedRoots: Set<string>;
  readonly log: (line: Omit<AgentLogLine, 'at'>) => void;
}

export type TrustRefreshResult =
  | {
      readonly ok: true;
      /** Issuing CAs and rollover links from the answer, for building paths to the anchors. */
      readonly intermediates: readonly ParsedCertificate[];
      /** Server time of the answer. */
      readonly at: Date;
    }
  | { readonly ok: false; readonly failure: StepFailure };

/**
 * One cacerts round (RFC 7030 §4.1): bootstrap the anchor by pin when there is none, else accept a rolled-over
 * root that a current anchor vouches for (see reviewCaCertificates) and keep the issuing CAs for path building.
 */
export async function refreshTrust(input: TrustRefreshInput): Promise<TrustRefreshResult> {
  let answer;
  try {
    answer = await input.est.cacerts();
  } catch (error) {
    return { ok: false, failure: transportFailure(error) };
  }
  if (answer.serverDate) input.onServerDate(answer.serverDate);
  const at = answer.serverDate ?? input.fallbackTime();
  let received: ParsedCertificate[];
  try {
    received = answer.certificates.map((der) => parseCertificate(der));
  } catch (error) {
    if (!(error instanceof PkiError)) throw error;
    return fail('bad-response', `cacerts holds a certificate that does not decode: ${error.message}`);
  }
  if (received.length === 0) return fail('bad-response', 'cacerts holds no certificate');

  if (input.anchorsPem === undefined) {
    if (input.pinnedRootSha256 === undefined) {
      return fail('no-credential', 'no trust anchor is stored and no pinnedRootSha256 is configured');
    }
    let root: ParsedCertificate;
    try {
      root = pinnedRoot(received, input.pinnedRootSha256);
    } catch (error) {
      if (!(error instanceof PkiError)) throw error;
      return fail('untrusted-chain', error.message);
    }
    const stored = await store(input, [root]);
    if (stored) return stored;
    input.log({
      level: 'info',
      event: 'agent.trust.pinned',
      message: `trusting ${root.subjectText} by its pinned fingerprint`,
      fields: { sha256: root.fingerprintSha256 },
    });
    return { ok: true, intermediates: received.filter((c) => c !== root), at };
  }

  let anchors: ParsedCertificate[];
  try {
    anchors = parseAnchorsPem(input.anchorsPem);
  } catch (error) {
    if (!(error instanceof PkiError)) throw error;
    return fail('storage', `the stored trust anchors do not decode: ${error.message}`);
  }
  const review = reviewCaCertificates(anchors, received, at);
  if (review.anchorsToAdd.length > 0) {
    const stored = await store(input, [...anchors, ...review.anchorsToAdd]);
    if (stored) return stored;
    for (const anchor of review.anchorsToAdd) {
      input.log({
        level: 'info',
        event: 'agent.trust.anchor-added',
        message: `new root ${anchor.subjectText} is certified by a trusted root (RFC 7030 §4.1.3); trusting it too`,
        fields: { sha256: anchor.fingerprintSha256 },
      });
    }
  }
  for (const root of review.ignoredRoots) {
    if (input.reportedRoots.has(root.fingerprintSha256)) continue;
    input.reportedRoots.add(root.fingerprintSha256);
    input.log({
      level: 'warn',
      event: 'agent.trust.root-ignored',
      message: `cacerts offers root ${root.subjectText}, which no trusted root certifies; ignored`,
      fields: { sha256: root.fingerprintSha256 },
    });
  }
  return { ok: true, intermediates: review.intermediates, at };
}

async function store(
  input: TrustRefreshInput,
  anchors: readonly ParsedCertificate[],
): Promise<TrustRefreshResult | undefined> {
  try {
    await input.store.setTrustAnchorsPem(anchorsToPem(anchors));
    return undefined;
  } catch (error) {
    return { ok: false, failure: storageFailure(error, 'saving the trust anchors') };
  }
}

function fail(cause: StepFailure['cause'], message: string): TrustRefreshResult {
  return { ok: false, failure: { cause, message } };
}
