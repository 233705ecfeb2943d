import type BetterSqlite3 from 'better-sqlite3';
import type { Compilable } from 'kysely';

type Binding<P> = { readonly name: keyof P } | { readonly constant: unknown };

/**
 * A query built with Kysely, compiled once and prepared once by better-sqlite3, then bound by name on every
 * run. Kysely compiles each query anew (build the operation tree, render SQL) and its SQLite driver prepares
 * each statement anew; for the ledger's one-row statements that costs more than the row write itself. Building
 * the SQL with Kysely still checks table and column names against schema.ts and speaks SQLite's dialect.
 *
 * `build` receives a marker object for each name; the compiled parameters are matched back to the markers,
 * so the binding order is read from the compiled query rather than assumed. Other parameters (a literal
 * `'prepared'`, a LIMIT) are kept as constants.
 */
export class SqliteStatement<P extends object> {
  private readonly statement: BetterSqlite3.Statement<unknown[]>;
  private readonly bindings: readonly Binding<P>[];

  constructor(
    sqlite: BetterSqlite3.Database,
    names: readonly (keyof P & string)[],
    build: (params: P) => Compilable,
  ) {
    const markers = new Map<unknown, keyof P>();
    const params: Record<string, unknown> = {};
    for (const name of names) {
      const marker = Object.freeze({ sqliteStatementParameter: name });
      markers.set(marker, name);
      params[name] = marker;
    }
    // The markers stand in for values of P only while the query is compiled; they never reach the database.
    const compiled = build(params as P).compile();
    this.bindings = compiled.parameters.map((value) => {
      const name = markers.get(value);
      return name === undefined ? { constant: value } : { name };
    });
    const used = new Set(this.bindings.flatMap((b) => ('name' in b ? [b.name] : [])));
    const unused = names.filter((name) => !used.has(name));
    if (unused.length > 0) throw new Error(`statement does not bind ${unused.join(', ')}: ${compiled.sql}`);
    this.statement = sqlite.prepare<unknown[]>(compiled.sql);
  }

  run(values: P): BetterSqlite3.RunResult {
    return this.statement.run(this.bind(values));
  }

  get(values: P): unknown {
    return this.statement.get(this.bind(values));
  }

  private bind(values: P): unknown[] {
    return this.bindings.map((b) => ('name' in b ? values[b.name] : b.constant));
  }
}
