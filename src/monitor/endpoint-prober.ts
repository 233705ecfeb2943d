import type { Clock } from '../core/clock.js';
import type { MonitoredEndpoint } from '../store/endpoint-registry.js';
import type { NewObservation } from '../store/observation-log.js';
import type { ChainJudge } from './chain-judge.js';
import { ProbeFailure } from './probe-failure.js';
import type { ClientCredential, ProbeBounds, ProbeTarget } from './probe-target.js';
import type { TlsProbes } from './tls-probes.js';

/** The client certificates the monitor may present, by name, and the one presented when an endpoint names none. */
export interface ClientCredentials {
  readonly byName: ReadonlyMap<string, ClientCredential>;
  readonly defaultName?: string;
}

/** Something that probes an endpoint and says what it saw; the schedule and `certfleet monitor probe` use it. */
export interface Prober {
  probe(endpoint: MonitoredEndpoint): Promise<NewObservation>;
}

/**
 * Probes one endpoint with its protocol's TlsProbe and judges the chain. A failing endpoint is an observation
 * (its outcome names the failure), never an exception; what does throw is the monitor's own trouble (the store
 * unreachable while linking), which the caller logs instead of recording.
 */
export class EndpointProber implements Prober {
  constructor(
    private readonly deps: {
      readonly probes: TlsProbes;
      readonly judge: ChainJudge;
      readonly clock: Clock;
      readonly bounds: ProbeBounds;
      readonly credentials: ClientCredentials;
    },
  ) {}

  async probe(endpoint: MonitoredEndpoint): Promise<NewObservation> {
    const observedAt = this.deps.clock.now();
    const started = performance.now();
    const elapsedMs = () => Math.max(0, Math.round(performance.now() - started));
    try {
      const target: ProbeTarget = {
        host: endpoint.host,
        port: endpoint.port,
        sni: endpoint.sni,
        protocol: endpoint.protocol,
        clientCredential: this.credentialFor(endpoint),
      };
      const facts = await this.deps.probes[endpoint.protocol].probe(target, this.deps.bounds);
      const judgement = await this.deps.judge.judge(facts.chainDer, observedAt);
      return {
        endpointId: endpoint.id,
        observedAt,
        durationMs: elapsedMs(),
        outcome: 'ok',
        errorMessage: null,
        tlsVersion: facts.tlsVersion,
        protocolResult: facts.protocolResult,
        leaf: judgement.leaf,
        chainDer: facts.chainDer,
        chainNotAfter: judgement.chainNotAfter,
        chainValid: judgement.chainValid,
        chainError: judgement.chainError,
        chainValidSystem: facts.chainDer.length === 0 ? null : facts.systemTrusted,
        chainSystemError: facts.systemError,
        hostnameMatches: facts.chainDer.length === 0 ? null : facts.hostnameMatches,
        linked: judgement.linked,
      };
    } catch (error) {
      if (!(error instanceof ProbeFailure)) throw error;
      return {
        endpointId: endpoint.id,
        observedAt,
        durationMs: elapsedMs(),
        outcome: error.kind,
        errorMessage: error.message,
        tlsVersion: null,
        protocolResult: null,
        leaf: null,
        chainDer: [],
        chainNotAfter: null,
        chainValid: null,
        chainError: null,
        chainValidSystem: null,
        chainSystemError: null,
        hostnameMatches: null,
        linked: null,
      };
    }
  }

  private credentialFor(endpoint: MonitoredEndpoint): ClientCredential | null {
    const name = endpoint.clientCredential ?? this.deps.credentials.defaultName;
    if (name === undefined) return null;
    const credential = this.deps.credentials.byName.get(name);
    if (credential === undefined) {
      throw new ProbeFailure(
        'credential-missing',
        `the endpoint names client credential '${name}', which monitor.clientCredentials does not define`,
      );
    }
    return credential;
  }
}
