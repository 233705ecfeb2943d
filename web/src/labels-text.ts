/**
 * Endpoint labels as one line of text, `site=fra, env=prod`: easy to type in a form and to show in a cell.
 * The API checks the names and values (docs/monitor.md); this only splits the text, and names the part it
 * cannot read.
 */
export type LabelsParse =
  | { readonly ok: true; readonly labels: Record<string, string> }
  | { readonly ok: false; readonly error: string };

export function parseLabels(text: string): LabelsParse {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const equals = item.indexOf('=');
    if (equals <= 0) return { ok: false, error: `'${item}' is not name=value` };
    const name = item.slice(0, equals).trim();
    const value = item.slice(equals + 1).trim();
    if (name === '') return { ok: false, error: `'${item}' has no name` };
    if (Object.hasOwn(labels, name)) return { ok: false, error: `label '${name}' is given twice` };
    labels[name] = value;
  }
  return { ok: true, labels };
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name] ?? ''}`)
    .join(', ');
}
