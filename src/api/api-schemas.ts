import Type, { type TSchema } from 'typebox';
import { PKI_ERROR_CODES } from '../core/pki-error.js';
import { PROBLEM_MEDIA_TYPE } from './problem-details.js';

/** Page size: `?limit=` */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** The query parameters of every list; spread into a list's own query schema. */
export const PAGE_QUERY = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: DEFAULT_PAGE_SIZE,
      description: `Items per page (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description: "Where the page starts: the previous page's `next`. Omit for the first page.",
    }),
  ),
};

export function pageSchema<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    next: Type.Union([Type.String(), Type.Null()], {
      description: 'The cursor of the next page; null on the last page.',
    }),
  });
}

/** One of a runtime list of strings (e.g. FLEET_STATES), typed as the list's element type. */
export function literalUnion<T extends string>(values: readonly T[], options: { description?: string } = {}) {
  return Type.Unsafe<T>(
    Type.Union(
      values.map((value) => Type.Literal(value)),
      options,
    ),
  );
}

export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** An instant in RFC 3339 form, e.g. `2026-11-27T10:00:00.000Z`. */
export const Instant = Type.String({ format: 'date-time' });
export const NullableInstant = nullable(Instant);

export function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** RFC 9457 problem details, as problem-details.ts writes them. */
export const ProblemSchema = Type.Object({
  type: Type.String({ format: 'uri' }),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String(),
  code: literalUnion(PKI_ERROR_CODES),
  errors: Type.Optional(
    Type.Array(
      Type.Object({
        in: Type.String(),
        pointer: Type.String({ description: 'JSON pointer (RFC 6901) to the bad field in its part' }),
        detail: Type.String(),
      }),
    ),
  ),
  rule: Type.Optional(Type.String()),
});

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Malformed request: a bad parameter, body or cursor (`errors` names the field)',
  401: 'No API token, or one that is unknown, revoked or expired',
  403: "The token's scope does not allow this",
  404: 'No such resource',
  409: 'The state does not allow this',
  413: 'The request body is too large',
  415: 'The request body is not JSON',
  422: 'The request breaks a policy rule',
};

/** The problem responses of a route, for the OpenAPI document (the error handler writes them). */
export function problemResponses(...statuses: readonly number[]): Record<number, unknown> {
  const responses: Record<number, unknown> = {};
  for (const status of [401, 403, ...statuses]) {
    responses[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
      content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
    };
  }
  return responses;
}
