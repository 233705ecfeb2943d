import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMultipartMixed } from '../../src/protocols/est/wire/multipart.js';
import { curl, type CurlResponse } from '../helpers/curl.js';
import { type EstTestServer, startEstServer } from '../helpers/est-server.js';
import { openssl } from '../helpers/openssl.js';
import { run } from '../helpers/run.js';

const CERTS_ONLY = 'application/pkcs7-mime; smime-type=certs-only';
const DEVICE_URI = 'urn:dev:org:32473-SN-77';

/** How curl sends a base64 body file. */
const bodyAs = {
  /** The file as it is: GNU base64 output, 76-column lines ended by LF. */
  dataBinary: (path: string) => ['--data-binary', `@${path}`],
  /** `-d` strips CR and LF: single-line base64 (PROTOCOLS.md §1.7 pitfall 7). */
  singleLine: (path: string) => ['-d', `@${path}`],
  /** RFC 8951 §3: the header is deprecated and must be ignored, not refused. */
  withTransferEncoding: (path: string) => [
    '-H',
    'Content-Transfer-Encoding: base64',
    '--data-binary',
    `@${path}`,
  ],
};

/**
 * RFC 7030 EST against the system curl and openssl, run as an operator would run them: every endpoint, the
 * factory → onboarding → renewal path of one device (SN-77), serverkeygen, and the refusals. Every certificate the
 * server returns is decoded and verified by openssl, not by our own code. The tests run in order.
 */
