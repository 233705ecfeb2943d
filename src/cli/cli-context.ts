import { type Clock, systemClock } from '../core/clock.js';
import type { SecretEnvironment } from '../keys/secret-reference.js';
import type { Config } from '../server/config-schema.js';
import { type LoadedConfig, loadConfig } from '../server/load-config.js';
import { openRuntime, type Runtime } from '../server/runtime.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

/** Where a command writes, and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The same destination as `stderr`, as a stream, for progress bars. */
  readonly stderrStream: NodeJS.WritableStream;
  readonly env: SecretEnvironment;
  readonly cwd: string;
  readonly clock: Clock;
  readonly isTty: boolean;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` waits on it. */
  readonly stopSignal: () => Promise<string>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrStream: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clock: systemClock,
    isTty: process.stderr.isTTY,
    stopSignal: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      }),
  };
}

/** What every command gets: output, configuration on demand, and the store or runtime on demand. */
export class CliContext {
  private loaded?: LoadedConfig;

  constructor(
    readonly io: CliIo,
    private readonly configPath: string | undefined,
  ) {}

  out(line = ''): void {
    this.io.stdout(`${line}\n`);
  }

  note(line: string): void {
    this.io.stderr(`${line}\n`);
  }

  async loadedConfig(): Promise<LoadedConfig> {
    this.loaded ??= await loadConfig({
      ...(this.configPath === undefined ? {} : { path: this.configPath }),
      env: this.io.env,
      cwd: this.io.cwd,
    });
    return this.loaded;
  }

  async config(): Promise<Config> {
    return (await this.loadedConfig()).config;
  }

  async withStore<T>(use: (store: Store, config: Config) => Promise<T>): Promise<T> {
    const config = await this.config();
    const store = await openStore(config.store.url);
    try {
      return await use(store, config);
    } finally {
      await store.close();
    }
  }

  async withRuntime<T>(use: (runtime: Runtime) => Promise<T>): Promise<T> {
    const runtime = await openRuntime(await this.config(), this.io.clock, this.io.env);
    try {
      return await use(runtime);
    } finally {
      await runtime.close();
    }
  }
}
