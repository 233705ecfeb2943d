import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { Prober } from '../monitor/endpoint-prober.js';
import type { AuditLog } from '../store/audit-log.js';
import type { EndpointRegistry, MonitoredEndpoint } from '../store/endpoint-registry.js';
import type { EndpointObservation, ObservationLog } from '../store/observation-log.js';

/**
 * "Probe this endpoint now", as `certfleet monitor probe <name>`: the monitor's prober, and the observation
 * recorded exactly as the schedule records one (it becomes the endpoint's latest and counts towards its
 * consecutive failures). A failing endpoint is an observation, not an error. Audited as `endpoint.probed`:
 * the probe connects out from the server on an operator's request.
 */
export class OnDemandProbes {
  constructor(
    private readonly deps: {
      readonly endpoints: Pick<EndpointRegistry, 'get'>;
      readonly observations: Pick<ObservationLog, 'record'>;
      /** Null on a node that cannot probe: UNAVAILABLE. */
      readonly prober: Prober | null;
      readonly audit: Pick<AuditLog, 'append'>;
      readonly clock: Clock;
    },
  ) {}

  /** NOT_FOUND if no endpoint has the name. */
  async probe(
    actor: string,
    name: string,
  ): Promise<{ readonly endpoint: MonitoredEndpoint; readonly observation: EndpointObservation }> {
    const endpoint = await this.deps.endpoints.get(name);
    if (endpoint === undefined) throw new PkiError('NOT_FOUND', `no endpoint named '${name}'`);
    if (this.deps.prober === null) {
      throw new PkiError(
        'UNAVAILABLE',
        'this node has no monitor to probe with; use certfleet monitor probe',
      );
    }
    const observation = await this.deps.observations.record(await this.deps.prober.probe(endpoint));
    await this.deps.audit.append({
      at: this.deps.clock.now(),
      event: 'endpoint.probed',
      actor,
      subject: `endpoint:${endpoint.name}`,
      data: { observationId: observation.id, outcome: observation.outcome },
    });
    return { endpoint, observation };
  }
}
