import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { PkiError } from '../core/pki-error.js';
import { checkAlertRule } from './alert-rule-check.js';
import type {
  AlertCondition,
  AlertRuleKind,
  AlertRuleRecord,
  AlertRules,
  AlertSubjectKind,
  NewAlertRule,
} from './alert-rules.js';
import { toEpochMs } from './epoch-ms.js';
import type { AlertRulesTable, Database } from './schema.js';
import { isUniqueViolation } from './store-errors.js';

/**
 * Both engines. Names are unique by constraint; addIfNone inserts with ON CONFLICT (name) DO NOTHING, so two
 * nodes seeding the defaults at once add each rule once.
 */
export class SqlAlertRules implements AlertRules {
  constructor(private readonly db: Kysely<Database>) {}

  async add(rule: NewAlertRule, at: Date): Promise<AlertRuleRecord> {
    const row = toRow(checkAlertRule(rule), at);
    try {
      await this.db.insertInto('alert_rules').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new PkiError('CONFLICT', `an alert rule named '${rule.name}' exists already`, { cause: error });
      }
      throw error;
    }
    return toRecord(row);
  }

  async addIfNone(rules: readonly NewAlertRule[], at: Date): Promise<readonly AlertRuleRecord[]> {
    // Every rule is checked before anything is written.
    const rows = rules.map((rule) => toRow(checkAlertRule(rule), at));
    const existing = await this.db.selectFrom('alert_rules').select('id').limit(1).executeTakeFirst();
    if (existing !== undefined) return [];
    const added: AlertRuleRecord[] = [];
    for (const row of rows) {
      const result = await this.db
        .insertInto('alert_rules')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) added.push(toRecord(row));
    }
    return added;
  }

  async get(name: string): Promise<AlertRuleRecord | undefined> {
    const row = await this.db
      .selectFrom('alert_rules')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(): Promise<readonly AlertRuleRecord[]> {
    const rows = await this.db.selectFrom('alert_rules').selectAll().orderBy('name').execute();
    return rows.map(toRecord);
  }

  async setEnabled(name: string, enabled: boolean): Promise<AlertRuleRecord> {
    const row = await this.db
      .updateTable('alert_rules')
      .set({ enabled: enabled ? 1 : 0 })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw notFound(name);
    return toRecord(row);
  }

  async remove(name: string): Promise<void> {
    // The states go with the rule (ON DELETE CASCADE); the deliveries stay in the log.
    const { numDeletedRows } = await this.db
      .deleteFrom('alert_rules')
      .where('name', '=', name)
      .executeTakeFirst();
    if (numDeletedRows === 0n) throw notFound(name);
  }
}

function notFound(name: string): PkiError {
  return new PkiError('NOT_FOUND', `no alert rule is named '${name}'`);
}

function toRow(rule: NewAlertRule, at: Date): AlertRulesTable {
  const { kind, ...params } = rule.condition;
  return {
    id: randomUUID(),
    name: rule.name,
    kind,
    params: JSON.stringify(params),
    subject_kind: rule.subjects.kind ?? null,
    label_pattern: rule.subjects.labelPattern ?? null,
    channels: JSON.stringify(rule.channels),
    enabled: rule.enabled ? 1 : 0,
    quiet_start: rule.quietHours?.start ?? null,
    quiet_end: rule.quietHours?.end ?? null,
    quiet_time_zone: rule.quietHours?.timeZone ?? null,
    created_at: toEpochMs(at, 'at'),
  };
}

function toRecord(row: Selectable<AlertRulesTable>): AlertRuleRecord {
  // The row was checked when written (checkAlertRule), so its JSON has the kind's shape.
  const condition = {
    kind: row.kind as AlertRuleKind,
    ...(JSON.parse(row.params) as object),
  } as AlertCondition;
  return {
    id: row.id,
    name: row.name,
    condition,
    subjects: {
      ...(row.subject_kind === null ? {} : { kind: row.subject_kind as AlertSubjectKind }),
      ...(row.label_pattern === null ? {} : { labelPattern: row.label_pattern }),
    },
    channels: JSON.parse(row.channels) as string[],
    enabled: row.enabled === 1,
    quietHours:
      row.quiet_start === null || row.quiet_end === null || row.quiet_time_zone === null
        ? null
        : { start: row.quiet_start, end: row.quiet_end, timeZone: row.quiet_time_zone },
    createdAt: new Date(row.created_at),
  };
}
