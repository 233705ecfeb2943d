import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  type AgentFileSystem,
  DeviceAgent,
  estTransport,
  type EstTransport,
  FileCredentialStore,
  type StepOutcome,
} from '../../src/agent/device-agent.js';
import { nodeFileSystem } from '../../src/agent/agent-file-system.js';
import { type LoadedCredential, loadCredential } from '../../src/agent/credential-pair.js';
import { ManualClock } from '../../src/core/clock.js';
import { generateKeyPair } from '../../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { TrustStore } from '../../src/pki/chain.js';
import { buildCsr } from '../../src/pki/csr.js';
import { readPemAll } from '../../src/pki/pem.js';
import { EstClient } from '../../src/protocols/est/client/est-client.js';
import {
  datedBy,
  type EstFaultServer,
  type FaultAction,
  startEstFaultServer,
  switchableTransport,
} from '../helpers/est-fault-server.js';
import { type ClientCredential, type EstTestServer, startEstServer } from '../helpers/est-server.js';
import { freePort } from '../helpers/free-port.js';

const DAY_MS = 86_400_000;
const cleanups: Array<() => Promise<void>> = [];
after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

/** node:fs, except that writes matching `failWrites` fail with ENOSPC, as on a full flash partition. */
function flakyFileSystem(): AgentFileSystem & { failWrites: ((path: string) => boolean) | undefined } {
  const enospc = (path: string) =>
    Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' });
  const fs = {
    ...nodeFileSystem,
    failWrites: undefined as ((path: string) => boolean) | undefined,
    writeDurable: (path: string, data: string, mode: number) =>
      fs.failWrites?.(path) ? Promise.reject(enospc(path)) : nodeFileSystem.writeDurable(path, data, mode),
    rename: (from: string, to: string) =>
      fs.failWrites?.(to) ? Promise.reject(enospc(to)) : nodeFileSystem.rename(from, to),
  };
  return fs;
}

interface DueDevice {
  readonly est: EstTestServer;
  readonly agent: DeviceAgent;
  readonly store: FileCredentialStore;
  readonly stateDir: string;
  readonly fs: ReturnType<typeof flakyFileSystem>;
  /** Where the agent's EST calls go; tests point it elsewhere to make the server fail. */
  readonly transport: EstTransport & { target: EstTransport };
  /** The transport to the real server. */
  readonly real: EstTransport;
  readonly serverClock: ManualClock;
  readonly deviceClock: ManualClock;
  readonly onboarded: LoadedCredential;
  advanceTo(deviceTime: Date): void;
  dated(transport: EstTransport): EstTransport;
}

/**
 * A device onboarded by a real server 21+ days ago (server and device clocks agree), now at its renewal time.
 * The server's clock starts 25 days in the past so that the onboarded pair is valid by the real clock too, which
 * the TLS handshakes below check.
 */
async function deviceDueForRenewal(serial: string): Promise<DueDevice> {
  const start = new Date(Date.now() - 25 * DAY_MS);
  const serverClock = new ManualClock(start);
  const deviceClock = new ManualClock(start);
  const est = await startEstServer({}, serverClock);
  cleanups.push(() => est.close());
  const idevid = await est.issue('idevid', `serialNumber=${serial},CN=meter`);
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-agent-faults-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'idevid.pem'), idevid.certificatePem);
  await writeFile(join(dir, 'idevid.key'), idevid.keyPem, { mode: 0o600 });
  const fs = flakyFileSystem();
  const stateDir = join(dir, 'state');
  const store = new FileCredentialStore(stateDir, {
    idevidCertFile: join(dir, 'idevid.pem'),
    idevidKeyFile: join(dir, 'idevid.key'),
    fs,
  });
  await store.setTrustAnchorsPem(est.rootPem);
  const dated = (transport: EstTransport) => datedBy(transport, serverClock);
  const real = dated(
    estTransport({ estUrl: est.estUrl, trustPem: () => store.trustAnchorsPem(), timeoutMs: 5000 }),
  );
  const transport = switchableTransport(real);
  const agent = new DeviceAgent({
    config: { estUrl: est.estUrl, backoff: { initialSeconds: 30, maxSeconds: 3600 } },
    store,
    est: transport,
    clock: deviceClock,
    random: () => 0.5,
    log: () => undefined,
  });
  const advanceTo = (deviceTime: Date) => {
    const ms = Math.max(deviceTime.getTime() - deviceClock.now().getTime(), 0);
    serverClock.advanceSeconds(ms / 1000);
    deviceClock.advanceSeconds(ms / 1000);
  };

  assert.equal((await agent.step()).kind, 'onboarded');
  const onboarded = loadCredential((await store.current())!, 'onboarded');
  const renewAt = (await store.readState()).renewal?.renewAt;
  assert.ok(renewAt);
  advanceTo(new Date(Date.parse(renewAt) + 1000));
  return {
    est,
    agent,
    store,
    stateDir,
    fs,
    transport,
    real,
    serverClock,
    deviceClock,
    onboarded,
    advanceTo,
    dated,
  };
}

