/**
 * A reader of the Prometheus text exposition format (version 0.0.4) for tests: every sample with its labels,
 * and the TYPE and HELP of each metric family. Strict: a line it cannot read throws, so malformed output fails.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Metric family name → counter, gauge, histogram, summary or untyped. */
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
  /** The samples named `name` whose labels include every one of `labels`. */
  find(name: string, labels?: Readonly<Record<string, string>>): Sample[];
  /** The value of the one sample named `name` with `labels`; throws when there is none or several. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)( -?\\d+)?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      (comment[1] === 'TYPE' ? types : help).set(comment[2] ?? '', comment[3] ?? '');
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not a sample: ${line}`);
    samples.push({
      name: match[1] ?? '',
      labels: parseLabels(match[3] ?? '', index + 1),
      value: parseValue(match[4] ?? '', index + 1),
    });
  }
  const find = (name: string, labels: Readonly<Record<string, string>> = {}) =>
    samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    );
  return {
    samples,
    types,
    help,
    find,
    value(name, labels = {}) {
      const found = find(name, labels);
      if (found.length !== 1) {
        throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}, expected one`);
      }
      return found[0]?.value ?? NaN;
    },
  };
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`line ${line}: malformed labels {${text}}`);
    const name = match[1] ?? '';
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    labels[name] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** As Prometheus reads values (Go's ParseFloat): Inf and NaN in any case; prom-client writes `Nan`. */
function parseValue(text: string, line: number): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`line ${line}: value ${text} is not a number`);
  return value;
}
