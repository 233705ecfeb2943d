import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeviceAgent,
  estTransport,
  FileCredentialStore,
  type AgentLogLine,
} from '../../src/agent/device-agent.js';
import { loadCredential } from '../../src/agent/credential-pair.js';
import { ManualClock } from '../../src/core/clock.js';
import { toDeviceId, toIssuerId } from '../../src/core/ids.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { TrustStore } from '../../src/pki/chain.js';
import { readPemAll } from '../../src/pki/pem.js';
import { datedBy, stepUntil } from '../helpers/est-fault-server.js';
import { type EstTestServer, startEstServer } from '../helpers/est-server.js';

const DAY_MS = 86_400_000;
const DEVICE_URI = 'urn:dev:org:32473-';
const cleanups: Array<() => Promise<void>> = [];
after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

interface AgentOnServer {
  readonly est: EstTestServer;
  readonly agent: DeviceAgent;
  readonly store: FileCredentialStore;
  readonly stateDir: string;
  readonly transport: ReturnType<typeof datedBy>;
  readonly serverClock: ManualClock;
  readonly deviceClock: ManualClock;
  readonly logs: AgentLogLine[];
}

/**
 * A real certfleet server on its own clock, an IDevID from its factory issuer, and an agent with files in a
 * temporary folder. `anchors: 'pin'` leaves the store without anchors and pins the root's fingerprint instead.
 */
async function agentOnServer(options: {
  serverStart: Date;
  deviceStart: Date;
  serial: string;
  anchors?: 'explicit' | 'pin';
}): Promise<AgentOnServer> {
  const serverClock = new ManualClock(options.serverStart);
  const est = await startEstServer({}, serverClock);
  cleanups.push(() => est.close());
  const idevid = await est.issue('idevid', `serialNumber=${options.serial},CN=sensor,O=Acme`);
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-agent-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'idevid.pem'), idevid.certificatePem);
  await writeFile(join(dir, 'idevid.key'), idevid.keyPem, { mode: 0o600 });
  const stateDir = join(dir, 'state');
  const store = new FileCredentialStore(stateDir, {
    idevidCertFile: join(dir, 'idevid.pem'),
    idevidKeyFile: join(dir, 'idevid.key'),
  });
  if (options.anchors !== 'pin') await store.setTrustAnchorsPem(est.rootPem);
  const transport = datedBy(
    estTransport({ estUrl: est.estUrl, trustPem: () => store.trustAnchorsPem(), timeoutMs: 10_000 }),
    serverClock,
  );
  const deviceClock = new ManualClock(options.deviceStart);
  const logs: AgentLogLine[] = [];
  const agent = new DeviceAgent({
    config: {
      estUrl: est.estUrl,
      ...(options.anchors === 'pin'
        ? { pinnedRootSha256: parseCertificate(est.rootPem).fingerprintSha256 }
        : {}),
    },
    store,
    est: transport,
    clock: deviceClock,
    log: (line) => logs.push(line),
  });
  return { est, agent, store, stateDir, transport, serverClock, deviceClock, logs };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** The pair consumers read from `<stateDir>/current`: loadable, the key its certificate's, valid at `at`. */
async function checkCurrentFiles(d: AgentOnServer, at: Date) {
  const certificatePem = await readFile(join(d.stateDir, 'current', 'cert.pem'), 'utf8');
  const keyPem = await readFile(join(d.stateDir, 'current', 'key.pem'), 'utf8');
  const loaded = loadCredential({ certificatePem, keyPem }, 'current');
  const [, ...chain] = readPemAll(certificatePem, 'CERTIFICATE', 'chain').map((der) => parseCertificate(der));
  new TrustStore([parseCertificate(d.est.rootPem)]).validate(loaded.leaf, chain, at);
  const folder = join(d.stateDir, 'generations', loaded.leaf.serial);
  assert.equal(await readlink(join(d.stateDir, 'current')), join('generations', loaded.leaf.serial));
  assert.equal(await mode(d.stateDir), 0o700);
  assert.equal(await mode(folder), 0o700);
  assert.equal(await mode(join(folder, 'cert.pem')), 0o600);
  assert.equal(await mode(join(folder, 'key.pem')), 0o600);
  assert.equal(await mode(join(d.stateDir, 'state.json')), 0o600);
  return loaded;
}

