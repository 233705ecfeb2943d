import type { Prober } from '../monitor/endpoint-prober.js';
import type { MonitoredEndpoint } from '../store/endpoint-registry.js';
import type { NewObservation } from '../store/observation-log.js';

/**
 * A Prober opened on its first probe. The admin API's "probe now" needs the monitor's prober, whose opening
 * reads files (extra trust anchors, client certificates): a node whose operators never probe from the API,
 * or whose schedule is off (monitor.enabled), should not fail to start over them. Concurrent first probes
 * share one opening; an opening that failed is tried again on the next probe (the files may have been fixed).
 */
export class LazyProber implements Prober {
  private opening: Promise<Prober> | undefined;

  constructor(private readonly open: () => Promise<Prober>) {}

  async probe(endpoint: MonitoredEndpoint): Promise<NewObservation> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    const prober = await this.opening;
    return prober.probe(endpoint);
  }
}
