import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import type { ProbeMetricsSource, ProbeSample } from './probe-metrics-source.js';
import { RefreshingValue } from './refreshing-value.js';

export interface ProbeMetricsOptions {
  readonly source: ProbeMetricsSource;
  readonly clock: Clock;
  readonly refreshSeconds: number;
  readonly onRefreshFailure: (error: unknown) => void;
}

type Label = 'endpoint' | 'host' | 'port' | 'protocol';
const LABEL_NAMES: readonly Label[] = ['endpoint', 'host', 'port', 'protocol'];

/**
 * The latest probe of each monitored endpoint, in the shape users know from blackbox_exporter (`probe_success`,
 * `probe_duration_seconds`, `probe_ssl_earliest_cert_expiry`), prefixed `certfleet_` and labelled by endpoint
 * rather than by scrape target, since certfleet probes on its own schedule:
 * - `certfleet_probe_success`: 1 or 0;
 * - `certfleet_probe_duration_seconds`;
 * - `certfleet_probe_ssl_earliest_cert_expiry`: Unix seconds; absent when no certificate was received;
 * - `certfleet_probe_observed_timestamp_seconds`: when that probe ran, so stale observations show.
 */
export class ProbeMetrics {
  private readonly samples: RefreshingValue<readonly ProbeSample[]>;

  constructor(registry: Registry, options: ProbeMetricsOptions) {
    this.samples = new RefreshingValue(() => options.source.latest(), {
      clock: options.clock,
      maxAgeSeconds: options.refreshSeconds,
      onFailure: options.onRefreshFailure,
    });
    this.gauge(
      registry,
      'certfleet_probe_success',
      'Whether the latest probe of the endpoint succeeded (1) or not (0).',
      (s) => (s.success ? 1 : 0),
    );
    this.gauge(
      registry,
      'certfleet_probe_duration_seconds',
      'How long the latest probe of the endpoint took.',
      (s) => s.durationSeconds,
    );
    this.gauge(
      registry,
      'certfleet_probe_ssl_earliest_cert_expiry',
      'Earliest notAfter (Unix seconds) in the certificate chain the endpoint presented at its latest probe.',
      (s) => (s.earliestCertExpiry === null ? undefined : s.earliestCertExpiry.getTime() / 1000),
    );
    this.gauge(
      registry,
      'certfleet_probe_observed_timestamp_seconds',
      'When the latest probe of the endpoint ran (Unix seconds).',
      (s) => s.observedAt.getTime() / 1000,
    );
  }

  /** A gauge with one sample per endpoint: `value` of its latest probe, or none when it is undefined. */
  private gauge(
    registry: Registry,
    name: string,
    help: string,
    value: (sample: ProbeSample) => number | undefined,
  ): void {
    const gauge: Gauge<Label> = new Gauge({
      name,
      help,
      labelNames: LABEL_NAMES,
      registers: [registry],
      collect: async () => {
        const samples = await this.samples.getOrUndefined();
        gauge.reset();
        for (const sample of samples ?? []) {
          const v = value(sample);
          if (v === undefined) continue;
          gauge.set(
            {
              endpoint: sample.endpoint,
              host: sample.host,
              port: String(sample.port),
              protocol: sample.protocol,
            },
            v,
          );
        }
      },
    });
  }
}
