import { formatDuration } from '../../core/duration.js';
import { PkiError } from '../../core/pki-error.js';
import { builtinProfile, builtinProfiles } from './builtin-profiles.js';
import { type CertificateProfile, isProfileName, type ProfileName } from './certificate-profile.js';

/** The profiles an operator may give a default lifetime: those signed online (ceremonies choose their own). */
export const LIFETIME_PROFILES = [
  'idevid',
  'ldevid',
  'tls-server',
  'code-signing',
  'factory-station',
] as const satisfies readonly ProfileName[];
export type LifetimeProfileName = (typeof LIFETIME_PROFILES)[number];

/** The shortest lifetime any online profile accepts once short lifetimes are allowed. */
export const SHORT_LIFETIME_MIN_SECONDS = 60;

/** What the operator configured about lifetimes (`pki.lifetimes`, `pki.allowShortLifetimes`). */
export interface LifetimeSettings {
  /** Default lifetime in seconds per profile, replacing the built-in default. */
  readonly lifetimes?: Partial<Record<LifetimeProfileName, number>>;
  /**
   * Lowers every online profile's minimum lifetime to SHORT_LIFETIME_MIN_SECONDS, so a simulation can renew a
   * fleet every minute or two. For simulations and tests only.
   */
  readonly allowShortLifetimes?: boolean;
}

/** A configuration problem, with the JSON path under `pki` (e.g. `/pki/lifetimes/ldevid`). */
export interface LifetimeProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * The certificate profiles of a deployment: the built-in ones with the operator's lifetimes. The RA and the CA
 * apply these, and csrattrs announces their lifetimes, so all three agree.
 */
export class ProfileSet {
  private readonly profiles: ReadonlyMap<ProfileName, CertificateProfile>;

  private constructor(profiles: readonly CertificateProfile[]) {
    this.profiles = new Map(profiles.map((p) => [p.name, p]));
  }

  /** The built-in profiles, unchanged. */
  static builtin(): ProfileSet {
    return new ProfileSet(builtinProfiles());
  }

  /** The built-in profiles with `settings` applied; a lifetime out of bounds is CONFIG_INVALID naming its path. */
  static configured(settings: LifetimeSettings): ProfileSet {
    const [problem] = lifetimeProblems(settings);
    if (problem) throw new PkiError('CONFIG_INVALID', `${problem.path}: ${problem.message}`);
    return new ProfileSet(builtinProfiles().map((p) => withLifetimes(p, settings)));
  }

  profile(name: ProfileName): CertificateProfile {
    return this.profiles.get(name) ?? builtinProfile(name);
  }

  /** Looks a profile up by user-supplied name; an unknown name is refused with the list of known ones. */
  byName(name: string): CertificateProfile {
    if (!isProfileName(name)) {
      throw new PkiError(
        'POLICY_VIOLATION',
        `unknown certificate profile '${name}'; known: ${[...this.profiles.keys()].join(', ')}`,
        { details: { rule: 'profile.unknown' } },
      );
    }
    return this.profile(name);
  }
}

/** Every configured lifetime outside its profile's bounds (with short lifetimes allowed or not). */
export function lifetimeProblems(settings: LifetimeSettings): LifetimeProblem[] {
  const problems: LifetimeProblem[] = [];
  for (const [name, seconds] of Object.entries(settings.lifetimes ?? {})) {
    const path = `/pki/lifetimes/${name}`;
    if (!(LIFETIME_PROFILES as readonly string[]).includes(name)) {
      problems.push({ path, message: `no lifetime can be configured for profile '${name}'` });
      continue;
    }
    const { minSeconds, maxSeconds } = withLifetimes(
      builtinProfile(name as LifetimeProfileName),
      settings,
    ).validity;
    if (seconds === undefined || !Number.isSafeInteger(seconds)) {
      problems.push({ path, message: 'must be a whole number of seconds' });
    } else if (seconds < minSeconds) {
      const hint =
        settings.allowShortLifetimes === true || minSeconds <= SHORT_LIFETIME_MIN_SECONDS
          ? ''
          : ` (pki.allowShortLifetimes lowers it to ${formatDuration(SHORT_LIFETIME_MIN_SECONDS)}, for simulations and tests only)`;
      problems.push({
        path,
        message: `${formatDuration(seconds)} is shorter than the ${name} profile's minimum ${formatDuration(minSeconds)}${hint}`,
      });
    } else if (seconds > maxSeconds) {
      problems.push({
        path,
        message: `${formatDuration(seconds)} exceeds the ${name} profile's maximum ${formatDuration(maxSeconds)}`,
      });
    }
  }
  return problems;
}

function withLifetimes(profile: CertificateProfile, settings: LifetimeSettings): CertificateProfile {
  if (!(LIFETIME_PROFILES as readonly string[]).includes(profile.name)) return profile;
  const configured = settings.lifetimes?.[profile.name as LifetimeProfileName];
  const minSeconds = settings.allowShortLifetimes
    ? Math.min(profile.validity.minSeconds, SHORT_LIFETIME_MIN_SECONDS)
    : profile.validity.minSeconds;
  return {
    ...profile,
    validity: {
      defaultSeconds: configured ?? profile.validity.defaultSeconds,
      minSeconds,
      maxSeconds: profile.validity.maxSeconds,
    },
  };
}

/**
 * When a certificate of `profile` should be renewed: `renewalWindowStart` of its lifetime after it was issued,
 * in whole seconds, which is what csrattrs announces (`renewAfterSeconds` after issuance) and what the agent
 * schedules. Issuance is notAfter − `lifetimeSeconds` (the lifetime the CA was asked for), not notBefore, which
 * the CA backdates for clock skew; never before notBefore. Undefined for profiles not renewed automatically.
 */
export function renewalPoint(
  profile: CertificateProfile,
  validity: { readonly notBefore: Date; readonly notAfter: Date },
  lifetimeSeconds: number,
): Date | undefined {
  if (profile.renewalWindowStart === undefined) return undefined;
  const notAfter = validity.notAfter.getTime();
  const issuedAt = Math.max(validity.notBefore.getTime(), notAfter - lifetimeSeconds * 1000);
  const lifetime = Math.floor((notAfter - issuedAt) / 1000);
  return new Date(issuedAt + Math.round(lifetime * profile.renewalWindowStart) * 1000);
}
