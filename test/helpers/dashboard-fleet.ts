import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperatorTokens } from '../../src/api/operator-tokens.js';
import { systemClock } from '../../src/core/clock.js';
import { type DeviceId, type SerialHex, toDeviceId, toIssuerId } from '../../src/core/ids.js';
import { EstClient, EstHttpError } from '../../src/protocols/est/client/est-client.js';
import type { Credential } from '../../src/ra/provisioner.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import type { DeviceChange } from '../../src/store/enrollment-recorder.js';
import type { FleetState } from '../../src/store/fleet-reader.js';
import { type ClientCredential, credentialFrom, csr } from './est-server.js';
import { freePort } from './free-port.js';
import { testConfig } from './test-deployment.js';

const DAY_MS = 86_400_000;
const SEEDER: Credential = { kind: 'operator', name: 'dashboard-seed' };
const FACTORY = toIssuerId('factory')!;
const OPERATIONAL = toIssuerId('operational')!;
const PRODUCT_LINES = ['gw-2', 'sensor-1'] as const;

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A certfleet server seeded with a small fleet in every state, for the dashboard's browser tests. */
export interface DashboardFleet {
  readonly server: RunningServer;
  /** `https://127.0.0.1:<port>`: the dashboard is at `/`, the API at `/api/v1`. */
  readonly url: string;
  /** The HTTPS listener's certificate (PEM), for a browser that pins it. */
  readonly listenerCertificatePem: string;
  /** API tokens, by scope. */
  readonly tokens: { readonly admin: string; readonly read: string };
  /** The device ids seeded into each state (as judged now under the default policy). */
  readonly seeded: Readonly<Record<FleetState, readonly string[]>>;
  /** Calls the admin API over HTTPS (trusting the development root) with the admin token unless told. */
  api(
    path: string,
    options?: { method?: string; body?: unknown; token?: 'admin' | 'read' },
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface DashboardFleetOptions {
  /** Extra top-level configuration (e.g. where the dashboard's build is). */
  readonly config?: Record<string, unknown>;
  /**
   * Devices made at the factory that have not onboarded yet (`SN-9001`…, provisioned, recorded through the
   * store): enough of them make the device list longer than a page.
   */
  readonly factoryStock?: number;
}

/**
 * Starts the real server (HTTPS on a loopback port, SQLite in a temporary folder, the development PKI) and
 * seeds it as a fleet would have: devices onboarded for real over EST with their IDevIDs (mTLS), renewals
 * refused for real, devices revoked and decommissioned through the RA, certificates issued by an operator
 * with various lifetimes, and through the store the devices whose past the test cannot wait for (expired,
 * renewal due, overdue). Then two monitored endpoints (one that answers, one that does not), each probed
 * once, two alert rules, and an admin and a read API token.
 *
 * Device ids: SN-10xx onboarded over EST, SN-11xx issued by an operator (all healthy), SN-2xxx at risk,
 * SN-3xxx renewal due, SN-4xxx expired, SN-5xxx revoked, SN-6xxx decommissioned, SN-7xxx and SN-9xxx
 * provisioned.
 */
export async function startDashboardFleet(options: DashboardFleetOptions = {}): Promise<DashboardFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-dashboard-'));
  let server: RunningServer | undefined;
  try {
    const config = testConfig(dir, { log: { level: 'silent' }, ...options.config });
    server = await serve(config, systemClock, {}, () => undefined);
    const rootPem = await readFile(join(dir, 'offline-root', 'root.cert.pem'), 'utf8');
    const listenerCertificatePem = await readFile(config.server.tls.certFile, 'utf8');
    const tokens = await createTokens(server);
    const api: DashboardFleet['api'] = (path, call = {}) =>
      httpsJson(`${server!.url}${path}`, {
        ca: rootPem,
        token: tokens[call.token ?? 'admin'],
        ...(call.method === undefined ? {} : { method: call.method }),
        ...(call.body === undefined ? {} : { body: call.body }),
      });
    const seeded = await seedFleet(server, rootPem, options.factoryStock ?? 0);
    await seedMonitoring(server, api);
    const running = server;
    return {
      server,
      url: server.url,
      listenerCertificatePem,
      tokens,
      seeded,
      api,
      async close() {
        await running.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function createTokens(server: RunningServer): Promise<{ admin: string; read: string }> {
  const { store } = server.runtime;
  const tokens = new OperatorTokens({ tokens: store.apiTokens, audit: store.audit, clock: systemClock });
  const create = async (name: string, scope: 'admin' | 'read') =>
    (await tokens.create('operator:cli', { name, scope, lifetimeSeconds: null })).token;
  return { admin: await create('dashboard-admin', 'admin'), read: await create('dashboard-viewer', 'read') };
}

async function seedFleet(
  server: RunningServer,
  rootPem: string,
  factoryStock: number,
): Promise<Record<FleetState, string[]>> {
  const { runtime } = server;
  const { store, ra, revocations } = runtime;
  const operational = runtime.issuers.get(OPERATIONAL)!.certificate.der;
  const est = (as: ClientCredential) =>
    new EstClient({
      baseUrl: `${server.url}/.well-known/est`,
      serverTrust: rootPem,
      clientCertificate: { certificatePem: as.certificatePem, keyPem: as.keyPem },
    });
  const seeded: Record<FleetState, string[]> = {
    provisioned: [],
    healthy: [],
    renewal_due: [],
    at_risk: [],
    expired: [],
    revoked: [],
    decommissioned: [],
  };
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => `SN-${from + i}`);

  /** A birth certificate from the factory CA, recorded with the device's product line. */
  const provision = async (id: string, index: number): Promise<ClientCredential> => {
    const request = csr(`serialNumber=${id},CN=device ${id},O=Acme`);
    const issued = await ra.requestCertificate(SEEDER, {
      csr: request.der,
      profile: 'idevid',
      deviceId: id,
      protocol: 'test',
      operation: 'issue',
    });
    await store.devices.recordIdevid(
      deviceIdOf(id),
      { issuerId: issued.issuerId, serial: issued.serial, productLine: productLineOf(index) },
      systemClock.now(),
    );
    return credentialFrom(request.key, issued);
  };
  /** Provisioned, then onboarded over EST with its IDevID; answers its new LDevID credential. */
  const onboard = async (id: string, index: number): Promise<ClientCredential> => {
    const idevid = await provision(id, index);
    const request = csr(`CN=device ${id}`);
    const answer = await est(idevid).simpleenroll(request.der);
    if (answer.status !== 'issued') throw new Error(`${id}: onboarding was not issued (${answer.status})`);
    return credentialFrom(request.key, answer.certificate, [operational]);
  };
  const inBatches = async (ids: readonly string[], each: (id: string, index: number) => Promise<unknown>) => {
    for (let i = 0; i < ids.length; i += 4) {
      await Promise.all(ids.slice(i, i + 4).map((id, j) => each(id, i + j)));
    }
  };

  // Healthy: onboarded over EST (30-day LDevIDs), and issued by an operator with longer lifetimes, so the
  // expiry timeline has more than one bar.
  seeded.healthy.push(...range(1001, 12));
  await inBatches(range(1001, 12), onboard);
  const lifetimesDays = [40, 47, 54, 61, 68, 75, 82, 89];
  seeded.healthy.push(...range(1101, lifetimesDays.length));
  await inBatches(range(1101, lifetimesDays.length), async (id, index) => {
    await ra.requestCertificate(SEEDER, {
      csr: csr(`CN=device ${id}`).der,
      profile: 'ldevid',
      deviceId: id,
      validitySeconds: (lifetimesDays[index] ?? 30) * 86_400,
      protocol: 'cli',
      operation: 'issue',
    });
  });

  // At risk, for real: renewals refused three times in a row (the failure threshold), for two causes.
  const refusedRenewals: Array<{ id: string; subject: (id: string) => string; reuseKey: boolean }> = [
    { id: 'SN-2001', subject: (id) => `CN=device ${id}`, reuseKey: true },
    { id: 'SN-2002', subject: () => 'CN=someone else', reuseKey: false },
  ];
  for (const [index, renewal] of refusedRenewals.entries()) {
    const current = await onboard(renewal.id, index);
    for (let attempt = 0; attempt < 3; attempt++) {
      const request = csr(renewal.subject(renewal.id), renewal.reuseKey ? current.key : undefined);
      const refused = await est(current)
        .simplereenroll(request.der)
        .then(
          () => false,
          (error: unknown) => error instanceof EstHttpError && error.status === 403,
        );
      if (!refused) throw new Error(`${renewal.id}: the renewal was expected to be refused`);
    }
    seeded.at_risk.push(renewal.id);
  }

  // Revoked (by device, through the RA) and decommissioned, after onboarding for real.
  for (const id of ['SN-5001', 'SN-5002']) {
    await onboard(id, 0);
    await revocations.revoke(SEEDER, { kind: 'device', deviceId: deviceIdOf(id) }, 'keyCompromise');
    seeded.revoked.push(id);
  }
  await onboard('SN-6001', 1);
  await revocations.decommission(SEEDER, deviceIdOf('SN-6001'));
  seeded.decommissioned.push('SN-6001');

  // Provisioned: a birth certificate, never onboarded.
  await inBatches(range(7001, 3), provision);
  seeded.provisioned.push(...range(7001, 3));

  // What a test cannot wait for, recorded as the server would have, relative to now: an LDevID of 30 days
  // issued 21 days ago (renewal due), 26 days ago (overdue: at risk), 40 days ago (expired).
  const now = systemClock.now().getTime();
  const past = async (id: string, index: number, issuedDaysAgo: number) => {
    await store.devices.recordIdevid(
      deviceIdOf(id),
      { issuerId: FACTORY, serial: fakeSerial(id, 'a'), productLine: productLineOf(index) },
      new Date(now - (issuedDaysAgo + 1) * DAY_MS),
    );
    const change: DeviceChange = {
      kind: 'ldevid',
      issuerId: OPERATIONAL,
      serial: fakeSerial(id, 'b'),
      notAfter: new Date(now + (30 - issuedDaysAgo) * DAY_MS),
      renewAt: new Date(now + (20 - issuedDaysAgo) * DAY_MS),
    };
    await store.enrollmentRecorder.record([
      {
        event: {
          at: new Date(now - issuedDaysAgo * DAY_MS),
          deviceId: deviceIdOf(id),
          protocol: 'est',
          operation: 'simpleenroll',
          profile: 'ldevid',
          issuerId: OPERATIONAL,
          outcome: 'issued',
          reasonCode: null,
          reason: null,
          requester: `device:${id}`,
          certificateSerial: change.serial,
        },
        device: { id: deviceIdOf(id), change },
      },
    ]);
  };
  for (const [state, ids, daysAgo] of [
    ['renewal_due', range(3001, 2), 21],
    ['at_risk', range(2003, 1), 26],
    ['expired', range(4001, 2), 40],
  ] as const) {
    for (const [index, id] of ids.entries()) await past(id, index, daysAgo);
    seeded[state].push(...ids);
  }

  // The factory's stock: provisioned, recorded as the factory station's enrollments would have.
  const stock = range(9001, factoryStock);
  for (const [index, id] of stock.entries()) {
    await store.devices.recordIdevid(
      deviceIdOf(id),
      { issuerId: FACTORY, serial: fakeSerial(id, 'c'), productLine: productLineOf(index) },
      new Date(now - DAY_MS),
    );
  }
  seeded.provisioned.push(...stock);
  return seeded;
}

/** Two monitored endpoints, each probed once (the listener itself, and a port nothing answers on), and two rules. */
async function seedMonitoring(server: RunningServer, api: DashboardFleet['api']): Promise<void> {
  const closedPort = await freePort();
  const calls: Array<{ path: string; body?: unknown; status: number }> = [
    {
      path: '/api/v1/endpoints',
      body: {
        name: 'certfleet-api',
        host: '127.0.0.1',
        port: server.port,
        sni: 'localhost',
        protocol: 'https',
      },
      status: 201,
    },
    {
      path: '/api/v1/endpoints',
      body: { name: 'broker-offline', host: '127.0.0.1', port: closedPort, protocol: 'mqtts' },
      status: 201,
    },
    { path: '/api/v1/endpoints/certfleet-api/probe', status: 200 },
    { path: '/api/v1/endpoints/broker-offline/probe', status: 200 },
    {
      path: '/api/v1/alert-rules',
      body: { name: 'tls-expiry-30d', condition: { kind: 'expiry', thresholdsDays: [30, 7] } },
      status: 201,
    },
    {
      path: '/api/v1/alert-rules',
      body: { name: 'fleet-at-risk-above-2', condition: { kind: 'fleet-at-risk', aboveCount: 2 } },
      status: 201,
    },
  ];
  for (const call of calls) {
    const response = await api(call.path, {
      method: 'POST',
      ...(call.body === undefined ? {} : { body: call.body }),
    });
    if (response.status !== call.status) {
      throw new Error(`POST ${call.path}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  }
}

function deviceIdOf(text: string): DeviceId {
  const id = toDeviceId(text);
  if (id === undefined) throw new Error(`'${text}' is not a device id`);
  return id;
}

function productLineOf(index: number): string {
  return PRODUCT_LINES[index % PRODUCT_LINES.length] ?? 'gw-2';
}

/** A serial no real certificate has (the CA's are random 16 bytes): the digits of the id, and a tag. */
function fakeSerial(id: string, tag: string): SerialHex {
  return `${tag}0${id.replace(/\D/g, '')}` as SerialHex;
}

/** One JSON request over HTTPS, trusting `ca`; answers the status and the parsed body (null when empty). */
function httpsJson(
  url: string,
  options: { ca: string; token: string; method?: string; body?: unknown },
): Promise<ApiResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const call = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
          } catch (error) {
            reject(new Error(`${url}: not JSON: ${text.slice(0, 200)}`, { cause: error }));
          }
        });
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}
