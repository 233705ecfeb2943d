import { spawn } from 'node:child_process';

export interface RunResult {
  /** The exit code, or null when the process was killed by a signal (e.g. the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string | Uint8Array;
  readonly cwd?: string;
  /** Killed (SIGKILL) after this long; default 30 s. */
  readonly timeoutMs?: number;
}

/** A command started by {@link start}: its output so far, and its result once it exits. */
export interface RunningCommand {
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<RunResult>;
  kill(): void;
}

/**
 * Starts a system command and collects its output. A non-zero exit is a result, not an error, so tests can
 * assert on refusals; a command that cannot start (not installed) rejects `exited`, so a missing interop peer
 * fails the test instead of skipping it.
 */
export function start(command: string, args: readonly string[], options: RunOptions = {}): RunningCommand {
  const child = spawn(command, [...args], { ...(options.cwd ? { cwd: options.cwd } : {}), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new Error(`${command} is not installed; run sh scripts/ensure-test-deps.sh`, { cause: error })
          : error,
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  child.stdin.on('error', () => undefined); // the command may exit without reading its input
  child.stdin.end(options.stdin);
  return { stdout: () => stdout, stderr: () => stderr, exited, kill: () => child.kill('SIGKILL') };
}

/** {@link start}, then wait for the exit. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return start(command, args, options).exited;
}
