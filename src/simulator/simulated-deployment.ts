import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../core/clock.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { buildCsr } from '../pki/csr.js';
import { parseDistinguishedName } from '../pki/name.js';
import { encodePem } from '../pki/pem.js';
import { ensureDevelopmentPki } from '../server/development-pki.js';
import type { Config } from '../server/config-schema.js';
import { validateConfig } from '../server/load-config.js';
import { openRuntime } from '../server/runtime.js';

/** A TLS client credential as PEM: the certificate with its chain, and the key. */
export interface PemCredential {
  readonly certificatePem: string;
  readonly keyPem: string;
}

/** The server a simulation runs against: where EST is, what to trust, and the factory station's credential. */
export interface SimulationTarget {
  /** `https://host:port/.well-known/est` */
  readonly estUrl: string;
  readonly trustPem: string;
  readonly station: PemCredential;
  /** The store URL, for reading the server's fleet view; absent when pointed at a server we do not own. */
  readonly storeUrl?: string;
}

export interface DeploymentOptions {
  readonly dir: string;
  /** LDevID lifetime; short lifetimes are switched on for the run. */
  readonly lifetimeSeconds: number;
  /** `sqlite:` (default, in `dir`) or `postgres://…`. */
  readonly storeUrl?: string;
}

const BIN = fileURLToPath(new URL('../../bin/certfleet.js', import.meta.url));

/**
 * Prepares a deployment for a simulation in `dir`: a configuration with short LDevID lifetimes, the development
 * PKI, and a factory-station certificate issued by the operator, all before the server starts, so the server
 * process is the only writer once devices arrive.
 */
export async function prepareDeployment(
  options: DeploymentOptions,
): Promise<{ config: Config; configFile: string; target: Omit<SimulationTarget, 'estUrl'> }> {
  const dataDir = join(options.dir, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const storeUrl = options.storeUrl ?? `sqlite:${join(dataDir, 'certfleet.db')}`;
  const raw = {
    dataDir,
    store: { url: storeUrl },
    log: { level: 'warn' },
    pki: {
      offlineRootDir: join(options.dir, 'offline-root'),
      // Backdating is for clock skew over days; with lifetimes of minutes it would be most of the lifetime.
      backdateSeconds: 5,
      allowShortLifetimes: true,
      lifetimes: { ldevid: options.lifetimeSeconds },
    },
    server: {
      host: '127.0.0.1',
      port: 0,
      publicHttp: { host: '127.0.0.1', port: 0 },
      tls: {
        certFile: join(dataDir, 'tls', 'server.cert.pem'),
        keyFile: join(dataDir, 'tls', 'server.key.pem'),
        passphraseSource: `file:${join(dataDir, 'secrets', 'server-tls.pass')}`,
      },
    },
    // The one factory station signs the whole fleet's birth certificates in a few seconds.
    est: { rateLimit: { perMinute: 1_000_000, burst: 100_000 } },
    // A free port, so a simulation runs beside a server on the default one.
    metrics: { host: '127.0.0.1', port: 0 },
  };
  const config = validateConfig(raw, 'simulation configuration');
  const configFile = join(options.dir, 'certfleet.json');
  await writeFile(configFile, JSON.stringify(raw, null, 2) + '\n', { mode: 0o600 });
  await ensureDevelopmentPki(config, systemClock, {});
  const trustPem = await readFile(join(options.dir, 'offline-root', 'root.cert.pem'), 'utf8');
  const station = await issueStationCredential(config);
  return { config, configFile, target: { trustPem, station, storeUrl } };
}

async function issueStationCredential(config: Config): Promise<PemCredential> {
  const runtime = await openRuntime(config, systemClock, {});
  try {
    const key = generateKeyPair('ec-p256');
    const csr = buildCsr(
      { subject: parseDistinguishedName('CN=simulator factory station'), altNames: [] },
      key,
    );
    const issued = await runtime.ra.requestCertificate(
      { kind: 'operator', name: 'simulator' },
      { csr, profile: 'factory-station', protocol: 'simulator', operation: 'issue' },
    );
    return {
      certificatePem: [issued.der, ...issued.chain.slice(0, -1)]
        .map((der) => encodePem('CERTIFICATE', der))
        .join(''),
      keyPem: key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
  } finally {
    await runtime.close();
  }
}

/** `certfleet serve` in a child process, so the server has its own event loop and the devices theirs. */
export class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(dir: string, configFile: string): Promise<ServerProcess> {
    const child = spawn(process.execPath, [BIN, '--config', configFile, 'serve'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /listening on (https:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) =>
        reject(new Error(`certfleet serve exited (${code}) before listening:\n${output}`)),
      );
    });
    return new ServerProcess(child, url);
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
