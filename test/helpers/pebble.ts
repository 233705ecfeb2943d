import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OID } from '../../src/pki/oids.js';
import { encodePem } from '../../src/pki/pem.js';
import { freePort } from './free-port.js';
import { makeTestCertificate } from './pki-fixtures.js';

export interface PebbleOptions {
  /** Where Pebble's VA connects for http-01 (the test serves challenges there); default: a free port. */
  readonly httpPort?: number;
  /** Where Pebble's VA connects for tls-alpn-01; default: a free port. */
  readonly tlsPort?: number;
  /**
   * Environment on top of the defaults (`PEBBLE_VA_NOSLEEP=1`, `PEBBLE_WFE_NONCEREJECT=0`,
   * `PEBBLE_AUTHZREUSE=0`), e.g. `{ PEBBLE_WFE_NONCEREJECT: '50' }` to exercise badNonce retries.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** EAB key id → base64url HMAC key; with `externalAccountBindingRequired`, newAccount needs one. */
  readonly externalAccountMacKeys?: Readonly<Record<string, string>>;
  readonly externalAccountBindingRequired?: boolean;
}

export interface PebbleServer {
  readonly directoryUrl: string;
  /** Pebble's management interface: `/roots/0`, `/intermediates/0`, `/cert-status-by-serial/<hex>`. */
  readonly managementUrl: string;
  readonly rootsUrl: string;
  readonly intermediatesUrl: string;
  /** The anchor of Pebble's own HTTPS certificate (ACME and management listeners), for the client's trust. */
  readonly caPem: string;
  readonly httpPort: number;
  readonly tlsPort: number;
  /** pebble-challtestsrv's DNS (every A query answers 127.0.0.1) and management addresses. */
  readonly dnsServer: string;
  readonly challengeTestManagementUrl: string;
  /** The command lines and the config file, for reports and for the bench to print. */
  readonly commandLines: readonly string[];
  readonly configJson: string;
  /** What both processes have printed so far. */
  log(): string;
  /** Pebble's issuing root and intermediate, regenerated at every start. */
  issuers(): Promise<{ rootPem: string; intermediatePem: string }>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

/**
 * Starts Pebble (the Let's Encrypt test ACME server, Debian `pebble` 2.4) on free loopback ports, with real
 * challenge validation: its resolver is a `pebble-challtestsrv` that answers every A query with 127.0.0.1, so any
 * name validates against the test's own challenge server on `httpPort`. Pebble's HTTPS certificate is made here
 * (CA → leaf for localhost and 127.0.0.1). Resolves once the directory answers; on failure kills what it started.
 */
export async function startPebble(options: PebbleOptions = {}): Promise<PebbleServer> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-pebble-'));
  const [listenPort, managementPort, dnsPort, challengeManagementPort] = await fourFreePorts();
  const httpPort = options.httpPort ?? (await freePort());
  const tlsPort = options.tlsPort ?? (await freePort());

  const ca = makeTestCertificate({ subject: 'Pebble TLS Test CA', ca: true });
  const leaf = makeTestCertificate({
    subject: 'localhost',
    issuer: ca,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [OID.serverAuth],
    altNames: [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ],
  });
  const certificateFile = join(dir, 'pebble-tls.pem');
  const keyFile = join(dir, 'pebble-tls.key');
  await writeFile(certificateFile, encodePem('CERTIFICATE', leaf.cert.der));
  await writeFile(keyFile, leaf.key.material.export({ format: 'pem', type: 'pkcs8' }).toString(), {
    mode: 0o600,
  });
  const configJson = JSON.stringify(
    {
      pebble: {
        listenAddress: `127.0.0.1:${listenPort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: certificateFile,
        privateKey: keyFile,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: options.externalAccountBindingRequired ?? false,
        ...(options.externalAccountMacKeys === undefined
          ? {}
          : { externalAccountMACKeys: options.externalAccountMacKeys }),
      },
    },
    null,
    2,
  );
  const configFile = join(dir, 'pebble-config.json');
  await writeFile(configFile, configJson);

  const dnsServer = `127.0.0.1:${dnsPort}`;
  // Empty addresses switch off challtestsrv's own challenge listeners: the test serves challenges itself.
  const challengeArgs = [
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
    '-dns01',
    dnsServer,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${challengeManagementPort}`,
  ];
  const pebbleArgs = ['-config', configFile, '-dnsserver', dnsServer];
  const env: Record<string, string> = {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
    PEBBLE_AUTHZREUSE: '0',
    ...options.env,
  };

  let output = '';
  const processes: StartedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(processes.map(stopProcess));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    processes.push(launch('pebble-challtestsrv', challengeArgs, {}, (text) => (output += text)));
    await Promise.race([waitForListener(challengeManagementPort), ...processes.map(exitedEarly)]);
    processes.push(launch('pebble', pebbleArgs, env, (text) => (output += text)));
    const caPem = encodePem('CERTIFICATE', ca.cert.der);
    const directoryUrl = `https://127.0.0.1:${listenPort}/dir`;
    await Promise.race([waitForDirectory(directoryUrl, caPem), ...processes.map(exitedEarly)]);
    const managementUrl = `https://127.0.0.1:${managementPort}`;
    return {
      directoryUrl,
      managementUrl,
      rootsUrl: `${managementUrl}/roots/0`,
      intermediatesUrl: `${managementUrl}/intermediates/0`,
      caPem,
      httpPort,
      tlsPort,
      dnsServer,
      challengeTestManagementUrl: `http://127.0.0.1:${challengeManagementPort}`,
      commandLines: [
        `pebble-challtestsrv ${challengeArgs.map(shellQuote).join(' ')}`,
        `${Object.entries(env)
          .map(([name, value]) => `${name}=${value}`)
          .join(' ')} pebble ${pebbleArgs.join(' ')}`,
      ],
      configJson,
      log: () => output,
      issuers: async () => ({
        rootPem: await httpsText(`${managementUrl}/roots/0`, caPem),
        intermediatePem: await httpsText(`${managementUrl}/intermediates/0`, caPem),
      }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw new Error(`Pebble did not start: ${String(error)}\n${output}`, { cause: error });
  }
}

interface StartedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function launch(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  onOutput: (text: string) => void,
): StartedProcess {
  const child = spawn(command, [...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stdout?.setEncoding('utf8').on('data', onOutput);
  child.stderr?.setEncoding('utf8').on('data', onOutput);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return { name: command, child, exited };
}

/** Rejects when the process exits (or cannot start) before start-up is over; stays pending otherwise. */
function exitedEarly(started: StartedProcess): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    started.child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(`${started.name} is not installed (Debian package pebble)`, { cause: error })
          : error,
      ),
    );
    void started.exited.then(() => reject(new Error(`${started.name} exited during start-up`)));
  });
}

async function stopProcess(started: StartedProcess): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await started.exited;
  clearTimeout(timer);
}

async function fourFreePorts(): Promise<[number, number, number, number]> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [a = 0, b = 0, c = 0, d = 0] = ports;
  return [a, b, c, d];
}

async function waitForListener(port: number): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (performance.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await sleep(50);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForDirectory(url: string, caPem: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      if (JSON.parse(await httpsText(url, caPem)) !== null) return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
    }
    await sleep(100);
  }
}

function httpsText(url: string, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca: caPem, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${response.statusCode}`)),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

function shellQuote(arg: string): string {
  return arg === '' ? "''" : arg;
}
