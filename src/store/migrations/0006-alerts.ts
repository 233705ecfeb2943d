import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { createIndex } from './create-index.js';

/**
 * Alerting (docs/alerts.md): the rules operators define, what each rule last found about each subject, and the
 * delivery log.
 *
 * - `alert_rules`: `params` holds the kind's parameters as JSON (thresholds in days, failures, fleet count or
 *   share) and `channels` a JSON array of channel names, so a new kind needs no table change.
 * - `alert_states`: one row per (rule, subject); `version` is bumped by every change, and a change names the
 *   version it read, so of two nodes evaluating at once exactly one records a crossing (and enqueues its
 *   notifications in the same transaction).
 * - `alert_deliveries`: one row per notification and channel; due rows are found by (status, next_attempt_at).
 *   `rule_id` carries no foreign key: the log outlives a removed rule.
 * - `alert_delivery_attempts`: every attempt's outcome, so the log answers "what happened each time".
 */
export function alertsMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('alert_rules')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('name', types.keyText, (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('subject_kind', 'text')
        .addColumn('label_pattern', 'text')
        .addColumn('channels', 'text', (c) => c.notNull())
        // 0 or 1: SQLite has no boolean type, and both engines then store the same thing.
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('quiet_start', 'text')
        .addColumn('quiet_end', 'text')
        .addColumn('quiet_time_zone', 'text')
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('alert_states')
        .addColumn('rule_id', types.keyText, (c) =>
          c.notNull().references('alert_rules.id').onDelete('cascade'),
        )
        .addColumn('subject_key', types.keyText, (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        // Null while clear; otherwise e.g. `7d` (the smallest expiry threshold crossed) or `firing`.
        .addColumn('level', 'text')
        .addColumn('firing_since', types.int64)
        .addColumn('notified_level', 'text')
        .addColumn('resolved_at', types.int64)
        .addColumn('updated_at', types.int64, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_states_pkey', ['rule_id', 'subject_key'])
        .execute();

      await db.schema
        .createTable('alert_deliveries')
        .addColumn('id', types.identity, (c) => types.identityColumn(c))
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('rule_name', 'text', (c) => c.notNull())
        .addColumn('subject_key', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', types.int64, (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('delivered_at', types.int64)
        .execute();
      await createIndex(db, 'alert_deliveries', ['status', 'next_attempt_at']);

      await db.schema
        .createTable('alert_delivery_attempts')
        .addColumn('delivery_id', types.identity, (c) =>
          c.notNull().references('alert_deliveries.id').onDelete('cascade'),
        )
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', types.int64, (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_delivery_attempts_pkey', ['delivery_id', 'attempt'])
        .execute();
    },
  };
}
