import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { AtRiskPolicy } from '../fleet/at-risk-policy.js';
import type { Prober } from '../monitor/endpoint-prober.js';
import type { ExternalAccountKeys } from '../protocols/acme/external-account-binding.js';
import type { EnrollmentTokenSecrets } from '../ra/enrollment-token-secrets.js';
import { RenewalWindowRequests } from '../ra/renewal-window-requests.js';
import type { Revocations } from '../ra/revocations.js';
import type { AlertRules } from '../store/alert-rules.js';
import type { AlertStates } from '../store/alert-states.js';
import type { AuditHistory } from '../store/audit-history.js';
import type { CertificateCatalog } from '../store/certificate-catalog.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { ApiTokens } from '../store/api-tokens.js';
import type { DeliveryLog } from '../store/delivery-log.js';
import type { EndpointRegistry } from '../store/endpoint-registry.js';
import type { EnrollmentLog } from '../store/enrollment-log.js';
import type { EnrollmentTokenCatalog } from '../store/enrollment-token-catalog.js';
import type { FleetReader } from '../store/fleet-reader.js';
import type { IssuerRegistry } from '../store/issuer-registry.js';
import type { ObservationLog } from '../store/observation-log.js';
import type { Store } from '../store/store.js';
import { AlertRuleRegistrar } from './alert-rule-registrar.js';
import { EndpointRegistrar } from './endpoint-registrar.js';
import { EnrollmentTokenRegistrar } from './enrollment-token-registrar.js';
import { ExternalAccountKeyRegistrar } from './external-account-key-registrar.js';
import { IssuerDependents } from './issuer-dependents.js';
import { OnDemandProbes } from './on-demand-probes.js';
import { OperatorTokens } from './operator-tokens.js';

/**
 * What the admin API's routes use: narrow roles for reading, and the RA's Revocations and the registrars for
 * writing, so every change goes through the same rules (and audit events) as the command line's.
 */
export interface ApiDependencies {
  readonly clock: Clock;
  /** Verifies the bearer token of every request. */
  readonly apiTokens: Pick<ApiTokens, 'verify'>;
  readonly operatorTokens: OperatorTokens;
  readonly fleet: Pick<FleetReader, 'countByState' | 'devices' | 'device' | 'atRiskAfter' | 'expiryTimeline'>;
  /** The at-risk policy when a request names none (the defaults of `certfleet fleet`, see fleet/). */
  readonly atRiskPolicy?: Partial<AtRiskPolicy>;
  readonly certificates: Pick<CertificateReader, 'findBySerial'>;
  readonly certificateCatalog: CertificateCatalog;
  readonly revocations: Pick<Revocations, 'revoke' | 'decommission'>;
  readonly enrollmentTokens: EnrollmentTokenRegistrar;
  readonly enrollmentTokenCatalog: Pick<EnrollmentTokenCatalog, 'page' | 'get'>;
  readonly auditHistory: AuditHistory;
  readonly issuers: Pick<IssuerRegistry, 'list' | 'get'>;
  /** The certificates in force per issuer, counted at most once a minute (the issuers' `dependents`). */
  readonly issuerDependents: Pick<IssuerDependents, 'certificatesByIssuer'>;
  /** Enrollment attempts: a device's events, and the recent failures by cause. */
  readonly enrollments: Pick<EnrollmentLog, 'devicePage' | 'failuresByCause'>;
  /** The external monitor's endpoints and what its probes saw. */
  readonly endpoints: Pick<EndpointRegistry, 'get' | 'getById' | 'page'>;
  readonly observations: Pick<ObservationLog, 'latest' | 'history' | 'get'>;
  readonly endpointRegistrar: EndpointRegistrar;
  readonly onDemandProbes: OnDemandProbes;
  /** Largest CSV body of POST /endpoints/import; default 1 MiB (endpoint-routes.ts). */
  readonly maxImportBytes?: number;
  readonly alertRules: Pick<AlertRules, 'list' | 'get'>;
  readonly alertRuleRegistrar: AlertRuleRegistrar;
  readonly alertStates: Pick<AlertStates, 'firing'>;
  readonly deliveries: Pick<DeliveryLog, 'list' | 'get' | 'attempts'>;
  /** RFC 9773 renewal windows operators pull forward (POST /renewal-windows). */
  readonly renewalWindows: Pick<RenewalWindowRequests, 'pullForward'>;
  /** ACME external account binding keys (RFC 8555 §7.3.4), made as `certfleet acme eab` makes them. */
  readonly externalAccountKeys: ExternalAccountKeyRegistrar;
}

/** What the monitor and alerts routes need beyond the store; server/ builds it from the configuration. */
export interface ApiMonitoring {
  /** Probes for POST /endpoints/{name}/probe; without one that route answers 503. */
  readonly prober?: Prober;
  /** The configured alert channels (alerts.channels): a rule may name only these. Default none. */
  readonly alertChannels?: readonly string[];
}

/**
 * The dependencies from an opened store and the RA's revocations; what server/ hands the plugin. Without
 * `externalAccountKeys` (the deployment's ACME key, server/acme-setup.ts) the API lists and revokes external
 * account keys but cannot make them.
 */
export function apiDependencies(
  store: Store,
  revocations: Pick<Revocations, 'revoke' | 'decommission'>,
  tokenSecrets: EnrollmentTokenSecrets,
  clock: Clock,
  monitoring: ApiMonitoring = {},
  externalAccountKeys: ExternalAccountKeys | null = null,
): ApiDependencies {
  return {
    clock,
    apiTokens: store.apiTokens,
    operatorTokens: new OperatorTokens({ tokens: store.apiTokens, audit: store.audit, clock }),
    fleet: store.fleet,
    certificates: store.certificates,
    certificateCatalog: store.certificateCatalog,
    revocations,
    enrollmentTokens: new EnrollmentTokenRegistrar({
      tokens: store.tokens,
      catalog: store.enrollmentTokenCatalog,
      devices: store.devices,
      audit: store.audit,
      secrets: tokenSecrets,
      clock,
    }),
    enrollmentTokenCatalog: store.enrollmentTokenCatalog,
    auditHistory: store.auditHistory,
    issuers: store.issuers,
    issuerDependents: new IssuerDependents({ catalog: store.certificateCatalog, clock }),
    enrollments: store.enrollments,
    endpoints: store.endpoints,
    observations: store.observations,
    endpointRegistrar: new EndpointRegistrar({ endpoints: store.endpoints, audit: store.audit, clock }),
    onDemandProbes: new OnDemandProbes({
      endpoints: store.endpoints,
      observations: store.observations,
      prober: monitoring.prober ?? null,
      audit: store.audit,
      clock,
    }),
    alertRules: store.alertRules,
    alertRuleRegistrar: new AlertRuleRegistrar({
      rules: store.alertRules,
      channels: monitoring.alertChannels ?? [],
      audit: store.audit,
      clock,
    }),
    alertStates: store.alertStates,
    deliveries: store.alertDeliveries,
    renewalWindows: new RenewalWindowRequests({
      certificates: store.certificates,
      windows: store.renewalWindows,
      audit: store.audit,
      clock,
    }),
    externalAccountKeys: new ExternalAccountKeyRegistrar({
      keys: store.acmeAccounts,
      macKeys: externalAccountKeys,
      audit: store.audit,
      clock,
    }),
  };
}

/** One resource of the API: registers its routes on the plugin's instance (see RESOURCES in api-plugin.ts). */
export type ApiRoutes = (app: FastifyInstance, deps: ApiDependencies) => void;
