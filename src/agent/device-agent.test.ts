import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCertificate, type TestCredential } from '../../test/helpers/pki-fixtures.js';
import { ManualClock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../pki/algorithms/signature-algorithm.js';
import { RenewalPolicy } from '../pki/asn1/renewal-policy.js';
import { assembleCertificate, encodeTbsCertificate } from '../pki/certificate-builder.js';
import { parseCertificate } from '../pki/certificate.js';
import { parseCsr } from '../pki/csr.js';
import { bytesEqual, encodeDer } from '../pki/der.js';
import { basicConstraintsExtension, keyUsageExtension, subjectAltNameExtension } from '../pki/extensions.js';
import { buildName, encodeName } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import { encodePem } from '../pki/pem.js';
import { randomSerial } from '../pki/serial.js';
import { AcmeClientError } from '../protocols/acme/client/acme-client-error.js';
import type { AcmeRenewalInfo } from '../protocols/acme/client/acme-resources.js';
import { EstHttpError, type EstEnrollment } from '../protocols/est/client/est-client.js';
import type { AgentLogLine } from './agent-log.js';
import { keyToPem, loadCredential } from './credential-pair.js';
import type { CredentialGeneration, CredentialPair } from './credential-store.js';
import {
  type AgentConfig,
  DeviceAgent,
  type InstalledCredential,
  MemoryCredentialStore,
  type RenewalInfoCall,
  type RenewalInfoSource,
} from './device-agent.js';
import type { EstTransport } from './est-transport.js';

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
const START = new Date('2030-03-01T00:00:00Z');
const DEVICE_URI = 'urn:dev:org:32473-SN-77';

/**
 * An EST server in a box: a root and an issuing CA, its own clock, certfleet's renewal policy (30 days, renew after
 * 20), and the checks a real server makes on renewal. Each call is counted; `next` replaces the next enrollment
 * answer to inject faults.
 */
class FakeEstServer implements EstTransport {
  readonly root: TestCredential;
  readonly issuing: TestCredential;
  readonly calls: string[] = [];
  readonly csrs: Uint8Array[] = [];
  /** Extra certificates in cacerts (a rollover). */
  extraCaCertificates: Uint8Array[] = [];
  /** Replaces the next enrollment's answer: a certificate, a 202, or an error to throw. */
  next: ((csrDer: Uint8Array) => EstEnrollment | Error) | undefined;
  down = false;

  constructor(readonly clock: ManualClock) {
    this.root = makeTestCertificate({
      subject: 'Fake Root',
      ca: true,
      notBefore: new Date('2020-01-01T00:00:00Z'),
    });
    this.issuing = makeTestCertificate({
      subject: 'Fake Issuing CA',
      ca: true,
      pathLength: 0,
      issuer: this.root,
      notBefore: new Date('2020-01-01T00:00:00Z'),
    });
  }

  get anchorsPem(): string {
    return encodePem('CERTIFICATE', this.root.cert.der);
  }

  cacerts() {
    this.#call('cacerts');
    return Promise.resolve({
      certificates: [this.issuing.cert.der, this.root.cert.der, ...this.extraCaCertificates],
      serverDate: this.clock.now(),
    });
  }

  csrattrs() {
    this.#call('csrattrs');
    const policy = new RenewalPolicy({ lifetimeSeconds: 30 * DAY_S, renewAfterSeconds: 20 * DAY_S });
    return Promise.resolve({
      attributes: { private: [{ oid: OID.certfleetRenewalPolicy, valueDer: encodeDer(policy) }] },
      serverDate: this.clock.now(),
    });
  }

  simpleenroll(csrDer: Uint8Array, credential: CredentialPair) {
    this.#call('simpleenroll');
    assert.match(loadCredential(credential, 'client').leaf.subjectText, /serialNumber=SN-77/);
    return this.#answer(csrDer);
  }

  simplereenroll(csrDer: Uint8Array, credential: CredentialPair) {
    this.#call('simplereenroll');
    const { leaf } = loadCredential(credential, 'client');
    const csr = parseCsr(csrDer);
    const now = this.clock.now();
    if (now > leaf.notAfter) return Promise.reject(new EstHttpError(403, 'the certificate has expired'));
    if (bytesEqual(csr.spkiDer, leaf.spkiDer))
      return Promise.reject(new EstHttpError(403, 'generate a new key'));
    if (!bytesEqual(csr.subjectDer, leaf.subjectDer))
      return Promise.reject(new EstHttpError(403, 'subject differs'));
    return this.#answer(csrDer);
  }

  /** A certificate for `spkiDer` and `subjectDer`, as the server would issue it at its time. */
  issue(
    csrDer: Uint8Array,
    options: { issuer?: TestCredential; spkiDer?: Uint8Array; subjectDer?: Uint8Array } = {},
  ): Uint8Array {
    const csr = parseCsr(csrDer);
    const issuer = options.issuer ?? this.issuing;
    const now = this.clock.now();
    const algorithm = defaultSignatureAlgorithm(issuer.key.algorithm);
    const tbs = encodeTbsCertificate({
      serial: randomSerial(now),
      signatureAlgorithm: algorithm,
      issuerDer: issuer.cert.subjectDer,
      subjectDer: options.subjectDer ?? csr.subjectDer,
      notBefore: new Date(now.getTime() - 300_000),
      notAfter: new Date(now.getTime() + 30 * DAY_MS),
      spkiDer: options.spkiDer ?? csr.spkiDer,
      extensions: [
        basicConstraintsExtension(false),
        keyUsageExtension(['digitalSignature']),
        subjectAltNameExtension([{ type: 'uri', value: DEVICE_URI }], false),
      ],
    });
    return assembleCertificate(tbs, algorithm, algorithm.sign(issuer.key, tbs));
  }

  #answer(csrDer: Uint8Array): Promise<EstEnrollment> {
    this.csrs.push(csrDer);
    const next = this.next;
    this.next = undefined;
    const answer = next ? next(csrDer) : { status: 'issued' as const, certificate: this.issue(csrDer) };
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ ...answer, serverDate: this.clock.now() });
  }

  #call(operation: string): void {
    if (this.down) throw new PkiError('UNAVAILABLE', 'EST server unreachable: connect ECONNREFUSED');
    this.calls.push(operation);
  }
}

