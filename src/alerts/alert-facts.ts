import { PkiError } from '../core/pki-error.js';
import type { AlertSubjectKind } from '../store/alert-rules.js';

/**
 * What the rules judge about one subject at one evaluation. Sources fill in what they know; a fact left
 * undefined is unknown (an endpoint never reached has no notAfter), and a rule that needs it leaves the
 * subject's state as it is rather than calling it clear.
 */
export interface ExpiringSubject {
  /** Stable across evaluations: `endpoint:<id>`, `certificate:<issuer>:<serial>`, `issuer:<id>`. */
  readonly subjectKey: string;
  /** For people: `mqtt.example.com:8883`, `issuer operational (CN=Operational CA)`. */
  readonly label: string;
  readonly kind: Exclude<AlertSubjectKind, 'fleet'>;
  readonly notAfter?: Date;
  /** Whether the presented chain validates to a trusted anchor. */
  readonly chainValid?: boolean;
  /** Whether the certificate names the host that was probed. */
  readonly hostnameMatches?: boolean;
  /** Failed probes in a row (0 after a success). */
  readonly consecutiveFailures?: number;
  readonly lastError?: string;
}

/** The fleet as a whole: live devices (not revoked or decommissioned) and those at risk or expired. */
export interface FleetFacts {
  readonly total: number;
  readonly atRisk: number;
}

/** Everything one evaluation judges. */
export interface AlertFactSet {
  readonly subjects: readonly ExpiringSubject[];
  /** Absent when no source knows the fleet; fleet rules then leave their state as it is. */
  readonly fleet?: FleetFacts;
}

/**
 * Where the facts come from: the server implements it over the monitor's observations and the fleet view;
 * WatchedCertificateFacts and FleetAlertFacts cover our own certificates and the fleet. A source that fails
 * throws, and the evaluation changes nothing (a missing subject would otherwise read as resolved).
 */
export interface AlertFacts {
  collect(now: Date): Promise<AlertFactSet>;
}

/** Several sources as one: subjects concatenated (a key twice is an error), the first fleet facts given. */
export function combinedAlertFacts(sources: readonly AlertFacts[]): AlertFacts {
  return {
    async collect(now: Date): Promise<AlertFactSet> {
      const sets = await Promise.all(sources.map((source) => source.collect(now)));
      const subjects = sets.flatMap((set) => set.subjects);
      const keys = new Set<string>();
      for (const subject of subjects) {
        if (keys.has(subject.subjectKey)) {
          throw new PkiError('INTERNAL', `two alert fact sources name the subject '${subject.subjectKey}'`);
        }
        keys.add(subject.subjectKey);
      }
      const fleet = sets.find((set) => set.fleet !== undefined)?.fleet;
      return fleet === undefined ? { subjects } : { subjects, fleet };
    },
  };
}
