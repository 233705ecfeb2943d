import { sql } from 'kysely';
import type { Kysely, Migration, SqlBool } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { createIndex } from './create-index.js';

/**
 * The external monitor: the TLS endpoints it probes and what each probe saw.
 *
 * - `monitored_endpoints.last_observation_id` points at the endpoint's newest observation, written in the
 *   same transaction as the observation. "The latest observation of every endpoint" (read at every Prometheus
 *   scrape and alert evaluation) is then one primary-key lookup per endpoint, with no max() over the history.
 *   No foreign key on it: the two tables would reference each other.
 * - Booleans are integers 0/1 in both engines (`enabled`, `chain_valid`, …), so the partial index predicate and
 *   the queries read the same on both.
 * - `chain_der` is the DER certificates as presented, concatenated (each DER SEQUENCE carries its length);
 *   its size is bounded by the probe's handshake byte cap.
 */
export function monitorMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('monitored_endpoints')
        .addColumn('id', types.identity, (c) => types.identityColumn(c))
        .addColumn('name', types.keyText, (c) => c.notNull().unique())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('sni', 'text')
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('client_credential', 'text')
        // JSON object of text labels.
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('notes', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('updated_at', types.int64, (c) => c.notNull())
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_probed_at', types.int64)
        .addColumn('last_observation_id', types.int64)
        .execute();
      // Endpoints due for a probe: the schedule walks the enabled endpoints of one kind in id order (keyset
      // pages, no sort) and tests last_probed_at from the index, reading only the rows it will probe. Partial:
      // disabled endpoints are never walked. The query repeats the predicate word for word.
      await db.schema
        .createIndex('monitored_endpoints_due_idx')
        .on('monitored_endpoints')
        .columns(['kind', 'id', 'last_probed_at'])
        .where(sql.raw<SqlBool>(ENABLED_ENDPOINT))
        .execute();
      await createIndex(db, 'monitored_endpoints', ['device_id']);

      await db.schema
        .createTable('endpoint_observations')
        .addColumn('id', types.identity, (c) => types.identityColumn(c))
        .addColumn('endpoint_id', types.int64, (c) =>
          c.notNull().references('monitored_endpoints.id').onDelete('cascade'),
        )
        .addColumn('observed_at', types.int64, (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error_message', 'text')
        .addColumn('tls_version', 'text')
        // What the application protocol answered after the handshake: `CONNACK 0`, `HTTP 200`.
        .addColumn('protocol_result', 'text')
        .addColumn('leaf_serial', 'text')
        .addColumn('leaf_issuer', 'text')
        .addColumn('leaf_subject', 'text')
        // JSON array of text SANs, as certificates.sans.
        .addColumn('leaf_sans', 'text')
        .addColumn('leaf_not_before', types.int64)
        .addColumn('leaf_not_after', types.int64)
        .addColumn('leaf_fingerprint_sha256', 'text')
        .addColumn('key_algorithm', 'text')
        .addColumn('chain_der', types.bytes)
        .addColumn('chain_length', 'integer', (c) => c.notNull())
        .addColumn('chain_not_after', types.int64)
        .addColumn('chain_valid', 'integer')
        .addColumn('chain_error', 'text')
        .addColumn('chain_valid_system', 'integer')
        .addColumn('chain_system_error', 'text')
        .addColumn('hostname_matches', 'integer')
        .addColumn('linked_serial', 'text')
        .addColumn('linked_issuer_id', 'text')
        .addColumn('linked_device_id', 'text')
        .execute();
      // The history of one endpoint, newest first (and its latest by time, should the pointer be unset).
      await createIndex(db, 'endpoint_observations', ['endpoint_id', 'observed_at']);
      // Pruning by age.
      await createIndex(db, 'endpoint_observations', ['observed_at']);
    },
  };
}

/**
 * The predicate of monitored_endpoints_due_idx, as text: a shipped migration never changes, so this is a copy
 * of ENABLED_ENDPOINT in sql-endpoint-registry.ts, not an import.
 */
const ENABLED_ENDPOINT = 'enabled = 1';
