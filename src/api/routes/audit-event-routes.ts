import Type, { type Static } from 'typebox';
import type { AuditRecord } from '../../store/records.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import { Instant, nullable, PAGE_QUERY, pageSchema, problemResponses } from '../api-schemas.js';
import { invalidInput } from '../invalid-input.js';
import { isEpochMs, PageCursor } from '../page-cursor.js';

const AuditQuery = Type.Object(
  {
    event: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'e.g. cert.revoked' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after this time' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Events before this time' })),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

const AuditEventSchema = Type.Object({
  seq: Type.Integer(),
  at: Instant,
  event: Type.String(),
  actor: Type.String(),
  subject: nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  hash: Type.String({ description: 'SHA-256 over the previous hash and this event' }),
  prevHash: Type.String(),
});

/** Newest first: a page ends at its last event's sequence number. */
const AUDIT_CURSOR = new PageCursor<number>('audit-events', {
  encode: (seq) => [seq],
  decode: ([seq]) => (isEpochMs(seq) && seq > 0 ? seq : undefined),
});

function timeOf(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw invalidInput('query', `/${name}`, 'is not a date-time');
  return date;
}

function auditJson(record: AuditRecord): Static<typeof AuditEventSchema> {
  return {
    seq: record.seq,
    at: record.at.toISOString(),
    event: record.event,
    actor: record.actor,
    subject: record.subject,
    data: { ...record.data },
    hash: record.hash,
    prevHash: record.prevHash,
  };
}

/** The audit trail (append-only, hash-chained), newest first. */
export const auditEventRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/audit-events',
    {
      schema: {
        tags: ['Audit'],
        summary: 'Audit events, newest first; by event name and time',
        querystring: AuditQuery,
        response: { 200: pageSchema(AuditEventSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { event, since, until, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const beforeSeq = AUDIT_CURSOR.decode(cursor);
      const from = timeOf(since, 'since');
      const to = timeOf(until, 'until');
      const rows = await deps.auditHistory.page({
        ...(event === undefined ? {} : { event }),
        ...(from === undefined ? {} : { since: from }),
        ...(to === undefined ? {} : { until: to }),
        ...(beforeSeq === undefined ? {} : { beforeSeq }),
        limit: limit + 1,
      });
      return pageOf(rows, limit, AUDIT_CURSOR, (record) => record.seq, auditJson);
    },
  );
};
