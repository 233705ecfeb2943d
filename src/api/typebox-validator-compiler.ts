import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { invalidInput, jsonPointer, type RequestPart } from './invalid-input.js';

const PARTS: Readonly<Record<string, RequestPart>> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * Validates the admin API's requests with TypeBox (the schemas are TypeBox's, as the configuration's are)
 * rather than Fastify's Ajv, whose defaults would drop unknown body fields silently (`removeAdditional`): a
 * misspelt `reasn` must be refused, not ignored. Path and query values arrive as text and are converted to the
 * schema's types first; defaults are filled in. The first error becomes MALFORMED_INPUT with its JSON pointer.
 * Only routes with a schema for a part are validated, so a POST without a body schema takes no body checks.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const part: RequestPart = PARTS[httpPart ?? 'body'] ?? 'body';
  const converts = part !== 'body';
  return (data: unknown) => {
    // No body at all reads as an empty object: optional bodies need no union with null, and a missing
    // required body names its first missing field.
    const input = part === 'body' && (data === null || data === undefined) ? {} : data;
    const value = validator.Default(converts ? validator.Convert(input) : input);
    if (validator.Check(value)) return { value };
    const first = firstError(validator.Errors(value));
    if (first === undefined) return { error: invalidInput(part, '', 'is not valid') };
    const params = first.params as Record<string, unknown>;
    const named = (key: string) => {
      const list = params[key];
      return Array.isArray(list) && typeof list[0] === 'string' ? list[0] : undefined;
    };
    const missing = first.keyword === 'required' ? named('requiredProperties') : undefined;
    if (missing !== undefined) {
      return { error: invalidInput(part, `${first.instancePath}${jsonPointer(missing)}`, 'is required') };
    }
    const extra = first.keyword === 'additionalProperties' ? named('additionalProperties') : undefined;
    if (extra !== undefined) {
      return {
        error: invalidInput(part, `${first.instancePath}${jsonPointer(extra)}`, 'is not a known field'),
      };
    }
    return { error: invalidInput(part, first.instancePath, first.message) };
  };
};

interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: unknown;
  readonly message: string;
}

/**
 * The error worth reporting. TypeBox reports a refused property twice (`boolean`: "schema is false", then
 * `additionalProperties` naming it) and a union once per alternative plus once for itself; the union's own
 * error, worded with the values it allows, says it best.
 */
function firstError(errors: readonly SchemaError[]): SchemaError | undefined {
  const allowed = new Map<string, string[]>();
  for (const e of errors) {
    const value = (e.params as { allowedValue?: unknown } | null)?.allowedValue;
    if (e.keyword === 'const' && typeof value === 'string') {
      allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), value]);
    }
  }
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const chosen = errors.find(
    (e) => e.keyword !== 'boolean' && !(unions.has(e.instancePath) && e.keyword !== 'anyOf'),
  );
  if (chosen?.keyword !== 'anyOf') return chosen ?? errors[0];
  const values = allowed.get(chosen.instancePath);
  return {
    ...chosen,
    message: values === undefined ? 'is none of the accepted forms' : `must be one of ${values.join(', ')}`,
  };
}