/**
 * The device still holds a working credential: the current pair loads, its key is its certificate's, it chains to
 * the root at server time, and a TLS server that requires and verifies client certificates (by the real clock,
 * as OpenSSL does) accepts it.
 */
async function assertWorkingCredential(d: DueDevice, expectedSerial: string): Promise<void> {
  const current = await d.store.current();
  assert.ok(current, 'a current pair');
  const loaded = loadCredential(current, 'current');
  assert.equal(loaded.leaf.serial, expectedSerial);
  const chain = readPemAll(current.certificatePem, 'CERTIFICATE', 'chain')
    .slice(1)
    .map((der) => parseCertificate(der));
  new TrustStore([parseCertificate(d.est.rootPem)]).validate(loaded.leaf, chain, d.serverClock.now());
  // What a consumer reads from disk is the same pair.
  assert.equal(await readFile(join(d.stateDir, 'current', 'cert.pem'), 'utf8'), current.certificatePem);
  assert.equal(await readFile(join(d.stateDir, 'current', 'key.pem'), 'utf8'), current.keyPem);
  assert.deepEqual(
    (await readdir(join(d.stateDir, 'generations'))).filter((name) => name.includes('.tmp-')),
    [],
    'no half-written generation left',
  );
  await strictHandshake(current, d.est.rootPem, await serverCredential(d));
}

const tlsCredentials = new WeakMap<EstTestServer, ClientCredential>();
async function serverCredential(d: DueDevice): Promise<ClientCredential> {
  let credential = tlsCredentials.get(d.est);
  if (!credential) {
    credential = await d.est.issue('tls-server', 'CN=localhost', [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    tlsCredentials.set(d.est, credential);
  }
  return credential;
}

/** A mutual-TLS handshake with a server that requires a client certificate chaining to `rootPem`. */
async function strictHandshake(
  client: { certificatePem: string; keyPem: string },
  rootPem: string,
  server: ClientCredential,
): Promise<void> {
  const tlsServer = createServer({
    cert: server.certificatePem,
    key: server.keyPem,
    ca: rootPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const accepted = new Promise<boolean>((resolve) =>
    tlsServer.on('secureConnection', (socket) => {
      resolve(socket.authorized);
      socket.end();
    }),
  );
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = tlsServer.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port, ca: rootPem, cert: client.certificatePem, key: client.keyPem },
        () => {
          socket.end();
          resolve();
        },
      );
      socket.on('error', reject);
    });
    assert.equal(await accepted, true, 'the strict server accepted the client certificate');
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
}

async function faultServer(d: DueDevice, plan: (operation: string) => FaultAction): Promise<EstFaultServer> {
  const server = await startEstFaultServer({
    upstreamEstUrl: d.est.estUrl,
    upstreamTrustPem: d.est.rootPem,
    tls: await serverCredential(d),
  });
  cleanups.push(() => server.close());
  server.plan = plan;
  return server;
}

function failed(outcome: StepOutcome): Extract<StepOutcome, { kind: 'failed' }> {
  assert.equal(outcome.kind, 'failed', JSON.stringify(outcome));
  return outcome;
}

/** After the fault: the next attempt, against the real server, renews from the pair the device kept. */
async function recovers(d: DueDevice, outcome: StepOutcome): Promise<void> {
  d.transport.target = d.real;
  d.fs.failWrites = undefined;
  d.advanceTo(outcome.nextAt);
  const next = await d.agent.step();
  assert.equal(next.kind, 'renewed', JSON.stringify(next));
  assert.equal((await d.store.previous())?.serial, d.onboarded.leaf.serial);
  await assertWorkingCredential(d, next.kind === 'renewed' ? next.serial : '');
}

