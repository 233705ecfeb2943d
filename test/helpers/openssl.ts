import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the system openssl; never throws on a non-zero exit, so tests can assert on refusals too. */
export async function openssl(args: readonly string[], options: { cwd?: string } = {}): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run('openssl', [...args], { ...options, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A P-256 key and CSR made by openssl in `dir` (`<name>.key`, `<name>.csr`); returns the CSR's path. */
export async function opensslCsr(
  dir: string,
  name: string,
  subject: string,
  addext?: string,
): Promise<string> {
  const path = join(dir, `${name}.csr`);
  const r = await openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    path,
    '-subj',
    subject,
    ...(addext === undefined ? [] : ['-addext', addext]),
  ]);
  if (r.code !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  return path;
}
