import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { parseCrl } from '../../src/pki/crl.js';
import { encodePem } from '../../src/pki/pem.js';
import {
  credentialFrom,
  csr,
  type ClientCredential,
  type EstTestServer,
  startEstServer,
} from '../helpers/est-server.js';
import { writeBrokerPki, writePair as writeFilePair } from '../helpers/broker-pki.js';
import { type BrokerTls, type MosquittoBroker, startMosquitto } from '../helpers/mosquitto.js';
import { openssl } from '../helpers/openssl.js';
import { run } from '../helpers/run.js';

const OPERATIONAL = 'operational' as IssuerId;

/**
 * A real Mosquitto broker that checks client certificates against the operational issuer's CRL, fetched from the
 * server's public listener (`crlfile`, PEM). Two devices onboard through EST (IDevID → simpleenroll → LDevID) and
 * publish; an operator revokes one LDevID; the republished CRL is fetched and the broker restarted with it; the
 * revoked device is then refused in the TLS handshake, and the other one still publishes (so the new CRL is
 * sound and the refusal is the revocation). The tests run in order.
 */
describe('revocation on Mosquitto (crlfile)', () => {
  let est: EstTestServer;
  let dir: string;
  let broker: MosquittoBroker;
  let brokerTls: BrokerTls;
  let revokedSerial: SerialHex;
  let firstCrlNumber: number;
  const file = (name: string) => join(dir, name);

  before(async () => {
    est = await startEstServer();
    dir = await mkdtemp(join(tmpdir(), 'certfleet-revocation-mosquitto-'));
    const { tls, operationalChain } = await writeBrokerPki(est, dir);

    async function onboard(name: string, serialNumber: string): Promise<SerialHex> {
      const idevid = await est.issue('idevid', `serialNumber=${serialNumber},CN=${name}`);
      const request = csr(`CN=${name}`);
      const enrolled = await est.client({ as: idevid }).simpleenroll(request.der);
      if (enrolled.status !== 'issued') throw new Error(`onboarding ${name}: ${enrolled.status}`);
      await writePair(name, credentialFrom(request.key, enrolled.certificate, [operationalChain[0]!]));
      const ldevid = parseCertificate(enrolled.certificate);
      assert.equal(ldevid.issuerText, parseCertificate(operationalChain[0]!).subjectText);
      return ldevid.serial;
    }
    revokedSerial = await onboard('sensor-1', 'SN-1');
    await onboard('sensor-2', 'SN-2');

    firstCrlNumber = await fetchCrl();
    brokerTls = { ...tls, crlfile: file('operational.crl.pem') };
    broker = await startMosquitto(dir, brokerTls);
  });
  after(async () => {
    await broker?.stop();
    await est?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const writePair = (name: string, credential: ClientCredential) =>
    writeFilePair(dir, name, credential.certificatePem, credential.keyPem);

  /**
   * Fetches the operational issuer's CRL from the public listener (the URL in the LDevIDs' CDP), checks it with
   * openssl against the issuer and writes it as PEM to `operational.crl.pem`; returns its CRL number.
   */
  async function fetchCrl(): Promise<number> {
    const response = await fetch(`${est.server.publicUrl}/crl/${OPERATIONAL}.crl`);
    assert.equal(response.status, 200);
    const der = new Uint8Array(await response.arrayBuffer());
    await writeFile(file('operational.crl.pem'), encodePem('X509 CRL', der));
    const checked = await openssl([
      'crl',
      '-in',
      file('operational.crl.pem'),
      '-CAfile',
      file('broker-ca.pem'),
      '-noout',
    ]);
    assert.deepEqual(checked, { code: 0, stdout: '', stderr: 'verify OK\n' });
    const { crlNumber } = parseCrl(der);
    assert.ok(crlNumber !== undefined);
    return crlNumber;
  }

  /** mosquitto_pub as `<as>.pem`/`<as>.key` over TLS 1.2, trusting only the root. */
  const publish = (as: string, message: string) =>
    run('mosquitto_pub', [
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
      '-t',
      'test',
      '-m',
      message,
    ]);

  async function assertPublishes(as: string) {
    const logged = broker.log().length;
    const r = await publish(as, `hello from ${as}`);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}\n${broker.log()}`);
    assert.match(r.stdout, /received CONNACK \(0\)/);
    await until(() =>
      new RegExp(`New client connected from 127\\.0\\.0\\.1:\\d+ as \\S+ \\(.*u'${as}'\\)`).test(
        broker.log().slice(logged),
      ),
    );
  }

  test('with the first (empty) CRL, both devices publish', async () => {
    await assertPublishes('sensor-1');
    await assertPublishes('sensor-2');
  });

  test('after the revocation the broker reloads the republished CRL on SIGHUP', async () => {
    await est.server.runtime.revocations.revoke(
      { kind: 'operator', name: 'test' },
      { kind: 'certificate', serial: revokedSerial, issuerId: OPERATIONAL },
      'keyCompromise',
    );
    // The server republishes the issuer's CRL shortly after the revocation; poll the public URL for it.
    for (let waited = 0; (await fetchCrl()) === firstCrlNumber; waited += 100) {
      if (waited > 5_000) throw new Error('the CRL was not republished within 5 s');
      await sleep(100);
    }
    const crl = await openssl(['crl', '-in', file('operational.crl.pem'), '-noout', '-text']);
    assert.match(
      crl.stdout,
      new RegExp(`Serial Number: ${revokedSerial.toUpperCase()}\\n.*\\n.*\\n.*\\n {16}Key Compromise\\n`),
    );
    // Until it reloads, the broker checks against the CRL it read at start, which does not list the device.
    await assertPublishes('sensor-1');

    const logged = broker.log().length;
    broker.reload();
    await until(() => broker.log().slice(logged).includes('Reloading config.'));
  });

  test('the revoked LDevID is then refused in the TLS handshake: alert certificate revoked', async () => {
    const logged = broker.log().length;
    const refused = await publish('sensor-1', 'not any more');
    const said = `${refused.stdout}${refused.stderr}`;
    assert.notEqual(refused.code, 0, said);
    assert.doesNotMatch(said, /CONNACK/);
    // mosquitto_pub words it by timing: the alert (with -d, on stdout) and "connection lost", or "Protocol error".
    assert.match(said, /alert certificate revoked|The connection was lost|Protocol error/, said);
    await until(() => broker.log().slice(logged).includes('certificate verify failed'));
    assert.doesNotMatch(broker.log().slice(logged), /New client connected/);

    // openssl s_client sends nothing before the handshake ends, so it always reads the broker's alert (44).
    const probe = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${broker.port}`,
        '-tls1_2',
        '-CAfile',
        file('root.pem'),
        '-verify_return_error',
        '-cert',
        file('sensor-1.pem'),
        '-key',
        file('sensor-1.key'),
      ],
      { stdin: '', timeoutMs: 10_000 },
    );
    assert.notEqual(probe.code, 0);
    assert.match(probe.stderr, /sslv3 alert certificate revoked.*SSL alert number 44/, probe.stderr);
  });

  test('the other device still publishes with the new CRL', async () => {
    await assertPublishes('sensor-2');
  });
});

/** Polls `condition` every 50 ms for up to 10 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 10_000) throw new Error('the expected output did not appear');
    await sleep(50);
  }
}