interface Device {
  readonly agent: DeviceAgent;
  readonly store: MemoryCredentialStore;
  readonly server: FakeEstServer;
  readonly serverClock: ManualClock;
  readonly deviceClock: ManualClock;
  readonly logs: AgentLogLine[];
  readonly hooked: InstalledCredential[];
  /** Moves both clocks: real time passes for the device and the server alike. */
  advance(ms: number): void;
  /** A new agent on the same store and server: a reboot. */
  restart(): DeviceAgent;
}

function device(
  options: {
    deviceStart?: Date;
    config?: Partial<AgentConfig>;
    anchors?: 'explicit' | 'none';
    random?: () => number;
    hook?: (installed: InstalledCredential) => Promise<void>;
    store?: (idevid: CredentialPair, anchorsPem: string | undefined) => MemoryCredentialStore;
    renewalInfo?: RenewalInfoSource;
  } = {},
): Device {
  const serverClock = new ManualClock(START);
  const deviceClock = new ManualClock(options.deviceStart ?? START);
  const server = new FakeEstServer(serverClock);
  const idevid = makeTestCertificate({
    subject: 'ignored',
    dn: 'serialNumber=SN-77,CN=sensor',
    issuer: server.issuing,
    notBefore: new Date('2025-01-01T00:00:00Z'),
  });
  const idevidPair = {
    certificatePem:
      encodePem('CERTIFICATE', idevid.cert.der) + encodePem('CERTIFICATE', server.issuing.cert.der),
    keyPem: keyToPem(idevid.key),
  };
  const anchorsPem = options.anchors === 'none' ? undefined : server.anchorsPem;
  const store = options.store?.(idevidPair, anchorsPem) ?? new MemoryCredentialStore(idevidPair, anchorsPem);
  const logs: AgentLogLine[] = [];
  const hooked: InstalledCredential[] = [];
  const make = () =>
    new DeviceAgent({
      // Trust refreshes are tested on their own; here they would only interleave with the renewal schedule.
      config: {
        estUrl: 'https://est.example/.well-known/est',
        trustRefreshSeconds: 90 * DAY_S,
        ...options.config,
      },
      store,
      est: server,
      ...(options.renewalInfo === undefined ? {} : { renewalInfo: options.renewalInfo }),
      clock: deviceClock,
      random: options.random ?? (() => 0.5),
      log: (line) => logs.push(line),
      hook:
        options.hook ??
        ((installed) => {
          hooked.push(installed);
          return Promise.resolve();
        }),
    });
  return {
    agent: make(),
    store,
    server,
    serverClock,
    deviceClock,
    logs,
    hooked,
    advance(ms) {
      serverClock.advanceSeconds(ms / 1000);
      deviceClock.advanceSeconds(ms / 1000);
    },
    restart: make,
  };
}