describe('EST with curl and openssl', () => {
  let est: EstTestServer;
  let dir: string;
  const file = (name: string) => join(dir, name);

  before(async () => {
    est = await startEstServer({ est: { rateLimit: { perMinute: 6000, burst: 1000 } } });
    dir = await mkdtemp(join(tmpdir(), 'certfleet-est-curl-'));
    await writeFile(file('root.pem'), est.rootPem);
    await makeCsr('probe', '/CN=probe'); // the body of requests that are to be refused
  });
  after(async () => {
    await est?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** curl against `<estUrl><path>` trusting only our root; `as` names `<as>.pem`/`<as>.key` as client credential. */
  const estCurl = (path: string, args: readonly string[] = [], as?: string) =>
    curl([
      '--cacert',
      file('root.pem'),
      ...(as === undefined ? [] : ['--cert', file(`${as}.pem`), '--key', file(`${as}.key`)]),
      ...args,
      `${est.estUrl}${path}`,
    ]);

  /** POST `<name>.b64` with Content-Type application/pkcs10 (RFC 7030 §4.2.1), by default as `--data-binary`. */
  const postCsr = (path: string, name: string, as: string | undefined, body = bodyAs.dataBinary) =>
    estCurl(path, ['-H', 'Content-Type: application/pkcs10', ...body(file(`${name}.b64`))], as);

  /**
   * An openssl key (`<name>.key`) and CSR, the CSR's DER in base64 as GNU base64 writes it (76 columns, LF) in
   * `<name>.b64`.
   */
  async function makeCsr(name: string, subject: string, addext?: string): Promise<void> {
    const made = await openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      file(`${name}.key`),
      '-subj',
      subject,
      ...(addext === undefined ? [] : ['-addext', addext]),
      '-outform',
      'DER',
      '-out',
      file(`${name}.der`),
    ]);
    assert.equal(made.code, 0, made.stderr);
    const encoded = await run('base64', [file(`${name}.der`)]);
    assert.equal(encoded.code, 0, encoded.stderr);
    await writeFile(file(`${name}.b64`), encoded.stdout);
  }

  /** A 200 certs-only response printed by `openssl pkcs7 -print_certs` into `<name>.pem`; returns the listing. */
  async function saveCertsOnly(response: CurlResponse, name: string): Promise<string> {
    assert.equal(response.status, 200, `${response.stderr}${response.body}`);
    await writeFile(file(`${name}.p7`), Buffer.from(response.body, 'base64'));
    const printed = await openssl([
      'pkcs7',
      '-inform',
      'DER',
      '-in',
      file(`${name}.p7`),
      '-print_certs',
      '-out',
      file(`${name}.pem`),
    ]);
    assert.equal(printed.code, 0, printed.stderr);
    return readFile(file(`${name}.pem`), 'utf8');
  }

  const verify = (leaf: string, untrusted: string) =>
    openssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      file('root.pem'),
      '-untrusted',
      file(untrusted),
      file(leaf),
    ]);

  /** The SPKI of a certificate and of a private key, as PEM, for comparison. */
  async function publicKeys(certificate: string, key: string): Promise<[string, string]> {
    const fromCert = await openssl(['x509', '-in', file(certificate), '-noout', '-pubkey']);
    const fromKey = await openssl(['pkey', '-in', file(key), '-pubout']);
    assert.equal(fromCert.code, 0, fromCert.stderr);
    assert.equal(fromKey.code, 0, fromKey.stderr);
    return [fromCert.stdout, fromKey.stdout];
  }

  const subjects = (printed: string) => [...printed.matchAll(/^subject=(.*)$/gm)].map((m) => m[1]);
  const OPERATIONAL = 'O = certfleet development, CN = certfleet development Operational CA';
  const FACTORY = 'O = certfleet development, CN = certfleet development Factory CA';
  const ROOT = 'O = certfleet development, CN = certfleet Development Root CA';

  /** The pipeline from operators' notes, in a shell. */
  const cacertsPipeline = (decoder: string) =>
    run('sh', [
      '-c',
      `curl -sS --cacert "$1" "$2" | ${decoder} | openssl pkcs7 -inform DER -print_certs`,
      'sh',
      file('root.pem'),
      `${est.estUrl}/cacerts`,
    ]);

  test('cacerts: curl | base64 -d | openssl pkcs7 -print_certs lists the operational CA and the root', async () => {
    const r = await cacertsPipeline('base64 -d');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(subjects(r.stdout), [OPERATIONAL, ROOT]);
  });

  test('cacerts: the same pipeline through openssl base64 -d, the default label and /factory', async () => {
    const r = await cacertsPipeline('openssl base64 -d');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(subjects(r.stdout), [OPERATIONAL, ROOT]);

    const operational = await estCurl('/cacerts');
    assert.equal(operational.headers['content-type'], CERTS_ONLY);
    assert.deepEqual(subjects(await saveCertsOnly(operational, 'operational')), [OPERATIONAL, ROOT]);
    assert.deepEqual(subjects(await saveCertsOnly(await estCurl('/factory/cacerts'), 'factory')), [
      FACTORY,
      ROOT,
    ]);
  });

  test('csrattrs: openssl asn1parse finds P-256 under both labels and serialNumber only at /factory', async () => {
    const parsed = async (path: string) => {
      const response = await estCurl(path);
      assert.equal(response.status, 200, response.body);
      assert.equal(response.headers['content-type'], 'application/csrattrs');
      await writeFile(file('csrattrs.der'), Buffer.from(response.body, 'base64'));
      const r = await openssl(['asn1parse', '-inform', 'DER', '-in', file('csrattrs.der')]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const objects = (dump: string) => [...dump.matchAll(/OBJECT\s+:(\S+)/g)].map((m) => m[1]);

    const operational = objects(await parsed('/csrattrs'));
    assert.ok(
      operational.includes('id-ecPublicKey') && operational.includes('prime256v1'),
      String(operational),
    );
    assert.ok(operational.includes('ecdsa-with-SHA256'));
    assert.ok(!operational.includes('serialNumber'), 'an LDevID needs no serialNumber');

    const factory = objects(await parsed('/factory/csrattrs'));
    assert.deepEqual(factory, ['id-ecPublicKey', 'prime256v1', 'serialNumber', 'ecdsa-with-SHA256']);
  });

  test('factory: a station posts an openssl CSR and gets an IDevID that openssl verifies', async () => {
    const station = await est.issue('factory-station', 'CN=Station 1,O=Acme');
    await writeFile(file('station.pem'), station.certificatePem);
    await writeFile(file('station.key'), station.keyPem, { mode: 0o600 });
    await makeCsr('idevid', '/serialNumber=SN-77/CN=sensor');

    const response = await postCsr('/factory/simpleenroll', 'idevid', 'station');
    assert.equal(response.headers['content-type'], CERTS_ONLY);
    const printed = await saveCertsOnly(response, 'idevid');
    assert.deepEqual(subjects(printed), ['serialNumber = SN-77, CN = sensor']);
    assert.match(printed, new RegExp(`^issuer=${FACTORY}$`, 'm'));
    const verified = await verify('idevid.pem', 'factory.pem');
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(verified.stdout.trim(), `${file('idevid.pem')}: OK`);
  });

  test('onboarding: the IDevID gets an LDevID naming the device in a URI SAN', async () => {
    await makeCsr('ldevid', '/CN=sensor');
    await saveCertsOnly(await postCsr('/simpleenroll', 'ldevid', 'idevid'), 'ldevid');
    const verified = await verify('ldevid.pem', 'operational.pem');
    assert.equal(verified.code, 0, verified.stderr);
    const text = await openssl(['x509', '-in', file('ldevid.pem'), '-noout', '-text']);
    assert.match(text.stdout, /Issuer: O = certfleet development, CN = certfleet development Operational CA/);
    assert.match(text.stdout, /Subject: CN = sensor\n/);
    assert.match(text.stdout, new RegExp(`X509v3 Subject Alternative Name: \\n\\s+URI:${DEVICE_URI}\\n`));
    const [certKey, ownKey] = await publicKeys('ldevid.pem', 'ldevid.key');
    assert.equal(certKey, ownKey);
  });

  test('renewal: simplereenroll with the LDevID, a new key and the same names, in three body forms', async () => {
    const forms: Array<[string, (path: string) => string[]]> = [
      ['--data-binary, 76-column LF lines', bodyAs.dataBinary],
      ['-d, which strips the line ends', bodyAs.singleLine],
      ['with Content-Transfer-Encoding: base64', bodyAs.withTransferEncoding],
    ];
    let current = 'ldevid';
    for (const [index, [form, body]] of forms.entries()) {
      const next = `ldevid-${index + 1}`;
      await makeCsr(next, '/CN=sensor', `subjectAltName=URI:${DEVICE_URI}`);
      const response = await postCsr('/simplereenroll', next, current, body);
      assert.equal(response.status, 200, `${form}: ${response.body}`);
      await saveCertsOnly(response, next);
      const verified = await verify(`${next}.pem`, 'operational.pem');
      assert.equal(verified.code, 0, `${form}: ${verified.stderr}`);
      const [certKey, newKey] = await publicKeys(`${next}.pem`, `${next}.key`);
      assert.equal(certKey, newKey, `${form}: the certificate is for the new key`);
      const names = await openssl([
        'x509',
        '-in',
        file(`${next}.pem`),
        '-noout',
        '-subject',
        '-ext',
        'subjectAltName',
      ]);
      assert.match(names.stdout, new RegExp(`^subject=CN = sensor\\n[\\s\\S]*URI:${DEVICE_URI}`), form);
      current = next;
    }
  });

  test('serverkeygen: the multipart key and certificate read by openssl belong together', async () => {
    await makeCsr('keygen', '/CN=tiny sensor');
    const response = await postCsr('/serverkeygen', 'keygen', 'idevid');
    assert.equal(response.status, 200, response.body);
    const parts = decodeMultipartMixed(response.headers['content-type'] ?? '', response.body);
    assert.deepEqual(
      parts.map((p) => [p.headers['content-type'], p.headers['content-transfer-encoding']]),
      [
        ['application/pkcs8', 'base64'],
        [CERTS_ONLY, 'base64'],
      ],
    );
    await writeFile(file('generated.key.der'), Buffer.from(parts[0]!.body, 'base64'));
    const key = await openssl([
      'pkey',
      '-inform',
      'DER',
      '-in',
      file('generated.key.der'),
      '-out',
      file('generated.key'),
    ]);
    assert.equal(key.code, 0, key.stderr);
    const printed = await saveCertsOnly({ ...response, body: parts[1]!.body }, 'generated');
    assert.deepEqual(subjects(printed), ['CN = tiny sensor']);
    const [certKey, generatedKey] = await publicKeys('generated.pem', 'generated.key');
    assert.equal(certKey, generatedKey);
    const [, requestKey] = await publicKeys('generated.pem', 'keygen.key');
    assert.notEqual(generatedKey, requestKey, 'the server generated the key; the CSR key is not used');
  });

  test('fullcmc: 501 for curl -w %{http_code}', async () => {
    const r = await run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cacert',
      file('root.pem'),
      '-H',
      'Content-Type: application/pkcs7-mime; smime-type=CMC-request',
      '--data-binary',
      `@${file('probe.b64')}`,
      `${est.estUrl}/fullcmc`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '501');
  });

  test('refusals: no client certificate → 401 with a challenge; wrong Content-Type → 415', async () => {
    const anonymous = await postCsr('/simpleenroll', 'probe', undefined);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers['www-authenticate'] ?? '', /^Basic realm=/);
    assert.equal(
      anonymous.body,
      'enrollment under the default label needs an IDevID client certificate or an enrollment token\n',
    );

    const wrongType = await estCurl(
      '/simpleenroll',
      ['-H', 'Content-Type: text/plain', '--data-binary', `@${file('probe.b64')}`],
      'idevid',
    );
    assert.equal(wrongType.status, 415);
    // What curl sends when the operator forgets -H: application/x-www-form-urlencoded.
    const forgotten = await estCurl('/simpleenroll', ['-d', `@${file('probe.b64')}`], 'idevid');
    assert.equal(forgotten.status, 415);
    assert.equal(forgotten.body, 'simpleenroll takes application/pkcs10\n');
  });

  test('refusals: an IDevID for the same serial from a CA openssl made itself → 403', async () => {
    const opensslOk = async (args: string[]) => {
      const r = await openssl(args);
      assert.equal(r.code, 0, r.stderr);
    };
    // Two rogue CAs: one with a name of its own, one that copies our factory CA's name (only its key differs).
    const rogues: Array<[string, string, RegExp]> = [
      ['rogue', '/CN=Rogue Root', /no trusted issuer/],
      [
        'lookalike',
        '/O=certfleet development/CN=certfleet development Factory CA',
        /signature .* does not verify/,
      ],
    ];
    await writeFile(file('leaf.ext'), 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    for (const [name, caSubject, reason] of rogues) {
      await opensslOk([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        file(`${name}-ca.key`),
        '-out',
        file(`${name}-ca.pem`),
        '-subj',
        caSubject,
        '-days',
        '2',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign',
      ]);
      await opensslOk([
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        file(`${name}.key`),
        '-subj',
        '/serialNumber=SN-77/CN=sensor',
        '-out',
        file(`${name}.csr`),
      ]);
      await opensslOk([
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file(`${name}-ca.pem`),
        '-CAkey',
        file(`${name}-ca.key`),
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        file('leaf.ext'),
        '-out',
        file(`${name}.pem`),
      ]);
      const response = await postCsr('/simpleenroll', 'probe', name);
      assert.equal(response.status, 403, `${name}: ${response.body}`);
      assert.match(response.body, reason);
    }
  });
});
