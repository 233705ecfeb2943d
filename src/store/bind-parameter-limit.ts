/**
 * The most bind parameters one statement may carry on both engines: PostgreSQL's protocol allows 65 535,
 * SQLite 32 766 (SQLITE_MAX_VARIABLE_NUMBER since 3.32). Multi-row INSERTs are split to stay under it.
 */
export const MAX_BIND_PARAMETERS = 30_000;

/** Splits rows into INSERT-sized chunks given how many parameters each row binds. */
export function chunkRows<T>(rows: readonly T[], parametersPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_BIND_PARAMETERS / parametersPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