/** Moves both clocks to the device-clock instant `nextAt`. */
function advanceTo(d: Device, nextAt: Date): void {
  d.advance(nextAt.getTime() - d.deviceClock.now().getTime());
}

async function currentSerial(store: MemoryCredentialStore): Promise<string | undefined> {
  return (await store.current())?.serial;
}

describe('DeviceAgent: onboarding and renewal on schedule', () => {
  test('onboards with the IDevID, waits for its renewal time, renews with a new key, and again', async () => {
    const d = device();
    const first = await d.agent.step();
    assert.equal(first.kind, 'onboarded');
    assert.deepEqual(d.server.calls, ['cacerts', 'csrattrs', 'simpleenroll']);
    const onboarded = (await d.store.current())!;
    // Announced policy: window at day 20, spread over a quarter of the 10 days left; draw 0.5 → day 21.25.
    const issuedAt = START.getTime(); // notAfter − lifetime
    assert.equal(first.nextAt.getTime(), issuedAt + 21.25 * DAY_MS);
    assert.equal(d.hooked[0]?.kind, 'onboarded');
    assert.equal(d.hooked[0]?.serial, onboarded.serial);

    // Nothing to do before then, whoever asks.
    d.advance(5 * DAY_MS);
    const early = await d.agent.step();
    assert.deepEqual(early, { kind: 'not-due', nextAt: first.nextAt });
    assert.deepEqual(d.server.calls, ['cacerts', 'csrattrs', 'simpleenroll']);

    advanceTo(d, first.nextAt);
    const renewed = await d.agent.step();
    assert.equal(renewed.kind, 'renewed');
    assert.equal(d.server.calls.at(-1), 'simplereenroll');
    const second = (await d.store.current())!;
    assert.notEqual(second.serial, onboarded.serial);
    assert.notEqual(second.keyPem, onboarded.keyPem);
    assert.equal((await d.store.previous())?.serial, onboarded.serial);

    advanceTo(d, renewed.nextAt);
    assert.equal((await d.agent.step()).kind, 'renewed');
    const third = (await d.store.current())!;
    const keys = new Set([onboarded, second, third].map((g) => loadCredential(g, 'g').key.spki.join()));
    assert.equal(keys.size, 3, 'a new key every time');
    const subjects = new Set([onboarded, second, third].map((g) => loadCredential(g, 'g').leaf.subjectText));
    assert.deepEqual([...subjects], ['serialNumber=SN-77,CN=sensor']);
  });

  test('the renewal time is drawn once per certificate and survives a restart', async () => {
    let draws = 0;
    const values = [0.9, 0.1, 0.3, 0.7];
    const d = device({ random: () => values[draws++ % values.length]! });
    const onboarded = await d.agent.step();
    assert.equal(onboarded.kind, 'onboarded');
    const drawsAfterOnboarding = draws;
    // A reboot: another draw would move the time; the stored one is used.
    const again = await d.restart().step();
    assert.deepEqual(again, { kind: 'not-due', nextAt: onboarded.nextAt });
    assert.equal(draws, drawsAfterOnboarding);
    const state = await d.store.readState();
    assert.equal(state.renewal?.serial, await currentSerial(d.store));
    assert.equal(state.renewal?.renewAt, onboarded.nextAt.toISOString());
  });

  test('jitter spreads devices over [windowStart, windowStart + jitterFraction × rest]', async () => {
    for (const [draw, day] of [
      [0, 20],
      [0.999999, 22.5],
    ] as const) {
      const d = device({ random: () => draw });
      const outcome = await d.agent.step();
      assert.ok(Math.abs(outcome.nextAt.getTime() - (START.getTime() + day * DAY_MS)) < 1000, `draw ${draw}`);
    }
    const d = device({ random: () => 0.5, config: { jitterFraction: 0 } });
    assert.equal((await d.agent.step()).nextAt.getTime(), START.getTime() + 20 * DAY_MS);
  });

  test('a 202 is pending: the identical request is sent again after Retry-After', async () => {
    const d = device();
    d.server.next = () => ({ status: 'pending', retryAfterSeconds: 120 });
    const pending = await d.agent.step();
    assert.deepEqual(pending, { kind: 'pending', nextAt: new Date(START.getTime() + 120_000) });
    d.advance(60_000);
    assert.equal((await d.agent.step()).kind, 'not-due', 'before Retry-After');
    d.advance(60_000);
    assert.equal((await d.agent.step()).kind, 'onboarded');
    assert.equal(d.server.csrs.length, 2);
    assert.ok(bytesEqual(d.server.csrs[0]!, d.server.csrs[1]!), 'the same CSR, the same key');
  });

  test('a failing hook is logged and the new pair stays', async () => {
    const d = device({ hook: () => Promise.reject(new Error('systemctl restart mosquitto: exit 1')) });
    const outcome = await d.agent.step();
    assert.equal(outcome.kind, 'onboarded');
    assert.ok(await d.store.current());
    assert.ok(d.logs.some((l) => l.event === 'agent.hook.failed' && /exit 1/.test(l.message)));
  });

  test('an expired certificate (by server time) is replaced by onboarding again with the IDevID', async () => {
    const d = device();
    await d.agent.step();
    d.server.down = true;
    d.advance(31 * DAY_MS);
    d.server.down = false;
    const outcome = await d.agent.step();
    assert.equal(outcome.kind, 'onboarded');
    assert.equal(d.server.calls.at(-1), 'simpleenroll');
  });
});

