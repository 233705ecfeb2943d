import { type CsvError, type CsvErrorCode, type InfoRecord, parse } from 'csv-parse/sync';
import type { DeviceId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type {
  EndpointKind,
  EndpointProtocol,
  EndpointRegistry,
  MonitoredEndpoint,
  NewEndpoint,
} from '../store/endpoint-registry.js';

/** The columns of an endpoint CSV file, in the documented order; any order is read. */
export const ENDPOINT_CSV_COLUMNS = ['name', 'host', 'port', 'sni', 'protocol', 'kind', 'device_id'] as const;
type Column = (typeof ENDPOINT_CSV_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ['name', 'host', 'port', 'protocol'];

/** A row that was not imported, by its line in the file (the line it ends on, for a quoted multi-line row). */
export interface CsvRowError {
  readonly line: number;
  readonly reason: string;
}

export interface CsvImportReport {
  /** Data rows read (the header not counted; rows CSV itself could not parse included). */
  readonly rows: number;
  readonly imported: readonly MonitoredEndpoint[];
  /** In line order. */
  readonly errors: readonly CsvRowError[];
}

interface ParsedRow {
  readonly line: number;
  readonly endpoint: NewEndpoint;
}

/**
 * Imports endpoints from CSV text with the header `name,host,port,sni,protocol,kind,device_id` (sni, kind and
 * device_id may be left out or empty). Rows are judged one by one: each bad row — unparseable CSV, a wrong
 * field count, an invalid value, a name that exists already or appears twice — is reported with its line
 * number, and the good rows are imported together in one transaction. A missing or unknown header column is
 * MALFORMED_INPUT for the whole file, as no row can be read then.
 */
export async function importEndpointCsv(
  registry: Pick<EndpointRegistry, 'importMany'>,
  text: string | Uint8Array,
  at: Date,
): Promise<CsvImportReport> {
  const { rows, parsed, errors } = parseEndpointCsv(text);
  const outcomes = await registry.importMany(
    parsed.map((row) => row.endpoint),
    at,
  );
  const imported: MonitoredEndpoint[] = [];
  const allErrors = [...errors];
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) imported.push(outcome.endpoint);
    else allErrors.push({ line: parsed[i]?.line ?? 0, reason: outcome.reason });
  });
  allErrors.sort((a, b) => a.line - b.line);
  return { rows, imported, errors: allErrors };
}

/** The rows of the file as endpoints to add, and the rows already known to be bad. */
export function parseEndpointCsv(text: string | Uint8Array): {
  rows: number;
  parsed: ParsedRow[];
  errors: CsvRowError[];
} {
  const errors: CsvRowError[] = [];
  let skipped = 0;
  const records = parse(typeof text === 'string' ? text : Buffer.from(text), {
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    // Field counts are checked below, per row, so a short row is reported rather than ending the parse.
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      skipped += 1;
      errors.push({ line: lineOf(error), reason: `not valid CSV (${describeCsvError(error)})` });
      return undefined;
    },
  }) as unknown as Array<{ readonly record: string[]; readonly info: InfoRecord }>;

  const [header, ...body] = records;
  if (header === undefined)
    throw new PkiError('MALFORMED_INPUT', 'the file is empty: expected a header line');
  const columns = headerColumns(header.record, header.info.lines);
  const parsed: ParsedRow[] = [];
  for (const { record, info } of body) {
    if (record.length !== columns.length) {
      errors.push({
        line: info.lines,
        reason: `${record.length} field(s), the header has ${columns.length}`,
      });
      continue;
    }
    const field = (name: Column): string | undefined => {
      const index = columns.indexOf(name);
      return index === -1 ? undefined : record[index];
    };
    const port = field('port') ?? '';
    if (!/^\d{1,5}$/.test(port)) {
      errors.push({ line: info.lines, reason: `port '${port}' is not a number from 1 to 65535` });
      continue;
    }
    const optional = (name: Column) => {
      const value = field(name);
      return value === undefined || value === '' ? undefined : value;
    };
    const protocol = optional('protocol');
    if (protocol === undefined) {
      errors.push({ line: info.lines, reason: 'protocol is empty' });
      continue;
    }
    const kind = optional('kind');
    parsed.push({
      line: info.lines,
      endpoint: {
        name: field('name') ?? '',
        host: field('host') ?? '',
        port: Number(port),
        sni: optional('sni') ?? null,
        // Checked by the registry, which names the allowed values.
        protocol: protocol as EndpointProtocol,
        ...(kind === undefined ? {} : { kind: kind as EndpointKind }),
        deviceId: (optional('device_id') as DeviceId | undefined) ?? null,
      },
    });
  }
  return { rows: body.length + skipped, parsed, errors };
}

function headerColumns(names: readonly string[], line: number): Column[] {
  const columns: Column[] = [];
  for (const name of names) {
    const column = name.toLowerCase();
    if (!(ENDPOINT_CSV_COLUMNS as readonly string[]).includes(column)) {
      throw new PkiError(
        'MALFORMED_INPUT',
        `line ${line}: unknown column '${name}'; the columns are ${ENDPOINT_CSV_COLUMNS.join(',')}`,
      );
    }
    if (columns.includes(column as Column)) {
      throw new PkiError('MALFORMED_INPUT', `line ${line}: column '${name}' appears twice`);
    }
    columns.push(column as Column);
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `line ${line}: the header lacks ${missing.join(', ')}; expected ${ENDPOINT_CSV_COLUMNS.join(',')}`,
    );
  }
  return columns;
}

function lineOf(error: CsvError | undefined): number {
  const lines = error?.['lines'];
  return typeof lines === 'number' ? lines : 0;
}

/** csv-parse's errors a hand-written file runs into, in words; the rest by csv-parse's own first clause. */
const CSV_ERROR_TEXT: Partial<Record<CsvErrorCode, string>> = {
  CSV_INVALID_CLOSING_QUOTE: 'a quote is not closed where the field ends',
  CSV_QUOTE_NOT_CLOSED: 'a quote is not closed where the field ends',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text after a closing quote',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field',
};

function describeCsvError(error: CsvError | undefined): string {
  if (error === undefined) return 'unreadable row';
  return CSV_ERROR_TEXT[error.code] ?? error.message.split(':')[0] ?? error.code;
}
