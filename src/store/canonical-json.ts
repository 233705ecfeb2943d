/**
 * JSON with object keys sorted recursively, in the spirit of the JSON Canonicalization Scheme (RFC 8785 §3.2.3:
 * keys ordered by their UTF-16 code units, no whitespace, numbers and strings as ECMAScript's JSON.stringify
 * writes them). The audit chain hashes this text, so one value has exactly one rendering and
 * `canonicalJson(JSON.parse(canonicalJson(x))) === canonicalJson(x)`.
 *
 * Values follow JSON.stringify's rules: `toJSON` is honoured (a Date becomes its ISO string), `undefined`,
 * functions and symbols are dropped from objects and become null in arrays, non-finite numbers become null.
 * A bigint cannot be represented and throws a TypeError, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return render(value, '') ?? 'null';
}

function render(value: unknown, key: string): string | undefined {
  const plain = toJsonValue(value, key);
  if (plain === null || typeof plain !== 'object') return JSON.stringify(plain);
  if (Array.isArray(plain)) {
    return `[${plain.map((item, index) => render(item, String(index)) ?? 'null').join(',')}]`;
  }
  const record = plain as Record<string, unknown>;
  const members: string[] = [];
  // Array.prototype.sort without a comparator orders by UTF-16 code units, as RFC 8785 requires.
  for (const name of Object.keys(record).sort()) {
    const rendered = render(record[name], name);
    if (rendered !== undefined) members.push(`${JSON.stringify(name)}:${rendered}`);
  }
  return `{${members.join(',')}}`;
}

function toJsonValue(value: unknown, key: string): unknown {
  if (
    value !== null &&
    typeof value === 'object' &&
    'toJSON' in value &&
    typeof value.toJSON === 'function'
  ) {
    return (value.toJSON as (key: string) => unknown)(key);
  }
  return value;
}