describe('DeviceAgent: failures keep the working pair', () => {
  test('unreachable: exponential backoff with spread, capped, reset by a success', async () => {
    const d = device({ config: { backoff: { initialSeconds: 30, maxSeconds: 600 } } });
    d.server.down = true;
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const outcome = await d.agent.step();
      assert.equal(outcome.kind, 'failed');
      if (outcome.kind !== 'failed') return;
      assert.equal(outcome.cause, 'unreachable');
      assert.equal(outcome.consecutiveFailures, i + 1);
      waits.push((outcome.nextAt.getTime() - d.deviceClock.now().getTime()) / 1000);
      // Called early, the agent keeps to its backoff instead of hammering the server.
      assert.equal((await d.agent.step()).kind, 'not-due');
      advanceTo(d, outcome.nextAt);
    }
    assert.deepEqual(waits, [30, 60, 120, 240, 480, 600, 600]);
    d.server.down = false;
    assert.equal((await d.agent.step()).kind, 'onboarded');
    assert.equal((await d.store.readState()).consecutiveFailures, 0);
  });

  test('near expiry retries come at most a quarter of the remaining time apart', async () => {
    const d = device();
    const onboarded = await d.agent.step();
    // 29.9 days in, the server down: about 2.4 h left.
    d.advance(29.9 * DAY_MS);
    d.server.down = true;
    const notAfter = parseCertificate((await d.store.current())!.certificatePem).notAfter;
    let outcome = await d.agent.step();
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      assert.equal(outcome.kind, 'failed');
      const left = (notAfter.getTime() - d.serverClock.now().getTime()) / 1000;
      const wait = (outcome.nextAt.getTime() - d.deviceClock.now().getTime()) / 1000;
      assert.ok(wait <= Math.max(left / 4, 5) && wait >= 5, `${wait} s with ${left} s left`);
      waits.push(wait);
      advanceTo(d, outcome.nextAt);
      outcome = await d.agent.step();
    }
    // The backoff would have reached the 3600 s cap; the urgency keeps the waits shrinking instead.
    assert.ok(
      waits.slice(-4).every((w, i, all) => i === 0 || w <= all[i - 1]!),
      waits.join(', '),
    );
    assert.ok(Math.max(...waits) < 3600);
    assert.equal(await currentSerial(d.store), onboarded.kind === 'onboarded' ? onboarded.serial : '');
  });

  test('5xx, 4xx, garbage, wrong key, foreign CA, other subject, a store that did not install: classified, pair kept', async () => {
    const cases: Array<[string, (d: Device) => void, string]> = [
      ['503', (d) => (d.server.next = () => new EstHttpError(503, 'store unavailable', 30)), 'server-error'],
      ['403', (d) => (d.server.next = () => new EstHttpError(403, 'revoked')), 'refused'],
      [
        'truncated body',
        (d) =>
          (d.server.next = () => new PkiError('MALFORMED_INPUT', 'simplereenroll response was cut short')),
        'bad-response',
      ],
      [
        'undecodable certificate',
        (d) =>
          (d.server.next = () => ({ status: 'issued', certificate: new Uint8Array([0x30, 0x03, 1, 2, 3]) })),
        'bad-response',
      ],
      [
        'wrong key',
        (d) =>
          (d.server.next = (csr) => ({
            status: 'issued',
            certificate: d.server.issue(csr, { spkiDer: generateKeyPair('ec-p256').spki }),
          })),
        'wrong-key',
      ],
      [
        'foreign CA',
        (d) =>
          (d.server.next = (csr) => ({
            status: 'issued',
            certificate: d.server.issue(csr, {
              issuer: makeTestCertificate({ subject: 'Fake Issuing CA', ca: true }),
            }),
          })),
        'untrusted-chain',
      ],
      [
        'other subject',
        (d) =>
          (d.server.next = (csr) => ({
            status: 'issued',
            certificate: d.server.issue(csr, {
              subjectDer: encodeName(buildName([{ type: 'CN', value: 'x' }])),
            }),
          })),
        'bad-response',
      ],
    ];
    for (const [name, inject, cause] of cases) {
      const d = device();
      const onboarded = await d.agent.step();
      advanceTo(d, onboarded.nextAt);
      inject(d);
      const outcome = await d.agent.step();
      assert.equal(outcome.kind, 'failed', name);
      assert.equal(outcome.kind === 'failed' ? outcome.cause : '', cause, name);
      const current = (await d.store.current())!;
      assert.equal(current.serial, onboarded.kind === 'onboarded' ? onboarded.serial : '', name);
      loadCredential(current, name);
      // The fault passes; the next attempt renews.
      advanceTo(d, outcome.nextAt);
      assert.equal((await d.agent.step()).kind, 'renewed', name);
    }
  });

  test("the server's Retry-After on a 503 sets the next attempt", async () => {
    const d = device();
    d.server.next = () => new EstHttpError(503, 'busy', 900);
    const outcome = await d.agent.step();
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.nextAt.getTime() - START.getTime(), 900_000);
  });

  test('a store that reports an install it did not make is a storage failure; the old pair stays', async () => {
    class ForgetfulStore extends MemoryCredentialStore {
      installs = 0;
      override install(generation: CredentialGeneration): Promise<void> {
        if (this.installs++ === 0) return super.install(generation);
        return Promise.resolve();
      }
    }
    const d = device({ store: (idevid, anchors) => new ForgetfulStore(idevid, anchors) });
    const onboarded = await d.agent.step();
    advanceTo(d, onboarded.nextAt);
    const outcome = await d.agent.step();
    assert.equal(outcome.kind === 'failed' ? outcome.cause : outcome.kind, 'storage');
    assert.equal(await currentSerial(d.store), onboarded.kind === 'onboarded' ? onboarded.serial : '');
  });

  test('a current pair that no longer loads falls back to the previous pair, which renews', async () => {
    const strangerKeyPem = keyToPem(generateKeyPair('ec-p256'));
    class DamagedStore extends MemoryCredentialStore {
      damaged = false;
      override async current(): Promise<CredentialGeneration | undefined> {
        const pair = await super.current();
        return this.damaged && pair ? { ...pair, keyPem: strangerKeyPem } : pair;
      }
      override restorePrevious(): Promise<void> {
        this.damaged = false;
        return super.restorePrevious();
      }
    }
    const d = device({ store: (idevid, anchors) => new DamagedStore(idevid, anchors) });
    const onboarded = await d.agent.step();
    advanceTo(d, onboarded.nextAt);
    assert.equal((await d.agent.step()).kind, 'renewed');
    (d.store as DamagedStore).damaged = true;
    const outcome = await d.agent.step();
    assert.ok(d.logs.some((l) => l.event === 'agent.credential.unusable'));
    // Back on the onboarded pair, whose renewal time has passed: it renews from there.
    assert.equal(outcome.kind, 'renewed');
    assert.equal((await d.store.previous())?.serial, onboarded.kind === 'onboarded' ? onboarded.serial : '');
  });

  test('no IDevID and no LDevID: no-credential', async () => {
    const d = device({ store: () => new MemoryCredentialStore(undefined, undefined) });
    d.server.calls.length = 0;
    const outcome = await d.agent.step();
    // No anchors either, and no pin: nothing to start from.
    assert.equal(outcome.kind === 'failed' ? outcome.cause : outcome.kind, 'no-credential');
  });

  test('a programming error in the transport is not swallowed', async () => {
    const d = device();
    d.server.next = () => new TypeError('csr.subarray is not a function');
    await assert.rejects(d.agent.step(), TypeError);
  });
});

