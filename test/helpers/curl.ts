import { run } from './run.js';

export interface CurlResponse {
  /** curl's own exit code: 0 when an HTTP response arrived, whatever its status. */
  readonly code: number | null;
  readonly status: number;
  /** The final response's headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly stderr: string;
}

/**
 * Runs the system curl with `args` (URL included) plus `--silent --show-error --include`, and splits what it
 * printed into the status, headers and body of the final response (interim 1xx responses are dropped).
 */
export async function curl(args: readonly string[]): Promise<CurlResponse> {
  const result = await run('curl', ['--silent', '--show-error', '--include', ...args]);
  let rest = result.stdout;
  let head: string;
  do {
    const end = rest.indexOf('\r\n\r\n');
    head = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end + 4);
  } while (/^HTTP\/\S+ 1\d\d/.test(head));
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    code: result.code,
    status: Number(/^HTTP\/\S+ (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: rest,
    stderr: result.stderr,
  };
}
