import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api.js';
import type { Session } from './api-types.js';

/** The signed-in operator: the API client with their token, and what the token may do. */
export interface Operator {
  readonly api: ApiClient;
  readonly session: Session;
}

export const OperatorContext = createContext<Operator | undefined>(undefined);

export function useOperator(): Operator {
  const operator = useContext(OperatorContext);
  if (operator === undefined) throw new Error('useOperator outside a signed-in session');
  return operator;
}

/** Whether actions (revoke, decommission, tokens, endpoint changes) are offered: `admin` tokens only. */
export function useIsAdmin(): boolean {
  return useOperator().session.scope === 'admin';
}
