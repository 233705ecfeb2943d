import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentConfig,
  type AgentLogLine,
  DeviceAgent,
  estTransport,
  FileCredentialStore,
} from '../../src/agent/device-agent.js';
import { loadCredential } from '../../src/agent/credential-pair.js';
import { ManualClock } from '../../src/core/clock.js';
import { toIssuerId, toSerialHex } from '../../src/core/ids.js';
import { type AcmeTestServer, startAcmeTestServer } from '../helpers/acme-test-server.js';
import { freePort } from '../helpers/free-port.js';

const DAY_MS = 86_400_000;
const OPERATIONAL = toIssuerId('operational')!;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** renewalInfo answers say "ask again in a minute", so that a test clock moved past it makes the agent ask. */
let server: AcmeTestServer | undefined;
async function acmeServer(): Promise<AcmeTestServer> {
  if (server) return server;
  server = await startAcmeTestServer({ acme: { renewalInfoRetryAfterSeconds: 60 } });
  const started = server;
  cleanups.push(() => started.close());
  return started;
}

/** A device with an IDevID from the server's factory issuer and an agent on a test clock (starting now). */
async function deviceAgent(serial: string, config: Partial<AgentConfig>) {
  const acme = await acmeServer();
  const { est } = acme;
  const idevid = await est.issue('idevid', `serialNumber=${serial},CN=sensor,O=Acme`);
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-agent-ari-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'idevid.pem'), idevid.certificatePem);
  await writeFile(join(dir, 'idevid.key'), idevid.keyPem, { mode: 0o600 });
  const store = new FileCredentialStore(join(dir, 'state'), {
    idevidCertFile: join(dir, 'idevid.pem'),
    idevidKeyFile: join(dir, 'idevid.key'),
  });
  await store.setTrustAnchorsPem(est.rootPem);
  // The server runs on the real clock and TLS checks by it: the device clock starts there and only moves ahead.
  const clock = new ManualClock(new Date());
  const logs: AgentLogLine[] = [];
  const agent = new DeviceAgent({
    config: { estUrl: est.estUrl, ...config },
    store,
    est: estTransport({ estUrl: est.estUrl, trustPem: () => store.trustAnchorsPem(), timeoutMs: 10_000 }),
    clock,
    log: (line) => logs.push(line),
  });
  return { acme, agent, store, clock, logs };
}

async function currentLeaf(store: FileCredentialStore) {
  return loadCredential((await store.current())!, 'current').leaf;
}

describe('device agent following ACME renewal information (RFC 9773) from a real certfleet server', () => {
  test('renews at once when the operator pulls the window of its LDevID forward', async () => {
    const d = await deviceAgent('SN-ARI-1', { acmeDirectoryUrl: (await acmeServer()).directoryUrl });
    const { runtime } = d.acme.est.server;

    assert.equal((await d.agent.step()).kind, 'onboarded');
    const first = await currentLeaf(d.store);

    // The next step asks about the new LDevID: the server's default window, days away.
    const checked = await d.agent.step();
    assert.equal(checked.kind, 'not-due', JSON.stringify(checked));
    const state = await d.store.readState();
    assert.equal(state.renewalInfo?.serial, first.serial);
    const start = Date.parse(state.renewalInfo.start);
    const end = Date.parse(state.renewalInfo.end);
    assert.ok(start > d.clock.now().getTime() + 15 * DAY_MS, state.renewalInfo.start);
    const renewAt = Date.parse(state.renewal!.renewAt);
    assert.equal(state.renewal?.serial, first.serial);
    assert.ok(renewAt >= start && renewAt <= end, 'the renewal time is a draw in the window');
    // What wakes the daemon next is the check after Retry-After (60 s), not the renewal.
    assert.equal(checked.nextAt.getTime(), d.clock.now().getTime() + 60_000);

    // The operator retires the issuing CA early: renew this certificate now.
    const now = new Date();
    const set = await runtime.store.renewalWindows.set(
      [{ issuerId: OPERATIONAL, serial: toSerialHex(first.serial)! }],
      {
        start: new Date(now.getTime() - 3_600_000),
        end: now,
        explanationUrl: 'https://pki.example/retiring-operational-ca',
      },
      'test-operator',
      now,
    );
    assert.equal(set, 1);

    // Before Retry-After the agent keeps its answer.
    d.clock.advanceSeconds(30);
    assert.equal((await d.agent.step()).kind, 'not-due');
    assert.equal((await currentLeaf(d.store)).serial, first.serial);

    d.clock.advanceSeconds(31);
    const renewed = await d.agent.step();
    assert.equal(renewed.kind, 'renewed', JSON.stringify(renewed));
    const second = await currentLeaf(d.store);
    assert.notEqual(second.serial, first.serial);
    assert.equal(second.subjectText, first.subjectText);
    assert.equal((await d.store.previous())?.serial, first.serial);
    assert.equal(
      (await runtime.store.certificates.get(OPERATIONAL, toSerialHex(first.serial)!))?.supersededBy,
      second.serial,
    );
    const window = d.logs.filter((line) => line.event === 'agent.renewal-info.window');
    assert.equal(window.length, 2);
    assert.match(window[1]!.message, /retiring-operational-ca/);

    // The new LDevID gets the server's ordinary window: no second renewal.
    const after = await d.agent.step();
    assert.equal(after.kind, 'not-due', JSON.stringify(after));
    const latest = await d.store.readState();
    assert.equal(latest.renewalInfo?.serial, second.serial);
    assert.ok(Date.parse(latest.renewal!.renewAt) > d.clock.now().getTime() + 15 * DAY_MS);
    assert.equal(d.logs.filter((line) => line.event === 'agent.renewal-info.failed').length, 0);
  });

  test('an ACME server that cannot be reached: logged, and the agent keeps its own schedule', async () => {
    const closed = `https://127.0.0.1:${await freePort()}/acme/directory`;
    const d = await deviceAgent('SN-ARI-2', { acmeDirectoryUrl: closed });
    assert.equal((await d.agent.step()).kind, 'onboarded');
    const checked = await d.agent.step();
    assert.equal(checked.kind, 'not-due', JSON.stringify(checked));
    const failed = d.logs.filter((line) => line.event === 'agent.renewal-info.failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.message, /ECONNREFUSED|cannot reach/);
    const state = await d.store.readState();
    assert.equal(state.renewalInfo, undefined);
    assert.equal(state.consecutiveFailures, 0);
    // The announced policy (renew after 20 of 30 days) with the kept draw: the schedule without ARI.
    const leaf = await currentLeaf(d.store);
    const renewAt = Date.parse(state.renewal!.renewAt);
    const issuedAt = leaf.notAfter.getTime() - 30 * DAY_MS;
    assert.ok(
      renewAt >= issuedAt + 20 * DAY_MS && renewAt <= issuedAt + 22.5 * DAY_MS,
      state.renewal!.renewAt,
    );
  });
});