describe('device agent: failures at renewal time leave a working certificate', () => {
  test('server down (closed port): unreachable, backing off, old pair kept; renews once it is back', async () => {
    const d = await deviceDueForRenewal('SN-F1');
    const port = await freePort();
    d.transport.target = d.dated(
      estTransport({
        estUrl: `https://127.0.0.1:${port}/.well-known/est`,
        trustPem: d.est.rootPem,
        timeoutMs: 2000,
      }),
    );
    const waits: number[] = [];
    let outcome = await d.agent.step();
    for (let attempt = 1; attempt <= 4; attempt++) {
      const failure = failed(outcome);
      assert.equal(failure.cause, 'unreachable');
      assert.equal(failure.consecutiveFailures, attempt);
      waits.push((failure.nextAt.getTime() - d.deviceClock.now().getTime()) / 1000);
      await assertWorkingCredential(d, d.onboarded.leaf.serial);
      d.advanceTo(failure.nextAt);
      if (attempt < 4) outcome = await d.agent.step();
    }
    // initial × 2^(n−1); random 0.5 puts the ±20 % spread at its middle.
    assert.deepEqual(waits, [30, 60, 120, 240]);
    await recovers(d, outcome);
  });

  test('5xx mid-enrollment and a dropped connection: server-error and unreachable, old pair kept', async () => {
    const d = await deviceDueForRenewal('SN-F2');
    const server = await faultServer(d, (operation) =>
      operation === 'simplereenroll'
        ? { kind: 'status', status: 503, body: 'the store is unavailable' }
        : { kind: 'forward' },
    );
    d.transport.target = d.dated(estTransport({ estUrl: server.estUrl, trustPem: d.est.rootPem }));
    const first = failed(await d.agent.step());
    assert.equal(first.cause, 'server-error');
    assert.match(first.message, /503/);
    assert.ok(server.requests.includes('simplereenroll'), server.requests.join());
    await assertWorkingCredential(d, d.onboarded.leaf.serial);

    server.plan = (operation) => (operation === 'simplereenroll' ? { kind: 'reset' } : { kind: 'forward' });
    d.advanceTo(first.nextAt);
    const second = failed(await d.agent.step());
    assert.equal(second.cause, 'unreachable');
    assert.equal(second.consecutiveFailures, 2);
    await assertWorkingCredential(d, d.onboarded.leaf.serial);
    await recovers(d, second);
  });

  test('a truncated response (cut connection or short body): bad-response, old pair kept', async () => {
    const d = await deviceDueForRenewal('SN-F3');
    // A real certificate to cut in half; which key it certifies does not matter, it never arrives whole.
    const someCertificate = parseCertificate(d.est.rootPem).der;
    const server = await faultServer(d, (operation) =>
      operation === 'simplereenroll'
        ? { kind: 'truncated', certificate: someCertificate, length: 'declared' }
        : { kind: 'forward' },
    );
    d.transport.target = d.dated(estTransport({ estUrl: server.estUrl, trustPem: d.est.rootPem }));
    const cut = failed(await d.agent.step());
    assert.equal(cut.cause, 'bad-response', cut.message);
    await assertWorkingCredential(d, d.onboarded.leaf.serial);

    server.plan = (operation) =>
      operation === 'simplereenroll'
        ? { kind: 'truncated', certificate: someCertificate, length: 'consistent' }
        : { kind: 'forward' };
    d.advanceTo(cut.nextAt);
    const short = failed(await d.agent.step());
    assert.equal(short.cause, 'bad-response', short.message);
    await assertWorkingCredential(d, d.onboarded.leaf.serial);
    await recovers(d, short);
  });

  test('a certificate returned for another key: wrong-key, not installed, old pair kept', async () => {
    const d = await deviceDueForRenewal('SN-F4');
    // A genuine LDevID for this device from the real CA, but for a key the agent never generated.
    const current = (await d.store.current())!;
    const strangerKey = generateKeyPair('ec-p256');
    const csr = buildCsr(
      {
        subject: d.onboarded.leaf.subject,
        altNames: d.onboarded.leaf.extensions.subjectAltNames?.names ?? [],
      },
      strangerKey,
    );
    const issued = await new EstClient({
      baseUrl: d.est.estUrl,
      serverTrust: d.est.rootPem,
      clientCertificate: { certificatePem: current.certificatePem, keyPem: current.keyPem },
    }).simplereenroll(csr);
    assert.equal(issued.status, 'issued');
    const certificate = issued.status === 'issued' ? issued.certificate : new Uint8Array();

    const server = await faultServer(d, (operation) =>
      operation === 'simplereenroll' ? { kind: 'certificate', certificate } : { kind: 'forward' },
    );
    d.transport.target = d.dated(estTransport({ estUrl: server.estUrl, trustPem: d.est.rootPem }));
    const outcome = failed(await d.agent.step());
    assert.equal(outcome.cause, 'wrong-key', outcome.message);
    await assertWorkingCredential(d, d.onboarded.leaf.serial);
    assert.deepEqual(await readdir(join(d.stateDir, 'generations')), [d.onboarded.leaf.serial]);
    await recovers(d, outcome);
  });

  test('disk full during the swap: storage, the previous pair stays current on disk', async () => {
    for (const where of ['the new key file', 'the switch of the current link'] as const) {
      const d = await deviceDueForRenewal(where === 'the new key file' ? 'SN-F5' : 'SN-F6');
      d.fs.failWrites =
        where === 'the new key file'
          ? (path) => path.includes(`${join(d.stateDir, 'generations')}/`) && path.endsWith('key.pem')
          : (path) => path === join(d.stateDir, 'current');
      const outcome = failed(await d.agent.step());
      assert.equal(outcome.cause, 'storage', `${where}: ${outcome.message}`);
      assert.match(outcome.message, /ENOSPC/);
      await assertWorkingCredential(d, d.onboarded.leaf.serial);
      // A restart (recovery of the state folder) sees the same pair.
      const reopened = new FileCredentialStore(d.stateDir, {
        idevidCertFile: join(d.stateDir, '..', 'idevid.pem'),
        idevidKeyFile: join(d.stateDir, '..', 'idevid.key'),
      });
      assert.equal((await reopened.current())?.serial, d.onboarded.leaf.serial, where);
      assert.deepEqual(await readdir(join(d.stateDir, 'generations')), [d.onboarded.leaf.serial], where);
      // The server issued a certificate the device lost; it renews again from the old one.
      await recovers(d, outcome);
    }
  });
});
