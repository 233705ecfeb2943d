import type { NewObservation } from '../../src/store/observation-log.js';

/**
 * An observation for tests: by default a probe that was refused (no handshake, nothing judged) at `observedAt`;
 * `fields` make it anything else, e.g. `{ outcome: 'ok', leaf, chainNotAfter, chainValid: true }`.
 */
export function newObservation(
  endpointId: number,
  observedAt: Date,
  fields: Partial<NewObservation> = {},
): NewObservation {
  return {
    endpointId,
    observedAt,
    durationMs: 250,
    outcome: 'refused',
    errorMessage: 'connection refused',
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
    ...fields,
  };
}
