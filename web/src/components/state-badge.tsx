import type { FleetState } from '../api-types.js';

/** A fleet state by its API name (`renewal_due`), coloured by class: what the operator searches and filters by. */
export function StateBadge({ state, testId }: { state: FleetState; testId?: string }) {
  return (
    <span class={`badge state-${state}`} data-testid={testId}>
      {state}
    </span>
  );
}

/** A yes / no / unknown verdict (chain valid, hostname matches), never colour alone. */
export function Verdict({
  value,
  yes = 'valid',
  no = 'invalid',
}: {
  value: boolean | null;
  yes?: string;
  no?: string;
}) {
  if (value === null) return <span class="muted">—</span>;
  return <span class={value ? 'badge verdict-good' : 'badge verdict-bad'}>{value ? yes : no}</span>;
}
