import { everyLatestObservation, type LatestObservations } from '../monitor/every-latest-observation.js';
import type { LatestObservation } from '../store/observation-log.js';
import type { AlertFactSet, AlertFacts, ExpiringSubject } from './alert-facts.js';

/**
 * The monitored endpoints' facts from their latest observations: each enabled endpoint is a subject
 * `endpoint:<id>`. What the last probe could not see stays unknown, so a probe that timed out neither clears an
 * expiry alert nor raises one; it counts towards `unreachable` through the endpoint's failures in a row.
 */
export class EndpointAlertFacts implements AlertFacts {
  constructor(private readonly observations: LatestObservations) {}

  async collect(): Promise<AlertFactSet> {
    return { subjects: (await everyLatestObservation(this.observations)).map(endpointSubject) };
  }
}

function endpointSubject({ endpoint, observation }: LatestObservation): ExpiringSubject {
  const judged = observation?.outcome === 'ok' ? observation : null;
  return {
    subjectKey: `endpoint:${endpoint.id}`,
    label: `${endpoint.name} (${endpoint.host}:${endpoint.port})`,
    kind: 'endpoint',
    consecutiveFailures: endpoint.consecutiveFailures,
    // The chain's earliest expiry: an intermediate that ends first ends the endpoint's chain with it.
    ...(judged?.chainNotAfter ? { notAfter: judged.chainNotAfter } : {}),
    ...(judged?.chainValid != null ? { chainValid: judged.chainValid } : {}),
    ...(judged?.hostnameMatches != null ? { hostnameMatches: judged.hostnameMatches } : {}),
    ...(observation?.errorMessage
      ? { lastError: `${observation.outcome}: ${observation.errorMessage}` }
      : {}),
  };
}
