/**
 * The reference of bench/monitor: Prometheus's blackbox_exporter (Debian's prometheus-blackbox-exporter, 0.23),
 * started on a free loopback port with a generated configuration, and asked to probe over HTTP
 * (`/probe?target=127.0.0.1:PORT&module=NAME`), the way Prometheus scrapes it.
 *
 * blackbox_exporter's `tcp` prober takes the TLS server name from the module (`tls_config.server_name`), else
 * from the target's host; the targets here are 127.0.0.1:PORT, so each endpoint gets its own modules, one per
 * way of checking:
 * - `NAME`: `insecure_skip_verify: true`: the handshake completes whatever the certificate, like certfleet's
 *   probe (which records rather than refuses); every probe succeeds and reports
 *   `probe_ssl_earliest_cert_expiry`;
 * - `NAME-verify`: the bench's root as `ca_file`: Go checks the chain and the name, so the probes of expired
 *   and wrong-name endpoints fail (`probe_success 0`), as they should.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/helpers/free-port.js';

export const BLACKBOX_BINARY = '/usr/bin/prometheus-blackbox-exporter';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of a process, in seconds, from /proc (all its threads). */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command name in parentheses, field 3 (state) comes first: utime is field 14, stime field 15.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return ((fields[11] ?? 0) + (fields[12] ?? 0)) / CLOCK_TICKS;
}

export interface BlackboxTarget {
  /** The module name. */
  readonly name: string;
  readonly sni: string;
}

/** The generated blackbox.yml: two modules per target (see the file's comment). */
export function blackboxConfig(targets: readonly BlackboxTarget[], caFile: string, timeoutSeconds: number) {
  const lines = ['modules:'];
  for (const target of targets) {
    for (const verify of [false, true]) {
      lines.push(
        `  ${target.name}${verify ? '-verify' : ''}:`,
        '    prober: tcp',
        `    timeout: ${timeoutSeconds}s`,
        '    tcp:',
        '      preferred_ip_protocol: ip4',
        '      tls: true',
        '      tls_config:',
        `        server_name: ${JSON.stringify(target.sni)}`,
        verify ? `        ca_file: ${JSON.stringify(caFile)}` : '        insecure_skip_verify: true',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What one `/probe` answer said. */
export interface BlackboxAnswer {
  readonly success: boolean;
  /** `probe_ssl_earliest_cert_expiry`, Unix seconds; null when absent (no handshake). */
  readonly earliestExpirySeconds: number | null;
  /** `probe_duration_seconds`: the probe itself, without the HTTP request around it. */
  readonly durationSeconds: number;
  /** The HTTP request to the exporter, as the bench timed it. */
  readonly roundTripMs: number;
}

/** The value of an unlabelled sample in a Prometheus text exposition, or null when it is absent. */
export function sampleValue(text: string, name: string): number | null {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (match === null) return null;
  const value = Number(match[1]);
  if (!Number.isFinite(value)) throw new Error(`${name} is not a number: ${match[1]}`);
  return value;
}

export class BlackboxExporter {
  private readonly agent: Agent;
  private exited = false;
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.on('exit', () => (this.exited = true));
  }

  /**
   * Writes the configuration to `dir` and starts the exporter on a free port; resolves once it answers.
   * `goMaxProcs` limits the Go scheduler's threads (unset: one per core).
   */
  static async start(options: {
    readonly binary: string;
    readonly dir: string;
    readonly targets: readonly BlackboxTarget[];
    readonly caFile: string;
    readonly timeoutSeconds: number;
    readonly concurrency: number;
    readonly goMaxProcs?: number;
  }): Promise<BlackboxExporter> {
    const config = join(options.dir, 'blackbox.yml');
    await writeFile(config, blackboxConfig(options.targets, options.caFile, options.timeoutSeconds));
    const port = await freePort();
    const child = spawn(
      options.binary,
      [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...(options.goMaxProcs === undefined ? {} : { GOMAXPROCS: String(options.goMaxProcs) }),
        },
      },
    );
    const exporter = new BlackboxExporter(child, port, options.concurrency);
    for (let attempt = 0; ; attempt++) {
      if (exporter.exited) throw new Error(`blackbox_exporter exited:\n${exporter.output}`);
      try {
        await exporter.get('/metrics');
        return exporter;
      } catch (error) {
        if (attempt > 100) {
          await exporter.close();
          throw new Error(`blackbox_exporter does not answer on port ${port}`, { cause: error });
        }
        await sleep(50);
      }
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  cpuSeconds(): number {
    return procCpuSeconds(this.pid);
  }

  /** What the exporter printed (warnings and errors only). */
  get log(): string {
    return this.output;
  }

  async probe(target: string, module: string): Promise<BlackboxAnswer> {
    const started = performance.now();
    const text = await this.get(
      `/probe?target=${encodeURIComponent(target)}&module=${encodeURIComponent(module)}`,
    );
    const roundTripMs = performance.now() - started;
    const success = sampleValue(text, 'probe_success');
    const durationSeconds = sampleValue(text, 'probe_duration_seconds');
    if (success === null || durationSeconds === null) {
      throw new Error(`not a probe answer: ${text.slice(0, 300)}`);
    }
    return {
      success: success === 1,
      earliestExpirySeconds: sampleValue(text, 'probe_ssl_earliest_cert_expiry'),
      durationSeconds,
      roundTripMs,
    };
  }

  /** For a bench that is dying: no waiting. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Stops the exporter; resolves when it has exited. */
  close(): Promise<void> {
    this.agent.destroy();
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }

  private keep(chunk: Buffer): void {
    // Enough to explain a failure; a chatty exporter must not grow the bench's memory.
    if (this.output.length < 64 * 1024) this.output += chunk.toString();
  }

  private get(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, path, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
          else resolve(body);
        });
      });
      req.on('error', reject);
      req.end();
    });
  }
}
