import { setTimeout } from 'node:timers/promises';
import { Migrator } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { PkiError, isPkiError } from '../core/pki-error.js';
import { columnTypesFor } from './migrations/column-types.js';
import { initialMigration } from './migrations/0001-initial.js';
import { enrollmentMigration } from './migrations/0002-enrollment.js';
import { revocationMigration } from './migrations/0003-revocation.js';
import { fleetMigration } from './migrations/0004-fleet.js';
import { monitorMigration } from './migrations/0005-monitor.js';
import { alertsMigration } from './migrations/0006-alerts.js';
import { apiTokensMigration } from './migrations/0007-api-tokens.js';
import { undeployedRenewalsMigration } from './migrations/0008-undeployed-renewals.js';
import { cmpTransactionsMigration } from './migrations/0009-cmp-transactions.js';
import { acmeMigration } from './migrations/0010-acme.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/**
 * Every migration, in order, listed in code rather than found by scanning a folder, so the same list runs from
 * src/ through tsx and from dist/ after a build. Names sort in the order they apply; never rename or edit one
 * that has shipped, add the next.
 */
export function storeMigrations(engine: Store['engine']): Record<string, Migration> {
  const types = columnTypesFor(engine);
  return {
    '0001-initial': initialMigration(types),
    '0002-enrollment': enrollmentMigration(types),
    '0003-revocation': revocationMigration(types),
    '0004-fleet': fleetMigration(types),
    '0005-monitor': monitorMigration(types),
    '0006-alerts': alertsMigration(types),
    '0007-api-tokens': apiTokensMigration(types),
    '0008-undeployed-renewals': undeployedRenewalsMigration(),
    '0009-cmp-transactions': cmpTransactionsMigration(types),
    '0010-acme': acmeMigration(types),
  };
}

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(this.migrations);
  }
}

/** Attempts at migrating before giving up; see migrateToLatest. */
const MIGRATION_ATTEMPTS = 3;
const MIGRATION_RETRY_DELAY_MS = 100;

/**
 * Brings the schema up to date; runs at every open. On PostgreSQL, Kysely's migrator serializes concurrent
 * migrators with a row lock. On SQLite its migration lock is a no-op (it assumes one connection), so two
 * processes opening a fresh file at once can race: each migration runs in a transaction, the loser's rolls
 * back, and its next attempt finds the migrations applied. `schema` names the PostgreSQL schema that holds
 * Kysely's bookkeeping tables.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  engine: Store['engine'],
  schema?: string,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrateOnce(db, engine, schema);
      return;
    } catch (error) {
      if (attempt >= MIGRATION_ATTEMPTS || isPkiError(error, 'UNAVAILABLE')) throw error;
      await setTimeout(MIGRATION_RETRY_DELAY_MS * attempt);
    }
  }
}

async function migrateOnce(db: Kysely<Database>, engine: Store['engine'], schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(storeMigrations(engine)),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    if (error instanceof PkiError) throw error;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'bookkeeping';
    throw new PkiError('INTERNAL', `store migration ${failed} failed`, { cause: error });
  }
}
