import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import type { Database } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';
import { dropSchema, postgresTestServer, postgresTestUrl, randomSchemaName } from './postgres.js';

/** A fresh, empty store on one engine, with what a contract test needs around it. */
export interface StoreUnderTest {
  readonly store: Store;
  /** The URL it was opened with. */
  readonly url: string;
  /** Opens another store on the same database: a restart, or a second server node. The caller closes it. */
  readonly openAnother: () => Promise<Store>;
  /**
   * A connection to the same database that bypasses the store, for what no role allows (tampering with the
   * audit trail). On PostgreSQL, BIGINT columns come back as strings here.
   */
  readonly raw: Kysely<Database>;
  /** Closes everything and removes the database (temporary folder or schema). */
  readonly dispose: () => Promise<void>;
}

/** Where a store may be opened, with nothing opened there yet. */
export interface StoreLocation {
  readonly url: string;
  /** Removes the database (temporary folder or schema); close every store on it first. */
  readonly release: () => Promise<void>;
}

export interface StoreEngine {
  readonly name: Store['engine'];
  /** A new, empty location: a file in a temporary folder, or a random PostgreSQL schema. */
  reserve(): Promise<StoreLocation>;
  /** A store opened on a new location, with a raw connection beside it. */
  create(): Promise<StoreUnderTest>;
}

async function openUnderTest(location: StoreLocation, raw: Kysely<Database>): Promise<StoreUnderTest> {
  const store = await openStore(location.url);
  return {
    store,
    url: location.url,
    openAnother: () => openStore(location.url),
    raw,
    async dispose() {
      await raw.destroy();
      await store.close();
      await location.release();
    },
  };
}

const sqlite: StoreEngine = {
  name: 'sqlite',
  async reserve() {
    const folder = await mkdtemp(join(tmpdir(), 'certfleet-store-'));
    return {
      url: `sqlite:${join(folder, 'certfleet.db')}`,
      release: () => rm(folder, { recursive: true, force: true }),
    };
  },
  async create() {
    const location = await this.reserve();
    const path = location.url.slice('sqlite:'.length);
    // The store creates the file; the raw connection opens it lazily, on its first query.
    const raw = new Kysely<Database>({
      dialect: new SqliteDialect({ database: () => Promise.resolve(new BetterSqlite3(path)) }),
    });
    return openUnderTest(location, raw);
  },
};

const postgres: StoreEngine = {
  name: 'postgres',
  reserve() {
    const schema = randomSchemaName();
    return Promise.resolve({ url: postgresTestUrl(schema), release: () => dropSchema(schema) });
  },
  async create() {
    const location = await this.reserve();
    const schema = new URL(location.url).searchParams.get('schema') ?? 'public';
    const raw = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ ...postgresTestServer(), max: 2, options: `-c search_path=${schema}` }),
      }),
    });
    return openUnderTest(location, raw);
  },
};

/** Every engine a store contract runs against: `for (const engine of storeEngines) describe(engine.name, …)`. */
export const storeEngines: readonly StoreEngine[] = [sqlite, postgres];

/**
 * Opens a fresh store before the tests of the enclosing `describe` and disposes of it after them; returns a
 * getter for it. If the engine cannot be opened (PostgreSQL unreachable), the getter throws the open error,
 * so every test of the suite fails: counted as failures, not skipped or cancelled, as CI requires.
 */
export function useStore(engine: StoreEngine): () => StoreUnderTest {
  let opened: StoreUnderTest | undefined;
  let openError: unknown;
  before(async () => {
    try {
      opened = await engine.create();
    } catch (error) {
      openError = error;
    }
  });
  after(async () => {
    await opened?.dispose();
  });
  return () => {
    if (opened === undefined) {
      throw new Error(`the ${engine.name} store did not open`, { cause: openError });
    }
    return opened;
  };
}
