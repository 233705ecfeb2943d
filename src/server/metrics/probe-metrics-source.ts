/** The latest observation of one monitored endpoint, as the probe metrics show it. */
export interface ProbeSample {
  /** The endpoint's unique name. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  /** How it is probed: `tls`, `https`, `mqtts`, `smtp-starttls`… */
  readonly protocol: string;
  /** Whether the probe succeeded (connected, handshake done, the protocol answered as expected). */
  readonly success: boolean;
  readonly durationSeconds: number;
  /** The earliest notAfter in the chain the endpoint presented; null when none was received. */
  readonly earliestCertExpiry: Date | null;
  readonly observedAt: Date;
}

/**
 * Where the probe metrics come from: the external monitor's latest observation per endpoint. Declared here,
 * narrow, so the metrics do not depend on how the monitor stores its observations; the server wires the
 * monitor's store to it.
 */
export interface ProbeMetricsSource {
  latest(): Promise<readonly ProbeSample[]>;
}
