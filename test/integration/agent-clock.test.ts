import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type AgentLogLine,
  DeviceAgent,
  type EstCallOptions,
  estTransport,
  type EstTransport,
  MemoryCredentialStore,
} from '../../src/agent/device-agent.js';
import { loadCredential } from '../../src/agent/credential-pair.js';
import { INITIAL_AGENT_STATE } from '../../src/agent/credential-store.js';
import { type Clock, ManualClock } from '../../src/core/clock.js';
import { PkiError } from '../../src/core/pki-error.js';
import type { ServerCertificateTime } from '../../src/protocols/est/client/est-client.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { TrustStore } from '../../src/pki/chain.js';
import { datedBy, datedWithCallOptions, stepUntil } from '../helpers/est-fault-server.js';
import { type EstTestServer, startEstServer } from '../helpers/est-server.js';

const DAY_MS = 86_400_000;
const TWENTY_YEARS_MS = 20 * 365.25 * DAY_MS;
const cleanups: Array<() => Promise<void>> = [];
after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

interface DeviceBehind {
  readonly est: EstTestServer;
  readonly store: MemoryCredentialStore;
  readonly transport: EstTransport & { readonly calls: string[] };
  readonly serverClock: ManualClock;
  readonly deviceClock: ManualClock;
  readonly logs: AgentLogLine[];
  /** What each call asked the server's certificate to be judged at, by operation. */
  readonly judged: Array<{ operation: string; at: ServerCertificateTime | undefined }>;
  agent: DeviceAgent;
  newAgent(): DeviceAgent;
}

/**
 * A certfleet server whose world runs 20 years ahead: its PKI, its TLS certificate and the certificates it issues
 * all start then, and its clock decides validity on its side. This process's system clock, which node's TLS
 * layer reads, is therefore 20 years behind the server's world: exactly a device whose clock is 20 years
 * behind (an RTC that lost its battery). The device clock starts at the system clock's time and moves with the
 * server's clock. HTTP Date headers are rewritten to the server's clock (node writes them from the host clock).
 *
 * `forwarding`: the transport passes the agent's call options on (as estTransport used directly does);
 * otherwise it drops them, as a wrapper written before they existed does.
 */
async function deviceBehindServer(serial: string, forwarding: boolean): Promise<DeviceBehind> {
  const serverClock = new ManualClock(Date.now() + TWENTY_YEARS_MS);
  const est = await startEstServer({}, serverClock);
  cleanups.push(() => est.close());
  const idevid = await est.issue('idevid', `serialNumber=${serial},CN=sensor,O=Acme`);
  const store = new MemoryCredentialStore(
    { certificatePem: idevid.certificatePem, keyPem: idevid.keyPem },
    est.rootPem,
  );
  const judged: DeviceBehind['judged'] = [];
  const real = spied(
    estTransport({ estUrl: est.estUrl, trustPem: () => store.trustAnchorsPem(), timeoutMs: 10_000 }),
    (operation, call) => judged.push({ operation, at: call?.serverCertificateTime?.() }),
  );
  const transport = forwarding ? datedWithCallOptions(real, serverClock) : datedBy(real, serverClock);
  const deviceClock = new ManualClock(Date.now());
  const logs: AgentLogLine[] = [];
  const newAgent = (): DeviceAgent =>
    new DeviceAgent({
      config: { estUrl: est.estUrl },
      store,
      est: transport,
      clock: deviceClock,
      log: (line) => logs.push(line),
    });
  return { est, store, transport, serverClock, deviceClock, logs, judged, agent: newAgent(), newAgent };
}

/** Reports each call's options before passing it on. */
function spied(
  transport: EstTransport,
  seen: (operation: string, call: EstCallOptions | undefined) => void,
): EstTransport {
  return {
    cacerts: (call) => (seen('cacerts', call), transport.cacerts(call)),
    csrattrs: (call) => (seen('csrattrs', call), transport.csrattrs(call)),
    simpleenroll: (csr, credential, call) => (
      seen('simpleenroll', call),
      transport.simpleenroll(csr, credential, call)
    ),
    simplereenroll: (csr, credential, call) => (
      seen('simplereenroll', call),
      transport.simplereenroll(csr, credential, call)
    ),
  };
}

/** A Date within a minute of `expected`. */
function near(at: ServerCertificateTime | undefined, expected: Date): void {
  assert.ok(at instanceof Date, `a Date, not ${JSON.stringify(at)}`);
  assert.ok(
    Math.abs(at.getTime() - expected.getTime()) < 60_000,
    `${at.toISOString()} vs ${expected.toISOString()}`,
  );
}

/** The current pair: loadable, and chaining to the server's root at `at`. */
async function currentValidAt(d: DeviceBehind, at: Date) {
  const pair = await d.store.current();
  assert.ok(pair, 'a current pair');
  const loaded = loadCredential(pair, 'current');
  new TrustStore([parseCertificate(d.est.rootPem)]).validate(loaded.leaf, loaded.chain, at);
  return loaded;
}

