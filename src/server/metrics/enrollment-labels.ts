import { PKI_ERROR_CODES } from '../../core/pki-error.js';
import { PROFILE_NAMES } from '../../pki/profiles/certificate-profile.js';
import type { EnrollmentEvent } from '../../store/records.js';

/** The labels of `certfleet_enrollments_total`. */
export interface EnrollmentLabels {
  readonly protocol: string;
  readonly operation: string;
  readonly outcome: string;
  readonly reason: string;
}

/** A value outside the closed set of a label. */
export const OTHER = 'other';
/** The reason of an attempt that was not refused (issued, pending). */
export const NO_REASON = 'none';

/** Front ends name themselves in code (`est`, `cmp`, `acme`, `cli`, `internal`…): a short word is one of them. */
const PROTOCOL = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * Every operation a front end records, by the words of its RFC. The EST edge records a request refused before
 * routing under the last segment of its URL, which the client chooses: only these reach the label.
 */
const OPERATIONS: ReadonlySet<string> = new Set([
  // EST, RFC 7030 §3.2.2
  'cacerts',
  'simpleenroll',
  'simplereenroll',
  'fullcmc',
  'serverkeygen',
  'csrattrs',
  // CMP, RFC 9810 §5.3 (body types)
  'ir',
  'cr',
  'kur',
  'p10cr',
  'rr',
  'genm',
  'certConf',
  'pollReq',
  // ACME, RFC 8555 §7.1 (resources and the directory's names)
  'newAccount',
  'account',
  'keyChange',
  'newOrder',
  'order',
  'finalize',
  'authz',
  'challenge',
  'certificate',
  'revokeCert',
  // the CLI, the server itself, the simulator
  'issue',
  'factory-sign',
  'bootstrap-tls',
  'ocsp-responder',
  'cmp-ra',
]);

/** A refusal's reason is a PkiError code, or the rule it broke: `<profile or area>.<rule>[.<detail>]`. */
const ERROR_CODES: ReadonlySet<string> = new Set(PKI_ERROR_CODES);
const RULE_AREAS: ReadonlySet<string> = new Set([
  ...PROFILE_NAMES,
  'renewal',
  'approval',
  'import',
  'revocation',
  'ocsp',
  'cmp',
  'acme',
  'names',
]);
const RULE = /^([a-z][a-z0-9-]{0,31})(\.[a-z][a-z0-9-]{0,31}){1,3}$/;

/**
 * The labels an enrollment event is counted under, each from a closed set so that the number of series stays
 * bounded whatever clients send: anything else is `other`. The enrollment log keeps the exact values.
 */
export function enrollmentLabels(event: EnrollmentEvent): EnrollmentLabels {
  return {
    protocol: PROTOCOL.test(event.protocol) ? event.protocol : OTHER,
    operation: OPERATIONS.has(event.operation) ? event.operation : OTHER,
    outcome: event.outcome,
    reason: reasonLabel(event.reasonCode),
  };
}

function reasonLabel(code: string | null): string {
  if (code === null) return NO_REASON;
  if (ERROR_CODES.has(code)) return code;
  const match = RULE.exec(code);
  return match?.[1] !== undefined && RULE_AREAS.has(match[1]) ? code : OTHER;
}
