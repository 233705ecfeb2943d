import { everyLatestObservation, type LatestObservations } from '../../monitor/every-latest-observation.js';
import type { ProbeMetricsSource, ProbeSample } from './probe-metrics-source.js';

/**
 * The probe series from the monitor's store: the latest observation of every enabled `service` endpoint that
 * has been probed (an endpoint never probed has no sample yet, as blackbox_exporter has none before its first
 * probe). Sampled `device` endpoints are left out: one series per device would not scale to a fleet, and the
 * fleet gauges and alerts cover them.
 * Success is the probe's `ok` outcome: connected, handshake done, the protocol answered; the chain's verdict is
 * not part of it, as in blackbox_exporter's tls module without verification.
 */
export class MonitorProbeSource implements ProbeMetricsSource {
  constructor(private readonly observations: LatestObservations) {}

  async latest(): Promise<readonly ProbeSample[]> {
    return (await everyLatestObservation(this.observations)).flatMap(({ endpoint, observation }) =>
      observation === null || endpoint.kind !== 'service'
        ? []
        : [
            {
              endpoint: endpoint.name,
              host: endpoint.host,
              port: endpoint.port,
              protocol: endpoint.protocol,
              success: observation.outcome === 'ok',
              durationSeconds: observation.durationMs / 1000,
              earliestCertExpiry: observation.chainNotAfter,
              observedAt: observation.observedAt,
            },
          ],
    );
  }
}