const wrongClockLines = (logs: readonly AgentLogLine[]) =>
  logs.filter((l) => l.event === 'agent.clock.wrong');

describe("device agent whose clock (and system clock) is 20 years behind the server's world", () => {
  test('the TLS layer alone refuses the server: its certificate is not yet valid by the system clock', async (t) => {
    const serverClock: Clock = new ManualClock(Date.now() + TWENTY_YEARS_MS);
    const est = await startEstServer({}, serverClock);
    t.after(() => est.close());
    await assert.rejects(est.client().cacerts(), (error: unknown) => {
      assert.ok(error instanceof PkiError);
      assert.equal((error.cause as { code?: string }).code, 'CERT_NOT_YET_VALID');
      return true;
    });
  });

  test('onboards and renews, judging the server certificate by server time; says once that the clock is wrong', async () => {
    const d = await deviceBehindServer('SN-T1', true);

    const first = await d.agent.step();
    assert.equal(first.kind, 'onboarded', JSON.stringify(first));
    assert.deepEqual(d.transport.calls, ['cacerts', 'csrattrs', 'simpleenroll']);
    // First contact, no server time yet and the clock before the anchor's notBefore: judged no earlier than it.
    const rootNotBefore = parseCertificate(d.est.rootPem).notBefore;
    assert.deepEqual(d.judged[0], { operation: 'cacerts', at: { notEarlierThan: rootNotBefore } });
    // Then by server time, learnt from that answer.
    for (const { at } of d.judged.slice(1)) near(at, d.serverClock.now());
    const onboarded = await currentValidAt(d, d.serverClock.now());
    assert.equal(onboarded.leaf.subjectText, 'serialNumber=SN-T1,CN=sensor,O=Acme');
    assert.ok(
      onboarded.leaf.notBefore.getTime() > Date.now() + 19 * 365 * DAY_MS,
      'issued in the server world',
    );
    assert.equal(wrongClockLines(d.logs).length, 1);
    assert.match(wrongClockLines(d.logs)[0]!.message, /20\.0 years behind the server/);
    // The next step is on the device clock: about 20 days ahead of it, not 20 years.
    assert.ok(
      first.nextAt.getTime() - d.deviceClock.now().getTime() < 30 * DAY_MS,
      first.nextAt.toISOString(),
    );

    const onboardedAt = d.serverClock.now().getTime();
    const renewal = await stepUntil(d, (o) => o.kind === 'renewed' || o.kind === 'failed');
    assert.equal(renewal.outcome.kind, 'renewed', JSON.stringify(renewal.outcome));
    const renewedAfterDays = (d.serverClock.now().getTime() - onboardedAt) / DAY_MS;
    assert.ok(renewedAfterDays >= 20 && renewedAfterDays <= 22.5 + 1 / 24, `${renewedAfterDays} days`);
    assert.ok(renewal.steps.slice(0, -1).every((s) => s.kind === 'not-due'));
    const renewed = await currentValidAt(d, d.serverClock.now());
    assert.notEqual(renewed.leaf.serial, onboarded.leaf.serial);
    assert.equal(d.transport.calls.filter((c) => c === 'simplereenroll').length, 1);
    near(d.judged.at(-1)?.at, d.serverClock.now());
    assert.ok(
      d.judged.every(({ at }) => at !== undefined),
      'never judged by the system clock',
    );
    assert.equal(wrongClockLines(d.logs).length, 1, 'said once');
    assert.equal(
      d.logs.filter((l) => l.event === 'agent.failed').length,
      0,
      JSON.stringify(d.logs.filter((l) => l.event === 'agent.failed')),
    );

    // A restart that lost the state (no server time known): the first contact is judged no earlier than the
    // LDevID's notBefore, which the server's TLS certificate covers; then by server time again.
    await d.store.writeState(INITIAL_AGENT_STATE);
    d.agent = d.newAgent();
    const calls = d.transport.calls.length;
    const restarted = await d.agent.step();
    assert.equal(restarted.kind, 'not-due', JSON.stringify(restarted));
    assert.deepEqual(d.transport.calls.slice(calls), ['cacerts']);
    assert.deepEqual(d.judged.at(-1), {
      operation: 'cacerts',
      at: { notEarlierThan: renewed.leaf.notBefore },
    });
    assert.equal(wrongClockLines(d.logs).length, 2, 'the new process says it once too');
  });

  test('a transport that drops the agent’s call options cannot reach the server: untrusted chain', async () => {
    const d = await deviceBehindServer('SN-T2', false);
    const first = await d.agent.step();
    assert.equal(first.kind, 'failed', JSON.stringify(first));
    assert.equal(first.kind === 'failed' ? first.cause : undefined, 'untrusted-chain');
    assert.match(first.kind === 'failed' ? first.message : '', /CERT_NOT_YET_VALID|not yet valid/i);
    assert.deepEqual(d.transport.calls, ['cacerts']);
    assert.equal(await d.store.current(), undefined);
  });
});
