import type { Clock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import type { CertificateCatalog } from '../store/certificate-catalog.js';

/** How long a count is served before the next request counts again. */
export const DEPENDENTS_REFRESH_SECONDS = 60;

/**
 * How many certificates in force each issuer has signed, for the issuers' `dependents`: counting reads every
 * certificate in force (a million at a million devices), far too much for a page that refreshes every ten
 * seconds in every operator's browser. So the count is kept for a minute, and requests that arrive while it is
 * being made share it rather than count again. A count older than a minute is a fair view of a CA hierarchy,
 * which changes by ceremonies, and of a fleet that renews over weeks.
 */
export class IssuerDependents {
  private cached: { readonly atMs: number; readonly counts: ReadonlyMap<IssuerId, number> } | undefined;
  private counting: Promise<ReadonlyMap<IssuerId, number>> | undefined;
  private readonly refreshMs: number;

  constructor(
    private readonly deps: {
      readonly catalog: Pick<CertificateCatalog, 'countInForceByIssuer'>;
      readonly clock: Clock;
      /** Default DEPENDENTS_REFRESH_SECONDS. */
      readonly refreshSeconds?: number;
    },
  ) {
    this.refreshMs = (deps.refreshSeconds ?? DEPENDENTS_REFRESH_SECONDS) * 1000;
  }

  /** Certificates in force per issuer, as counted at most refreshSeconds ago; issuers with none are absent. */
  certificatesByIssuer(): Promise<ReadonlyMap<IssuerId, number>> {
    const now = this.deps.clock.now();
    const cached = this.cached;
    // A clock set back (a test, a corrected host clock) counts again rather than serve a count from the future.
    const ageMs = cached === undefined ? Infinity : now.getTime() - cached.atMs;
    if (cached !== undefined && ageMs >= 0 && ageMs < this.refreshMs) return Promise.resolve(cached.counts);
    this.counting ??= this.count(now).finally(() => {
      this.counting = undefined;
    });
    return this.counting;
  }

  private async count(now: Date): Promise<ReadonlyMap<IssuerId, number>> {
    const counts = await this.deps.catalog.countInForceByIssuer(now);
    this.cached = { atMs: now.getTime(), counts };
    return counts;
  }
}
