import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodePem } from '../../src/pki/pem.js';
import {
  credentialFrom,
  csr,
  type ClientCredential,
  type EstTestServer,
  startEstServer,
} from '../helpers/est-server.js';
import { writeBrokerPki, writePair as writeFilePair } from '../helpers/broker-pki.js';
import { type MosquittoBroker, startMosquitto } from '../helpers/mosquitto.js';
import { run, start } from '../helpers/run.js';

/**
 * An MQTT broker (real Mosquitto) that admits devices by their operational certificate: it trusts the operational
 * CA and the root, requires a client certificate and takes its CN as the user name. A device onboarded through EST
 * (IDevID → simpleenroll → LDevID) publishes and subscribes with the LDevID; its factory IDevID is refused.
 */
describe('EST-enrolled devices on Mosquitto', () => {
  let est: EstTestServer;
  let dir: string;
  let broker: MosquittoBroker;
  const file = (name: string) => join(dir, name);

  before(async () => {
    est = await startEstServer();
    dir = await mkdtemp(join(tmpdir(), 'certfleet-mosquitto-'));
    const { tls, operationalChain } = await writeBrokerPki(est, dir);

    const idevid = await est.issue('idevid', 'serialNumber=SN-88,CN=sensor');
    // The IDevID as the factory left it on the device: the certificate alone.
    await writePair('idevid', encodePem('CERTIFICATE', idevid.certificate), idevid);
    await writePair('idevid-chain', idevid.certificatePem, idevid);

    const request = csr('CN=sensor');
    const enrolled = await est.client({ as: idevid }).simpleenroll(request.der);
    if (enrolled.status !== 'issued') throw new Error(`onboarding: ${enrolled.status}`);
    const ldevid = credentialFrom(request.key, enrolled.certificate, [operationalChain[0]!]);
    await writePair('ldevid', ldevid.certificatePem, ldevid);

    broker = await startMosquitto(dir, tls);
  });
  after(async () => {
    await broker?.stop();
    await est?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const writePair = (name: string, certificatePem: string, credential: ClientCredential) =>
    writeFilePair(dir, name, certificatePem, credential.keyPem);

  /** mosquitto_pub/_sub options for a TLS connection to the broker as `<as>.pem`/`<as>.key`. */
  const connection = (as: string) => [
    '-h',
    '127.0.0.1',
    '-p',
    String(broker.port),
    '--cafile',
    file('root.pem'),
    '--cert',
    file(`${as}.pem`),
    '--key',
    file(`${as}.key`),
    '--tls-version',
    'tlsv1.2',
    '-d',
  ];

  test('the LDevID publishes, and a subscriber with the LDevID receives the message', async () => {
    const subscriber = start('mosquitto_sub', [...connection('ldevid'), '-t', 'test', '-C', '1', '-W', '10']);
    // mosquitto_sub's stdout is block-buffered in a pipe; the broker's log says when the subscription is in place.
    await until(() => /: \S+ 0 test$/m.test(broker.log()), subscriber.exited);

    const published = await run('mosquitto_pub', [...connection('ldevid'), '-t', 'test', '-m', 'hello']);
    assert.equal(published.code, 0, `${published.stdout}${published.stderr}\n${broker.log()}`);
    assert.match(published.stdout, /received CONNACK \(0\)/);

    const received = await subscriber.exited;
    assert.equal(received.code, 0, `${received.stdout}${received.stderr}\n${broker.log()}`);
    assert.match(received.stdout, /^hello$/m);
    assert.match(broker.log(), /New client connected from 127\.0\.0\.1:\d+ as \S+ \(.*u'sensor'\)/);
  });

  test('the IDevID alone is refused in the TLS handshake', async () => {
    const logged = broker.log().length;
    const refused = await run('mosquitto_pub', [...connection('idevid'), '-t', 'test', '-m', 'not me']);
    assert.notEqual(refused.code, 0);
    // mosquitto_pub words it by timing: the alert (with -d on stdout) and "connection lost", or "Protocol error".
    assert.match(
      `${refused.stdout}${refused.stderr}`,
      /alert unknown ca|The connection was lost|Protocol error/,
      refused.stdout + refused.stderr,
    );
    // The broker's side is deterministic: OpenSSL could not chain the IDevID to its cafile.
    await until(() => broker.log().slice(logged).includes('certificate verify failed'));
  });

  test('an IDevID sent with its factory CA is refused too: its key usage does not allow TLS client use', async () => {
    // The factory and operational CAs share the root the broker trusts, so the chain itself would verify; the
    // IDevID's extended key usage (device birth, not clientAuth) is what OpenSSL refuses.
    const logged = broker.log().length;
    const r = await run('mosquitto_pub', [...connection('idevid-chain'), '-t', 'test', '-m', 'not me']);
    assert.notEqual(r.code, 0, `${r.stdout}${r.stderr}`);
    await until(() =>
      /unsupported certificate purpose|certificate verify failed/.test(broker.log().slice(logged)),
    );
  });
});

/** Polls `condition` every 50 ms for up to 10 s; fails early if `exited` settles first (the command gave up). */
async function until(condition: () => boolean, exited?: Promise<unknown>): Promise<void> {
  let done = false;
  const stop = () => (done = true);
  exited?.then(stop, stop);
  for (let waited = 0; !condition(); waited += 50) {
    if (done || waited > 10_000) throw new Error('the expected output did not appear');
    await sleep(50);
  }
}
