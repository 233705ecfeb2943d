import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import type { CompiledQuery } from 'kysely';

type MapError = (error: unknown) => unknown;

/**
 * Wraps a Kysely dialect so that every driver error passes through `mapError` (here: store-errors.ts turns
 * "unreachable, locked, shutting down" into PkiError UNAVAILABLE). One place covers every query, connect,
 * BEGIN and COMMIT of every role on both engines, instead of a try/catch in each method.
 */
export class ErrorMappingDialect implements Dialect {
  constructor(
    private readonly inner: Dialect,
    private readonly mapError: MapError,
  ) {}

  createDriver(): Driver {
    return new ErrorMappingDriver(this.inner.createDriver(), this.mapError);
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  // The Dialect interface itself takes Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}

/** Drivers keep private state on their own connection objects, so every call gets the inner one back. */
class ErrorMappingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly mapError: MapError,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw this.mapError(error);
    }
  }
}

class ErrorMappingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly mapError: MapError,
  ) {}

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.mapError(error);
    }
  }

  init(): Promise<void> {
    return this.guard(() => this.inner.init());
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return this.guard(
      async () => new ErrorMappingConnection(await this.inner.acquireConnection(), this.mapError),
    );
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.rollbackTransaction(unwrap(connection)));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const inner = this.inner.savepoint?.bind(this.inner);
    if (inner === undefined) throw new Error('this driver does not support savepoints');
    await this.guard(() => inner(unwrap(connection), name, compileQuery));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const inner = this.inner.rollbackToSavepoint?.bind(this.inner);
    if (inner === undefined) throw new Error('this driver does not support savepoints');
    await this.guard(() => inner(unwrap(connection), name, compileQuery));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const inner = this.inner.releaseSavepoint?.bind(this.inner);
    if (inner === undefined) throw new Error('this driver does not support savepoints');
    await this.guard(() => inner(unwrap(connection), name, compileQuery));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.releaseConnection(unwrap(connection)));
  }

  destroy(): Promise<void> {
    return this.guard(() => this.inner.destroy());
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof ErrorMappingConnection ? connection.inner : connection;
}