describe('DeviceAgent: clock skew', () => {
  test('a 1970 clock: onboards, says so once, renews once at the right time, never loops', async () => {
    const d = device({ deviceStart: new Date('1970-01-01T00:00:00Z') });
    const onboarded = await d.agent.step();
    assert.equal(onboarded.kind, 'onboarded');
    // Scheduled on the device clock: 21.25 days after its 1970 "now".
    assert.equal(onboarded.nextAt.toISOString(), new Date(21.25 * DAY_MS).toISOString());
    for (let i = 0; i < 5; i++) {
      d.advance(DAY_MS);
      assert.equal((await d.agent.step()).kind, 'not-due');
    }
    advanceTo(d, onboarded.nextAt);
    const renewed = await d.agent.step();
    assert.equal(renewed.kind, 'renewed');
    for (let i = 0; i < 5; i++) assert.equal((await d.agent.step()).kind, 'not-due');
    assert.equal(d.server.calls.filter((c) => c === 'simplereenroll').length, 1);
    assert.equal(d.logs.filter((l) => l.event === 'agent.clock.wrong').length, 1);
    assert.match(
      d.logs.find((l) => l.event === 'agent.clock.wrong')!.message,
      /60\.2 years behind the server/,
    );
  });

  test('a clock reset to 1970 after onboarding: the certificate is kept and the time asked for first', async () => {
    const d = device();
    const onboarded = await d.agent.step();
    d.advance(DAY_MS);
    d.deviceClock.set('1970-01-01T00:00:00Z');
    d.server.calls.length = 0;
    const outcome = await d.agent.step();
    assert.equal(outcome.kind, 'not-due');
    assert.deepEqual(d.server.calls, ['cacerts']);
    assert.equal(await currentSerial(d.store), onboarded.kind === 'onboarded' ? onboarded.serial : '');
    // Due in 20.25 days by the server; so by the device clock too.
    assert.equal(outcome.nextAt.toISOString(), new Date(20.25 * DAY_MS).toISOString());
  });

  test('three hours behind: the certificate is "not yet valid" locally; schedule by server time, no renewal', async () => {
    const d = device({ deviceStart: new Date(START.getTime() - 3 * 3_600_000) });
    const onboarded = await d.agent.step();
    assert.equal(onboarded.kind, 'onboarded');
    // Server time 21.25 days after START, expressed on the device clock.
    assert.equal(onboarded.nextAt.getTime(), START.getTime() + 21.25 * DAY_MS - 3 * 3_600_000);
    for (let i = 0; i < 3; i++) assert.equal((await d.agent.step()).kind, 'not-due');
    assert.equal(d.logs.filter((l) => l.event === 'agent.clock.wrong').length, 1);
  });

  test('two days ahead: it does not renew two days early', async () => {
    const d = device({ deviceStart: new Date(START.getTime() + 2 * DAY_MS) });
    const onboarded = await d.agent.step();
    assert.equal(onboarded.nextAt.getTime(), START.getTime() + 23.25 * DAY_MS);
    // At 21.25 device days the server is at 19.25: not due.
    d.advance(19.25 * DAY_MS);
    assert.equal((await d.agent.step()).kind, 'not-due');
  });

  test('a skew of half a minute is ignored', async () => {
    const d = device({ deviceStart: new Date(START.getTime() + 30_000) });
    const onboarded = await d.agent.step();
    assert.equal(onboarded.nextAt.getTime(), START.getTime() + 21.25 * DAY_MS);
    assert.equal(d.logs.filter((l) => l.event === 'agent.clock.wrong').length, 0);
    assert.equal((await d.store.readState()).clockOffsetMs, -30_000);
  });
});

