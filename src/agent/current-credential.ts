import { PkiError } from '../core/pki-error.js';
import type { AgentLogLine } from './agent-log.js';
import { type LoadedCredential, loadCredential } from './credential-pair.js';
import type { CredentialGeneration, CredentialStore } from './credential-store.js';
import { type StepFailure, storageFailure } from './failure-cause.js';

/** The pair the agent renews with, decoded; none before onboarding. */
export type CurrentCredential =
  | { readonly ok: true; readonly pair?: CredentialGeneration; readonly loaded?: LoadedCredential }
  | { readonly ok: false; readonly failure: StepFailure };

/**
 * Reads the current pair. One that does not load (a key that is not the certificate's, a damaged file) is
 * replaced by the previous pair when that one works; with neither, the device has no LDevID and onboards again
 * with its IDevID. Only a store that cannot be read is a failure.
 */
export async function readCurrentCredential(
  store: CredentialStore,
  log: (line: Omit<AgentLogLine, 'at'>) => void,
): Promise<CurrentCredential> {
  try {
    const pair = await store.current();
    if (!pair) return { ok: true };
    const loaded = tryLoad(pair);
    if (loaded) return { ok: true, pair, loaded };
    const previous = await store.previous();
    const fallback = previous && previous.serial !== pair.serial ? tryLoad(previous) : undefined;
    log({
      level: 'error',
      event: 'agent.credential.unusable',
      message: `the current pair ${pair.serial} is unusable; ${fallback ? `back to ${previous?.serial}` : 'onboarding again'}`,
    });
    if (!previous || !fallback) return { ok: true };
    await store.restorePrevious();
    return { ok: true, pair: previous, loaded: fallback };
  } catch (error) {
    return { ok: false, failure: storageFailure(error, 'reading the current pair') };
  }
}

function tryLoad(pair: CredentialGeneration): LoadedCredential | undefined {
  try {
    return loadCredential(pair, `generation ${pair.serial}`);
  } catch (error) {
    if (error instanceof PkiError) return undefined;
    throw error;
  }
}
