import Type, { type Static } from 'typebox';
import { PkiError } from '../../core/pki-error.js';
import { ALERT_RULE_KINDS, ALERT_SUBJECT_KINDS, type AlertRuleRecord } from '../../store/alert-rules.js';
import type { AlertStateRecord } from '../../store/alert-states.js';
import { alertRuleOf } from '../alert-rule-input.js';
import { actorOf, operatorOf } from '../api-operator.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import {
  Instant,
  isoOrNull,
  literalUnion,
  NullableInstant,
  nullable,
  PAGE_QUERY,
  pageSchema,
  problemResponses,
} from '../api-schemas.js';
import { isText, PageCursor } from '../page-cursor.js';

const RuleParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
const RuleListQuery = Type.Object({ ...PAGE_QUERY }, { additionalProperties: false });
const StateListQuery = Type.Object(
  {
    rule: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only this rule (by name)' }),
    ),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

/** A rule's kind with its parameters, as the store holds it (store/alert-rules.ts, docs/alerts.md). */
const ConditionSchema = Type.Object(
  {
    kind: literalUnion(ALERT_RULE_KINDS),
    thresholdsDays: Type.Optional(
      Type.Array(Type.Integer(), {
        description: 'expiry: whole days before notAfter, descending (default 30, 14, 7, 1)',
      }),
    ),
    failures: Type.Optional(Type.Integer({ description: 'unreachable: failed probes in a row (default 3)' })),
    aboveCount: Type.Optional(Type.Integer({ description: 'fleet-at-risk: fires above this many devices' })),
    aboveShare: Type.Optional(
      Type.Number({ description: 'fleet-at-risk: fires above this share of the live fleet (0 to 1)' }),
    ),
  },
  { additionalProperties: false },
);

const SubjectsSchema = Type.Object(
  {
    kind: Type.Optional(literalUnion(ALERT_SUBJECT_KINDS)),
    labelPattern: Type.Optional(
      Type.String({ description: "A glob over the subject's label: * any characters, ? one" }),
    ),
  },
  { additionalProperties: false, description: 'Which subjects the rule judges; empty: all its kind can' },
);

const QuietHoursSchema = Type.Object(
  {
    start: Type.String({ description: 'Local time HH:MM' }),
    end: Type.String({ description: 'Local time HH:MM; before start: the hours span midnight' }),
    timeZone: Type.String({ description: 'IANA time zone, e.g. Europe/Berlin' }),
  },
  { additionalProperties: false },
);

const AlertRuleSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  condition: ConditionSchema,
  subjects: SubjectsSchema,
  channels: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  quietHours: nullable(QuietHoursSchema),
  createdAt: Instant,
});

const CreateRuleBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Unique: letters, digits, . _ -, starting with a letter or digit',
    }),
    condition: ConditionSchema,
    subjects: Type.Optional(SubjectsSchema),
    channels: Type.Optional(
      Type.Array(Type.String(), {
        maxItems: 32,
        description: 'Configured channels to notify (default none)',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'Default true' })),
    quietHours: Type.Optional(
      nullable(
        Type.Object(
          {
            start: QuietHoursSchema.properties.start,
            end: QuietHoursSchema.properties.end,
            timeZone: Type.Optional(Type.String({ description: 'IANA time zone; default UTC' })),
          },
          { additionalProperties: false, description: 'Hold non-critical notices in this window' },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

const EnableBody = Type.Object(
  { enabled: Type.Boolean({ description: 'false: stop evaluating the rule (its states are kept)' }) },
  { additionalProperties: false },
);

const AlertStateSchema = Type.Object({
  rule: Type.String({ description: 'The rule name' }),
  ruleId: Type.String(),
  subjectKey: Type.String({ description: 'e.g. endpoint:12, cert:operational/0a1b…, fleet' }),
  label: Type.String(),
  level: Type.String({ description: 'e.g. 7d (the smallest expiry threshold crossed), firing' }),
  firingSince: NullableInstant,
  notifiedLevel: nullable(Type.String({ description: 'The level of the last firing notice' })),
  updatedAt: Instant,
});

/** Rules by name: a page ends at its last rule's name. */
const RULE_CURSOR = new PageCursor<string>('alert-rules', {
  encode: (name) => [name],
  decode: ([name]) => (isText(name) ? name : undefined),
});

interface StateKey {
  readonly ruleId: string;
  readonly subjectKey: string;
}

/** Firing states by rule id and subject key (the table's primary key). */
const STATE_CURSOR = new PageCursor<StateKey>('alert-states', {
  encode: (key) => [key.ruleId, key.subjectKey],
  decode: ([ruleId, subjectKey]) =>
    isText(ruleId) && isText(subjectKey) ? { ruleId, subjectKey } : undefined,
});

function ruleJson(rule: AlertRuleRecord): Static<typeof AlertRuleSchema> {
  const condition = rule.condition;
  return {
    id: rule.id,
    name: rule.name,
    condition:
      condition.kind === 'expiry'
        ? { kind: condition.kind, thresholdsDays: [...condition.thresholdsDays] }
        : { ...condition },
    subjects: { ...rule.subjects },
    channels: [...rule.channels],
    enabled: rule.enabled,
    quietHours: rule.quietHours === null ? null : { ...rule.quietHours },
    createdAt: rule.createdAt.toISOString(),
  };
}

function stateJson(state: AlertStateRecord, rule: string): Static<typeof AlertStateSchema> {
  return {
    rule,
    ruleId: state.ruleId,
    subjectKey: state.subjectKey,
    label: state.label,
    level: state.level ?? '',
    firingSince: isoOrNull(state.firingSince),
    notifiedLevel: state.notifiedLevel,
    updatedAt: state.updatedAt.toISOString(),
  };
}

async function ruleNamed(
  rules: { get(name: string): Promise<AlertRuleRecord | undefined> },
  name: string,
): Promise<AlertRuleRecord> {
  const rule = await rules.get(name);
  if (rule === undefined) throw new PkiError('NOT_FOUND', `no alert rule is named '${name}'`);
  return rule;
}

/**
 * Alert rules (docs/alerts.md): listed, read, added, enabled or disabled, removed, as `certfleet alerts rule`
 * does, through AlertRuleRegistrar (the same checks, each change audited); and what is firing now.
 */
export const alertRuleRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof RuleListQuery> }>(
    '/alert-rules',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'List the alert rules, by name',
        querystring: RuleListQuery,
        response: { 200: pageSchema(AlertRuleSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const after = RULE_CURSOR.decode(cursor);
      // A deployment has a handful of rules: the store lists them all (by name) and the page is cut here.
      const rows = (await deps.alertRules.list()).filter((r) => after === undefined || r.name > after);
      return pageOf(rows.slice(0, limit + 1), limit, RULE_CURSOR, (r) => r.name, ruleJson);
    },
  );

  app.get<{ Params: Static<typeof RuleParams> }>(
    '/alert-rules/:name',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'One alert rule',
        params: RuleParams,
        response: { 200: AlertRuleSchema, ...problemResponses(404) },
      },
    },
    async (request) => ruleJson(await ruleNamed(deps.alertRules, request.params.name)),
  );

  app.post<{ Body: Static<typeof CreateRuleBody> }>(
    '/alert-rules',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'Add an alert rule (admin), as certfleet alerts rule add',
        body: CreateRuleBody,
        response: { 201: AlertRuleSchema, ...problemResponses(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const added = await deps.alertRuleRegistrar.add(
        actorOf(operatorOf(request)),
        alertRuleOf(request.body),
      );
      reply.code(201);
      return ruleJson(added);
    },
  );

  app.patch<{ Params: Static<typeof RuleParams>; Body: Static<typeof EnableBody> }>(
    '/alert-rules/:name',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'Enable or disable an alert rule (admin)',
        params: RuleParams,
        body: EnableBody,
        response: { 200: AlertRuleSchema, ...problemResponses(400, 404, 413, 415) },
      },
    },
    async (request) => {
      const rule = await deps.alertRuleRegistrar.setEnabled(
        actorOf(operatorOf(request)),
        request.params.name,
        request.body.enabled,
      );
      return ruleJson(rule);
    },
  );

  app.delete<{ Params: Static<typeof RuleParams> }>(
    '/alert-rules/:name',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'Remove an alert rule and its states (admin); its deliveries stay in the log',
        params: RuleParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await deps.alertRuleRegistrar.remove(actorOf(operatorOf(request)), request.params.name);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof StateListQuery> }>(
    '/alert-states',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'What is firing now: each (rule, subject) with a level, by rule id and subject key',
        querystring: StateListQuery,
        response: { 200: pageSchema(AlertStateSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { rule, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const after = STATE_CURSOR.decode(cursor);
      const only = rule === undefined ? undefined : await ruleNamed(deps.alertRules, rule);
      const rows = await deps.alertStates.firing({
        ...(only === undefined ? {} : { ruleId: only.id }),
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      const names = new Map((await deps.alertRules.list()).map((r) => [r.id, r.name]));
      return pageOf(
        rows,
        limit,
        STATE_CURSOR,
        (s) => ({ ruleId: s.ruleId, subjectKey: s.subjectKey }),
        // A rule removed between the two reads takes its states with it; its id stands in for the name.
        (s) => stateJson(s, names.get(s.ruleId) ?? s.ruleId),
      );
    },
  );
};
