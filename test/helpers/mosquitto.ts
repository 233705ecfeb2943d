import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

/** PEM files the broker's TLS listener uses. */
export interface BrokerTls {
  /** Trust anchors (and intermediates) for client certificates. */
  readonly cafile: string;
  /** The broker's certificate, then its chain. */
  readonly certfile: string;
  readonly keyfile: string;
  /**
   * A PEM CRL of the client certificates' issuer: the broker then checks the client certificate (the leaf only,
   * X509_V_FLAG_CRL_CHECK) against it. Mosquitto reads it when it starts and again on reload() (SIGHUP).
   */
  readonly crlfile?: string;
}

export interface MosquittoBroker {
  readonly port: number;
  /** What the broker has logged so far (it logs to stderr), for assertion messages. */
  log(): string;
  /** Sends SIGHUP: mosquitto reloads what its manual marks "Reloaded on reload signal". */
  reload(): void;
  /** Terminates the broker and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * A real Mosquitto broker on a free loopback port with one TLS listener that requires a client certificate
 * (TLS 1.2 or newer) and takes the certificate's CN as the user name; no anonymous access. The configuration is
 * written to `dir`. Resolves once the port accepts connections; rejects (and kills the broker) if it exits or
 * does not listen within 10 s, or if `mosquitto` is not installed.
 */
export async function startMosquitto(dir: string, tls: BrokerTls): Promise<MosquittoBroker> {
  const port = await freePort();
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(
    configFile,
    [
      // Started as root, mosquitto drops to the `mosquitto` user, which cannot read files in our 0700 temp dir.
      `user ${userInfo().username}`,
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'log_type subscribe', // so a test can tell when a subscription is in place
      'allow_anonymous false',
      `listener ${port} 127.0.0.1`,
      `cafile ${tls.cafile}`,
      `certfile ${tls.certfile}`,
      `keyfile ${tls.keyfile}`,
      ...(tls.crlfile === undefined ? [] : [`crlfile ${tls.crlfile}`]),
      'require_certificate true',
      'use_identity_as_username true',
      'tls_version tlsv1.2',
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Debian installs the broker in /usr/sbin, which is not on a user's PATH.
    env: { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin` },
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failedToStart = new Promise<never>((_resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('mosquitto is not installed; run sh scripts/ensure-test-deps.sh', { cause: error })
          : error,
      ),
    );
    void exited.then(() => reject(new Error(`mosquitto exited at start:\n${output}`)));
  });
  const broker: MosquittoBroker = {
    port,
    log: () => output,
    reload: () => child.kill('SIGHUP'),
    stop: () => stop(child, exited),
  };
  try {
    await Promise.race([waitForListener(port, 10_000), failedToStart]);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  failedToStart.catch(() => undefined); // after start-up, an exit is stop()'s business
  return broker;
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitForListener(port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (performance.now() > deadline) throw new Error(`mosquitto did not listen on port ${port}`);
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
