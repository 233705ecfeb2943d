/**
 * What goes wrong for which virtual device. Shares are of the whole fleet and do not overlap: a device has at
 * most one fault, so the summary can attribute every outcome to one cause. The plan is drawn from a seed, so a
 * run can be repeated.
 */
export type DeviceFault =
  | { readonly kind: 'none' }
  /** The device's network is down for `seconds`, starting `afterSeconds` after it came online. */
  | { readonly kind: 'outage'; readonly afterSeconds: number; readonly seconds: number }
  /**
   * The answer to the device's first renewal never arrives (the link drops while the server replies): the server
   * has issued a certificate the device never sees, and the device retries from its old one.
   */
  | { readonly kind: 'lost-answer' }
  /** The device's clock is `offsetSeconds` off (a 1970 clock has an offset of minus the current time). */
  | { readonly kind: 'clock-skew'; readonly offsetSeconds: number; readonly epoch1970: boolean }
  /** Permanent: renewals succeed at the server but the firmware never installs the new certificate. */
  | { readonly kind: 'firmware-bug' }
  /** Permanent: the device goes dark `afterSeconds` after it came online and never comes back. */
  | { readonly kind: 'offline'; readonly afterSeconds: number };

export type FaultKind = DeviceFault['kind'];

export const PERMANENT_FAULTS: ReadonlySet<FaultKind> = new Set(['firmware-bug', 'offline']);

export interface FaultShares {
  /** Transient network outages. */
  readonly outage: number;
  /** Devices that lose the answer to their first renewal. */
  readonly lostAnswer: number;
  readonly clockSkew: number;
  /** Permanent failures, half firmware bugs and half devices that go dark. */
  readonly permanent: number;
}

export interface FaultTiming {
  /** Certificate lifetime: outages are sized against it so that a healthy agent recovers in time. */
  readonly lifetimeSeconds: number;
}

/** A small, fast, seedable PRNG (mulberry32): the plan must be repeatable, not secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One fault per device index. Counts are exact (rounded shares of `devices`), and which devices get them is
 * shuffled with the seed. Outages last a fifteenth of the lifetime and start within the first two lifetimes, so
 * they hit renewals; a device that goes dark for good does so before its first renewal.
 */
export function planFaults(
  devices: number,
  shares: FaultShares,
  timing: FaultTiming,
  seed: number,
): DeviceFault[] {
  const random = seededRandom(seed);
  const count = (share: number) => Math.round(devices * share);
  const permanent = count(shares.permanent);
  const firmware = Math.floor(permanent / 2);
  const kinds: FaultKind[] = [
    ...Array<FaultKind>(firmware).fill('firmware-bug'),
    ...Array<FaultKind>(permanent - firmware).fill('offline'),
    ...Array<FaultKind>(count(shares.outage)).fill('outage'),
    ...Array<FaultKind>(count(shares.lostAnswer)).fill('lost-answer'),
    ...Array<FaultKind>(count(shares.clockSkew)).fill('clock-skew'),
  ];
  if (kinds.length > devices) throw new RangeError('fault shares add up to more than the fleet');
  kinds.push(...Array<FaultKind>(devices - kinds.length).fill('none'));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const lifetime = timing.lifetimeSeconds;
  return kinds.map((kind): DeviceFault => {
    switch (kind) {
      case 'none':
      case 'lost-answer':
      case 'firmware-bug':
        return { kind };
      case 'outage':
        return {
          kind,
          afterSeconds: Math.round(random() * 2 * lifetime),
          seconds: Math.max(1, Math.round(lifetime / 15)),
        };
      case 'offline':
        // Dark before its first renewal, so its certificate runs out one lifetime after it came online.
        return { kind, afterSeconds: Math.round(lifetime * (0.1 + random() * 0.4)) };
      case 'clock-skew': {
        // A quarter of the skewed devices believe it is 1970; the others are hours to a year off, either way.
        if (random() < 0.25) return { kind, offsetSeconds: Number.NaN, epoch1970: true };
        const magnitude = 3600 * (1 + random() * 24 * 400);
        return { kind, offsetSeconds: Math.round(random() < 0.5 ? -magnitude : magnitude), epoch1970: false };
      }
    }
  });
}