describe('DeviceAgent: trust anchors', () => {
  test('bootstrap by pinned root fingerprint; a wrong pin is untrusted-chain', async () => {
    const mispinned = device({ anchors: 'none', config: { pinnedRootSha256: 'aa'.repeat(32) } });
    const wrong = await mispinned.agent.step();
    assert.equal(wrong.kind === 'failed' ? wrong.cause : wrong.kind, 'untrusted-chain');
    assert.equal(await mispinned.store.trustAnchorsPem(), undefined);

    // Each fake server makes its own root: pin this one's.

    const pinned = device({ anchors: 'none' });
    const agent = new DeviceAgent({
      config: {
        estUrl: 'https://est.example/.well-known/est',
        pinnedRootSha256: pinned.server.root.cert.fingerprintSha256,
      },
      store: pinned.store,
      est: pinned.server,
      clock: pinned.deviceClock,
      log: () => undefined,
    });
    assert.equal((await agent.step()).kind, 'onboarded');
    assert.equal(await pinned.store.trustAnchorsPem(), pinned.server.anchorsPem);
  });

  test('rollover: a new root certified by the old one is added; an unrelated root is ignored and logged once', async () => {
    const d = device({ config: { trustRefreshSeconds: DAY_S } });
    await d.agent.step();
    const newKey = generateKeyPair('ec-p256');
    const newWithNew = makeTestCertificate({ subject: 'Fake Root G2', key: newKey, ca: true });
    const newWithOld = makeTestCertificate({
      subject: 'Fake Root G2',
      key: newKey,
      ca: true,
      issuer: d.server.root,
    });
    const stranger = makeTestCertificate({ subject: 'Evil Root', ca: true });
    d.server.extraCaCertificates = [newWithOld.cert.der, newWithNew.cert.der, stranger.cert.der];
    d.advance(DAY_MS + 1000);
    await d.agent.step();
    assert.equal(
      await d.store.trustAnchorsPem(),
      d.server.anchorsPem + encodePem('CERTIFICATE', newWithNew.cert.der),
    );
    d.advance(DAY_MS + 1000);
    await d.agent.step();
    assert.equal(d.logs.filter((l) => l.event === 'agent.trust.anchor-added').length, 1);
    assert.equal(d.logs.filter((l) => l.event === 'agent.trust.root-ignored').length, 1);
    assert.equal(d.server.calls.filter((c) => c === 'cacerts').length, 3);
  });
});

