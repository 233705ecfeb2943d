import { PkiError } from '../core/pki-error.js';
import { parseAgentState } from './agent-state.js';
import { isWorkingCredential } from './credential-pair.js';
import {
  type AgentState,
  type CredentialGeneration,
  type CredentialPair,
  type CredentialStore,
  INITIAL_AGENT_STATE,
} from './credential-store.js';

/**
 * The credential store in memory, for the fleet simulator and tests, with FileCredentialStore's semantics: the
 * pair switches in one assignment, only a working pair (key matching certificate) is installed, and the previous
 * generation is kept until the next install. State is copied in and out through JSON, as a file would be.
 */
export class MemoryCredentialStore implements CredentialStore {
  #idevid: CredentialPair | undefined;
  #current: CredentialGeneration | undefined;
  #previous: CredentialGeneration | undefined;
  #anchors: string | undefined;
  #state = JSON.stringify(INITIAL_AGENT_STATE);

  /**
   * @param idevid the birth certificate (leaf, then chain) and key
   * @param trustAnchorsPem explicit anchors; absent for a bootstrap by pinned fingerprint
   * @param current a pair already in use, e.g. a device the simulator starts mid-life
   */
  constructor(idevid?: CredentialPair, trustAnchorsPem?: string, current?: CredentialGeneration) {
    this.#idevid = idevid;
    this.#anchors = trustAnchorsPem;
    this.#current = current;
  }

  idevid(): Promise<CredentialPair | undefined> {
    return Promise.resolve(this.#idevid);
  }

  current(): Promise<CredentialGeneration | undefined> {
    return Promise.resolve(this.#current);
  }

  previous(): Promise<CredentialGeneration | undefined> {
    return Promise.resolve(this.#previous);
  }

  install(generation: CredentialGeneration): Promise<void> {
    if (this.#current?.serial === generation.serial) {
      return Promise.reject(
        new PkiError('CONFLICT', `credential store: generation ${generation.serial} is current already`),
      );
    }
    if (!isWorkingCredential(generation)) {
      return Promise.reject(
        new PkiError(
          'MALFORMED_INPUT',
          `credential store: generation ${generation.serial} is not a working pair`,
        ),
      );
    }
    // One assignment each: there is no moment at which a reader sees the new key with the old certificate.
    this.#previous = this.#current;
    this.#current = { ...generation };
    return Promise.resolve();
  }

  restorePrevious(): Promise<void> {
    if (!this.#previous)
      return Promise.reject(new PkiError('NOT_FOUND', 'credential store: no previous generation'));
    this.#current = this.#previous;
    return Promise.resolve();
  }

  trustAnchorsPem(): Promise<string | undefined> {
    return Promise.resolve(this.#anchors);
  }

  setTrustAnchorsPem(pem: string): Promise<void> {
    this.#anchors = pem;
    return Promise.resolve();
  }

  readState(): Promise<AgentState> {
    return Promise.resolve(parseAgentState(this.#state));
  }

  writeState(state: AgentState): Promise<void> {
    this.#state = JSON.stringify(state);
    return Promise.resolve();
  }
}
