import type { Kysely } from 'kysely';

/**
 * Creates an index named `<table>_<columns>_idx` (unique per schema in both engines). For migrations from
 * 0002 on; 0001 keeps its own copy, as a shipped migration is never edited.
 */
export async function createIndex(
  db: Kysely<unknown>,
  table: string,
  columns: readonly string[],
): Promise<void> {
  await db.schema
    .createIndex(`${table}_${columns.join('_')}_idx`)
    .on(table)
    .columns([...columns])
    .execute();
}