describe('device agent against a real certfleet server', () => {
  test('onboards, renews, renews again: a new key each time, files in place, the server agrees', async () => {
    // 46 days ago, so that the third certificate is valid in real time too (TLS checks by the host clock).
    const start = new Date(Date.now() - 46 * DAY_MS);
    const d = await agentOnServer({ serverStart: start, deviceStart: start, serial: 'SN-A1' });

    const first = await d.agent.step();
    assert.equal(first.kind, 'onboarded');
    assert.deepEqual(d.transport.calls, ['cacerts', 'csrattrs', 'simpleenroll']);
    const onboarded = await checkCurrentFiles(d, d.serverClock.now());
    assert.equal(onboarded.leaf.subjectText, 'serialNumber=SN-A1,CN=sensor,O=Acme');
    assert.deepEqual(onboarded.leaf.extensions.subjectAltNames?.names, [
      { type: 'uri', value: `${DEVICE_URI}SN-A1` },
    ]);
    assert.match(onboarded.leaf.issuerText, /Operational CA/);
    assert.equal(await lstat(join(d.stateDir, 'previous')).catch(() => undefined), undefined);

    // The daemon loop: daily trust refreshes, then one renewal inside the announced window (20 of 30 days,
    // spread over a quarter of the rest).
    const onboardedAt = d.serverClock.now().getTime();
    const second = await stepUntil(d, (o) => o.kind === 'renewed' || o.kind === 'failed');
    assert.equal(second.outcome.kind, 'renewed', JSON.stringify(second.outcome));
    const renewedAfterDays = (d.serverClock.now().getTime() - onboardedAt) / DAY_MS;
    assert.ok(renewedAfterDays >= 20 && renewedAfterDays <= 22.5 + 1 / 24, `${renewedAfterDays} days`);
    assert.ok(second.steps.slice(0, -1).every((s) => s.kind === 'not-due'));
    const renewed = await checkCurrentFiles(d, d.serverClock.now());
    assert.equal(await readlink(join(d.stateDir, 'previous')), join('generations', onboarded.leaf.serial));

    const third = await stepUntil(d, (o) => o.kind === 'renewed' || o.kind === 'failed');
    assert.equal(third.outcome.kind, 'renewed', JSON.stringify(third.outcome));
    const latest = await checkCurrentFiles(d, d.serverClock.now());
    // The last one is valid by the real clock as well: usable for TLS today.
    new TrustStore([parseCertificate(d.est.rootPem)]).validate(
      latest.leaf,
      readPemAll(await readFile(join(d.stateDir, 'current', 'cert.pem'), 'utf8'), 'CERTIFICATE', 'c')
        .slice(1)
        .map((der) => parseCertificate(der)),
      new Date(),
    );

    const keys = new Set([onboarded, renewed, latest].map((c) => Buffer.from(c.key.spki).toString('hex')));
    assert.equal(keys.size, 3, 'a new key every time');
    assert.deepEqual(
      new Set([onboarded, renewed, latest].map((c) => c.leaf.subjectText)),
      new Set(['serialNumber=SN-A1,CN=sensor,O=Acme']),
    );
    assert.deepEqual(
      (await readdir(join(d.stateDir, 'generations'))).sort(),
      [renewed.leaf.serial, latest.leaf.serial].sort(),
      'older generations pruned',
    );
    assert.equal(d.transport.calls.filter((c) => c === 'simpleenroll').length, 1);
    assert.equal(d.transport.calls.filter((c) => c === 'simplereenroll').length, 2);

    const { store } = d.est.server.runtime;
    assert.equal((await store.devices.get(toDeviceId('SN-A1')!))?.ldevidSerial, latest.leaf.serial);
    const operational = toIssuerId('operational')!;
    assert.equal(
      (await store.certificates.get(operational, onboarded.leaf.serial))?.supersededBy,
      renewed.leaf.serial,
    );
    assert.equal(
      (await store.certificates.get(operational, renewed.leaf.serial))?.supersededBy,
      latest.leaf.serial,
    );
  });

  test('a 1970 device clock: onboards, renews once at the right server time, does not loop', async () => {
    const start = new Date(Date.now() - 25 * DAY_MS);
    const d = await agentOnServer({
      serverStart: start,
      deviceStart: new Date('1970-01-01T00:00:00Z'),
      serial: 'SN-B2',
    });
    const first = await d.agent.step();
    assert.equal(first.kind, 'onboarded');
    assert.ok(
      first.nextAt.getTime() < 30 * DAY_MS,
      `next step on the device clock: ${first.nextAt.toISOString()}`,
    );
    const onboarded = await checkCurrentFiles(d, d.serverClock.now());
    const onboardedAt = d.serverClock.now().getTime();

    const renewal = await stepUntil(d, (o) => o.kind === 'renewed' || o.kind === 'failed');
    assert.equal(renewal.outcome.kind, 'renewed', JSON.stringify(renewal.outcome));
    const renewedAfterDays = (d.serverClock.now().getTime() - onboardedAt) / DAY_MS;
    assert.ok(renewedAfterDays >= 20 && renewedAfterDays <= 22.5 + 1 / 24, `${renewedAfterDays} days`);
    assert.ok(d.deviceClock.now().getTime() < 30 * DAY_MS, 'the device clock still reads January 1970');
    const renewed = await checkCurrentFiles(d, d.serverClock.now());
    assert.notEqual(renewed.leaf.serial, onboarded.leaf.serial);

    // Three more days of the daemon loop: trust refreshes only.
    const renewedAtDevice = d.deviceClock.now().getTime();
    const later = await stepUntil(d, () => d.deviceClock.now().getTime() > renewedAtDevice + 3 * DAY_MS);
    assert.ok(
      later.steps.every((s) => s.kind === 'not-due'),
      later.steps.map((s) => s.kind).join(),
    );
    assert.ok(later.steps.length <= 5, `${later.steps.length} steps in three days`);
    assert.equal(d.transport.calls.filter((c) => c === 'simplereenroll').length, 1);
    assert.equal(d.logs.filter((l) => l.event === 'agent.clock.wrong').length, 1);
    assert.match(d.logs.find((l) => l.event === 'agent.clock.wrong')!.message, /years behind the server/);
  });

  test('bootstrap by pinned root fingerprint over an unauthenticated first cacerts (RFC 7030 §4.1.1)', async () => {
    const start = new Date(Date.now() - DAY_MS);
    const d = await agentOnServer({
      serverStart: start,
      deviceStart: start,
      serial: 'SN-C3',
      anchors: 'pin',
    });
    assert.equal(await d.store.trustAnchorsPem(), undefined);
    const first = await d.agent.step();
    assert.equal(first.kind, 'onboarded', JSON.stringify(first));
    const anchors = await d.store.trustAnchorsPem();
    assert.equal(
      parseCertificate(anchors!).fingerprintSha256,
      parseCertificate(d.est.rootPem).fingerprintSha256,
    );
    assert.equal(await mode(join(d.stateDir, 'trust-anchors.pem')), 0o600);
    await checkCurrentFiles(d, d.serverClock.now());
  });

  test("the real transport reports the server's HTTP Date for cacerts and csrattrs", async () => {
    const est = await startEstServer();
    cleanups.push(() => est.close());
    const transport = estTransport({ estUrl: est.estUrl, trustPem: est.rootPem });
    const near = (date: Date | undefined) => {
      assert.ok(date, 'a Date header');
      assert.ok(Math.abs(date.getTime() - Date.now()) < 5000, date.toISOString());
    };
    const cacerts = await transport.cacerts();
    assert.equal(cacerts.certificates.length, 2);
    near(cacerts.serverDate);
    const attrs = await transport.csrattrs();
    assert.equal(attrs.attributes?.private?.length, 1);
    near(attrs.serverDate);
  });
});