/** An ACME server's renewalInfo in a box: `answer` decides each reply; every question is kept. */
class ScriptedRenewalInfo implements RenewalInfoSource {
  readonly asked: Array<{ readonly serial: string; readonly call: RenewalInfoCall }> = [];

  constructor(public answer: () => AcmeRenewalInfo | Error) {}

  renewalInfo(certificateDer: Uint8Array, call: RenewalInfoCall): Promise<AcmeRenewalInfo> {
    this.asked.push({ serial: parseCertificate(certificateDer).serial, call });
    const answer = this.answer();
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }
}

const HOUR_MS = 3_600_000;
const ACME_DIRECTORY = 'https://pki.example/acme/directory';
const suggesting = (start: Date, end: Date, retryAfterSeconds = 6 * 3600): AcmeRenewalInfo => ({
  suggestedWindow: { start, end },
  retryAfterSeconds,
});

describe('DeviceAgent: ACME renewal information (RFC 9773)', () => {
  test('asks about each new LDevID, again after Retry-After, and renews at once when the window is pulled forward', async () => {
    const ari = new ScriptedRenewalInfo(() =>
      suggesting(new Date(START.getTime() + 20 * DAY_MS), new Date(START.getTime() + 25 * DAY_MS)),
    );
    const d = device({ config: { acmeDirectoryUrl: ACME_DIRECTORY }, renewalInfo: ari });
    const onboarded = await d.agent.step();
    assert.equal(onboarded.kind, 'onboarded');
    assert.equal(ari.asked.length, 0);
    // No answer about the new certificate yet: the daemon comes back at once to ask.
    assert.equal(onboarded.nextAt.getTime(), START.getTime());

    const checked = await d.agent.step();
    assert.equal(checked.kind, 'not-due');
    const first = (await d.store.current())!;
    assert.equal(ari.asked[0]?.serial, first.serial);
    assert.equal(ari.asked[0]?.call.trustPem, d.server.anchorsPem);
    // Draw 0.5 in day 20 … 25 (not the local day 21.25); the next wake is the check after Retry-After.
    const state = await d.store.readState();
    assert.equal(state.renewal?.renewAt, new Date(START.getTime() + 22.5 * DAY_MS).toISOString());
    assert.equal(state.renewalInfo?.serial, first.serial);
    assert.equal(checked.nextAt.getTime(), START.getTime() + 6 * HOUR_MS);
    assert.equal(d.logs.filter((l) => l.event === 'agent.renewal-info.window').length, 1);

    d.advance(3 * HOUR_MS);
    assert.equal((await d.agent.step()).kind, 'not-due');
    assert.equal(ari.asked.length, 1, 'not asked again before Retry-After');

    ari.answer = () => suggesting(new Date(d.serverClock.now().getTime() - HOUR_MS), d.serverClock.now());
    d.advance(3 * HOUR_MS);
    const renewed = await d.agent.step();
    assert.equal(renewed.kind, 'renewed');
    assert.equal(ari.asked.length, 2);
    assert.equal(d.server.calls.at(-1), 'simplereenroll');
    const second = (await d.store.current())!;
    assert.notEqual(second.serial, first.serial);

    // The window kept is the old certificate's: the new one is scheduled without it, then asked about.
    const afterRenewal = await d.store.readState();
    assert.equal(afterRenewal.renewalInfo?.serial, first.serial);
    assert.equal(afterRenewal.renewal?.serial, second.serial);
    assert.equal(
      afterRenewal.renewal?.renewAt,
      new Date(d.serverClock.now().getTime() + 21.25 * DAY_MS).toISOString(),
    );
    assert.equal(renewed.nextAt.getTime(), d.deviceClock.now().getTime());
    ari.answer = () =>
      suggesting(
        new Date(d.serverClock.now().getTime() + 20 * DAY_MS),
        new Date(d.serverClock.now().getTime() + 25 * DAY_MS),
      );
    assert.equal((await d.agent.step()).kind, 'not-due');
    assert.equal(ari.asked[2]?.serial, second.serial);
    assert.equal(d.server.calls.filter((c) => c === 'simplereenroll').length, 1);
  });

  test('a failing check is logged, backs off, never fails the step, and the local schedule renews', async () => {
    const ari = new ScriptedRenewalInfo(
      () => new PkiError('UNAVAILABLE', 'cannot reach pki.example: ECONNREFUSED'),
    );
    const d = device({ config: { acmeDirectoryUrl: ACME_DIRECTORY }, renewalInfo: ari });
    await d.agent.step();
    const checked = await d.agent.step();
    assert.equal(checked.kind, 'not-due');
    assert.equal((await d.store.readState()).consecutiveFailures, 0);
    const failed = d.logs.filter((l) => l.event === 'agent.renewal-info.failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.message, /ECONNREFUSED/);
    // Backoff 30 s (draw 0.5), raised to the one-minute floor of RFC 9773 §4.3.2.
    assert.equal(checked.nextAt.getTime(), START.getTime() + 60_000);

    d.advance(30_000);
    await d.agent.step();
    assert.equal(ari.asked.length, 1, 'not asked again during the backoff');
    d.advance(30_000);
    await d.agent.step();
    assert.equal(ari.asked.length, 2);

    // A refusal with Retry-After sets the next check.
    ari.answer = () =>
      new AcmeClientError({
        status: 503,
        type: 'urn:ietf:params:acme:error:serverInternal',
        detail: 'busy',
        retryAfterSeconds: 7200,
      });
    d.advance(10 * 60_000);
    const refused = await d.agent.step();
    assert.equal(ari.asked.length, 3);
    assert.equal(refused.nextAt.getTime(), d.deviceClock.now().getTime() + 7200_000);

    ari.answer = () => new PkiError('UNAVAILABLE', 'still down');
    advanceTo(d, new Date(START.getTime() + 21.25 * DAY_MS));
    const renewed = await d.agent.step();
    assert.equal(renewed.kind, 'renewed', JSON.stringify(renewed));
    assert.equal((await d.store.readState()).renewalInfo, undefined);
  });

  test('without acmeDirectoryUrl the source is never asked', async () => {
    const ari = new ScriptedRenewalInfo(() => assert.fail('asked'));
    const d = device({ renewalInfo: ari });
    const onboarded = await d.agent.step();
    assert.equal(onboarded.nextAt.getTime(), START.getTime() + 21.25 * DAY_MS);
    assert.equal((await d.agent.step()).kind, 'not-due');
    assert.equal(ari.asked.length, 0);
  });
});
