import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/certfleet.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `certfleet` executable in `cwd`, as a user would. */
export function certfleet(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...env },
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(error.message, { cause: error }));
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/**
 * Runs the CLI in this process through `main()` with its own output and working folder: the same code as the
 * executable without the start-up cost, for the many small checks.
 */
export async function certfleetInProcess(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  const { systemClock } = await import('../../src/core/clock.js');
  let stdout = '';
  let stderr = '';
  const stderrStream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      stderr += chunk.toString();
      callback();
    },
  });
  const code = await main(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stderrStream,
    env,
    cwd,
    clock: systemClock,
    isTty: false,
    stopSignal: () => new Promise(() => undefined),
  });
  return { code, stdout, stderr };
}
