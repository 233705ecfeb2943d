import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Expression } from 'kysely';
import type { Store } from '../store.js';

/**
 * The few column types that differ between the engines; migrations take them as a parameter instead of
 * asking the connection which dialect it speaks.
 */
export interface ColumnTypes {
  readonly bytes: 'blob' | 'bytea';
  /** Epoch milliseconds and sequence numbers: 64-bit in both (SQLite's INTEGER is 64-bit). */
  readonly int64: 'integer' | 'bigint';
  /**
   * Text compared byte by byte, for identifiers that are keys or sort orders (ids, serials). SQLite's TEXT
   * already compares so; PostgreSQL would follow the database's locale (en_US orders `dev-b` before `dev_a`
   * differently), so both engines list in the same order, and C comparisons are cheaper on the hot path.
   */
  readonly keyText: 'text' | Expression<unknown>;
  /** The type of an auto-numbered primary key. */
  readonly identity: 'integer' | 'bigint';
  /** Makes the column auto-numbered: `INTEGER PRIMARY KEY` (the rowid) in SQLite, an identity in PostgreSQL. */
  identityColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

export function columnTypesFor(engine: Store['engine']): ColumnTypes {
  switch (engine) {
    case 'sqlite':
      return {
        bytes: 'blob',
        int64: 'integer',
        keyText: 'text',
        identity: 'integer',
        identityColumn: (column) => column.primaryKey(),
      };
    case 'postgres':
      return {
        bytes: 'bytea',
        int64: 'bigint',
        keyText: sql`text collate "C"`,
        identity: 'bigint',
        identityColumn: (column) => column.primaryKey().generatedAlwaysAsIdentity(),
      };
  }
}
