import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toIssuerId } from '../../src/core/ids.js';
import { createEnrollmentToken } from './enrollment-token.js';
import { encodePem } from '../../src/pki/pem.js';
import { type EstTestServer, startEstServer } from './est-server.js';
import { type RunningCommand, type RunResult, start } from './run.js';

/** An enrollment token as `certfleet device add <id> --token` makes it: the CMP reference and the secret. */
export interface CmpToken {
  /** The token id: what `openssl cmp -ref` sends as senderKID. */
  readonly id: string;
  readonly secret: string;
}

export interface CmpTestServer {
  readonly est: EstTestServer;
  /** A temporary folder with `root.pem` and `operational.pem`; removed by {@link close}. */
  readonly dir: string;
  file(name: string): string;
  /** `-server 127.0.0.1:<port> -path <path> -tls_used -tls_trusted root.pem -trusted root.pem` */
  serverArgs(path?: string): string[];
  /** `openssl cmp <serverArgs(path)> <args>` in {@link dir}; a non-zero exit is a result. */
  cmp(args: readonly string[], path?: string): Promise<RunResult>;
  /** {@link cmp} started in the background. */
  startCmp(args: readonly string[], path?: string): RunningCommand;
  /** A fresh single-use enrollment token for `deviceId` (profile ldevid), valid for an hour. */
  token(deviceId: string): Promise<CmpToken>;
  /** An IDevID issued by the operator, written as `<name>.pem` (leaf + factory CA) and `<name>.key`. */
  idevid(name: string, subject: string): Promise<void>;
  close(): Promise<void>;
}

/** The certfleet server on a loopback port, with a folder set up for the system `openssl cmp` client. */
export async function startCmpTestServer(config: Record<string, unknown> = {}): Promise<CmpTestServer> {
  const est = await startEstServer(config);
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cmp-'));
    const folder = dir;
    const file = (name: string) => join(folder, name);
    const { runtime } = est.server;
    const operationalId = toIssuerId(runtime.config.pki.defaultIssuers.ldevid);
    const operational = operationalId === undefined ? undefined : runtime.issuers.get(operationalId);
    if (!operational) throw new Error('the operational issuer is not online');
    await writeFile(file('root.pem'), est.rootPem);
    await writeFile(file('operational.pem'), encodePem('CERTIFICATE', operational.certificate.der));
    const serverArgs = (path = '/.well-known/cmp') => [
      '-server',
      `127.0.0.1:${est.server.port}`,
      '-path',
      path,
      '-tls_used',
      '-tls_trusted',
      file('root.pem'),
      '-trusted',
      file('root.pem'),
    ];
    // Never a synchronous child process: the server runs on this event loop.
    const startCmp = (args: readonly string[], path?: string) =>
      start('openssl', ['cmp', ...serverArgs(path), ...args], { cwd: folder, timeoutMs: 60_000 });
    return {
      est,
      dir: folder,
      file,
      serverArgs,
      cmp: (args, path) => startCmp(args, path).exited,
      startCmp,
      token: (deviceId) => createEnrollmentToken(runtime, deviceId),
      idevid: async (name, subject) => {
        const credential = await est.issue('idevid', subject);
        await writeFile(file(`${name}.pem`), credential.certificatePem);
        await writeFile(file(`${name}.key`), credential.keyPem, { mode: 0o600 });
      },
      close: async () => {
        await est.close();
        await rm(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await est.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
