import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from './api.js';
import type { Problem } from './problem-message.js';

export interface Action {
  readonly busy: boolean;
  readonly error: string | undefined;
  /** The API's problem behind `error`, for messages next to the fields it names. */
  readonly problem: Problem | undefined;
  /** Runs the request; resolves to its answer, or undefined when it failed (the error is then in `error`). */
  readonly run: <T>(request: () => Promise<T>) => Promise<T | undefined>;
  readonly reset: () => void;
}

interface ActionState {
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly problem: Problem | undefined;
}

const IDLE: ActionState = { busy: false, error: undefined, problem: undefined };

/** One change the operator asked for (revoke, add an endpoint): its progress and its error, for the form. */
export function useAction(): Action {
  const [state, setState] = useState<ActionState>(IDLE);
  return {
    ...state,
    run: async <T>(request: () => Promise<T>): Promise<T | undefined> => {
      setState({ busy: true, error: undefined, problem: undefined });
      try {
        const answer = await request();
        setState(IDLE);
        return answer;
      } catch (error) {
        setState({
          busy: false,
          error: errorMessage(error),
          problem: error instanceof ApiError ? error.problem : undefined,
        });
        return undefined;
      }
    },
    reset: () => setState(IDLE),
  };
}
