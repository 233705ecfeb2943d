import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certfleet, certfleetInProcess as run } from '../helpers/cli.js';
import { openssl, opensslCsr } from '../helpers/openssl.js';

const newCsr = opensslCsr;

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('certfleet CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('every command has --help', async () => {
    const commands = [
      [],
      ['init'],
      ['serve'],
      ['config', 'check'],
      ['ca'],
      ['ca', 'init'],
      ['ca', 'csr'],
      ['ca', 'sign-intermediate'],
      ['ca', 'import'],
      ['ca', 'list'],
      ['ca', 'show'],
      ['cert'],
      ['cert', 'issue'],
      ['cert', 'show'],
      ['cert', 'list'],
      ['factory', 'sign'],
      ['device', 'add'],
      ['device', 'list'],
      ['device', 'show'],
      ['enrollment', 'list'],
      ['enrollment', 'approve'],
      ['enrollment', 'reject'],
    ];
    const results = [];
    for (const c of commands) results.push(await run(dir, [...c, '--help']));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, commands[i]!.join(' '));
      assert.match(r.stdout, /^Usage: certfleet/m, commands[i]!.join(' '));
    });
  });

  test('init creates the store, an offline root apart from the data folder, and keys readable by the owner only', async () => {
    const r = await certfleet(dir, ['init']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /offline root CA: .*offline-root/);
    assert.equal(await mode(join(dir, 'offline-root', 'root.key.pem')), 0o600);
    assert.equal(await mode(join(dir, 'data', 'keys', 'operational.key.pem')), 0o600);
    assert.equal(await mode(join(dir, 'data', 'certfleet.db')), 0o600);
    // The server's data folder holds no root key.
    assert.ok(!(await readdir(join(dir, 'data', 'keys'))).some((f) => f.includes('root')));
    const again = await run(dir, ['init']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /exists already/);
    const list = await run(dir, ['ca', 'list']);
    assert.match(list.stdout, /^root\s+root\s+active\s+ec-p384/m);
    assert.match(list.stdout, /^factory\s+intermediate\s+active\s+ec-p256/m);
    assert.match(list.stdout, /^operational\s+intermediate/m);
  });

  test('cert issue, show and list', async () => {
    const csr = await newCsr(dir, 'dev1', '/CN=sensor-1');
    const issue = await run(dir, [
      'cert',
      'issue',
      '--profile',
      'ldevid',
      '--csr',
      csr,
      '--device-id',
      'SN-1',
      '--validity',
      '20d',
      '--out',
      'dev1.pem',
      '--chain',
    ]);
    assert.equal(issue.code, 0, issue.stderr);
    const serial = /certificate ([0-9a-f]+) by 'operational'/.exec(issue.stderr)?.[1];
    assert.ok(serial, issue.stderr);
    const pem = await readFile(join(dir, 'dev1.pem'), 'utf8');
    assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 2, 'leaf and intermediate');

    const show = await run(dir, ['cert', 'show', serial]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Alternative names:\s+uri:urn:dev:org:32473-SN-1/);
    assert.match(show.stdout, /Status:\s+issued/);
    const showFile = await run(dir, ['cert', 'show', 'dev1.pem']);
    assert.match(showFile.stdout, new RegExp(`Serial:\\s+${serial}`));

    const within = await run(dir, ['cert', 'list', '--expiring-within', '21d']);
    assert.match(within.stdout, new RegExp(`^${serial}\\s+operational\\s+ldevid\\s+issued`, 'm'));
    const tooSoon = await run(dir, ['cert', 'list', '--expiring-within', '14d']);
    assert.doesNotMatch(tooSoon.stdout, new RegExp(serial));
    const json = JSON.parse(
      (await run(dir, ['cert', 'list', '--json', '--profile', 'ldevid'])).stdout,
    ) as Array<{ serial: string }>;
    assert.deepEqual(
      json.map((r) => r.serial),
      [serial],
    );
  });

  test('errors are one clear line with a non-zero exit status', async () => {
    await writeFile(join(dir, 'junk.csr'), 'not a certificate request at all');
    const csr = await newCsr(dir, 'dev2', '/CN=sensor-2');
    const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
      {
        args: ['cert', 'issue', '--profile', 'ldevid', '--csr', 'junk.csr'],
        code: 1,
        message: /certificate signing request: not valid base64 \[MALFORMED_INPUT\]/,
      },
      {
        args: ['cert', 'issue', '--profile', 'ldevid', '--csr', 'missing.csr'],
        code: 1,
        message: /CSR missing.csr: no such file/,
      },
      {
        args: [
          'cert',
          'issue',
          '--profile',
          'ldevid',
          '--csr',
          csr,
          '--device-id',
          'SN-2',
          '--validity',
          '120d',
        ],
        code: 1,
        message: /validity 120d exceeds the maximum 90d \[POLICY_VIOLATION\]/,
      },
      {
        args: ['cert', 'issue', '--profile', 'idevid', '--csr', csr],
        code: 1,
        message: /must contain serialNumber/,
      },
      {
        args: ['cert', 'issue', '--profile', 'ldevid', '--csr', csr, '--validity', 'forever'],
        code: 2,
        message: /'forever' is not a duration/,
      },
      {
        args: ['cert', 'show', 'ffff0000'],
        code: 1,
        message: /no certificate with serial ffff0000 \[NOT_FOUND\]/,
      },
      { args: ['ca', 'bogus'], code: 2, message: /unknown command 'bogus'/ },
      { args: ['ca', 'init'], code: 1, message: /hierarchy exists already.*\[CONFLICT\]/ },
    ];
    for (const c of cases) {
      const r = await run(dir, c.args);
      assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, c.message, c.args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    // The real executable: exit status and stderr as a shell sees them.
    const real = await certfleet(dir, ['cert', 'issue', '--profile', 'ldevid', '--csr', 'junk.csr']);
    assert.equal(real.code, 1);
    assert.equal(real.stderr, 'certfleet: certificate signing request: not valid base64 [MALFORMED_INPUT]\n');
    const list = await run(dir, ['cert', 'list', '--json', '--status', 'issued']);
    assert.ok(!list.stdout.includes('sensor-2'), 'nothing was issued for the refused requests');
  });

  test('intermediate ceremony: csr, offline signing, import, then issuance from the new issuer', async () => {
    const csr = await run(dir, [
      'ca',
      'csr',
      '--id',
      'sensors',
      '--subject',
      'CN=Acme Sensors CA,O=Acme',
      '--out',
      'sensors.csr',
    ]);
    assert.equal(csr.code, 0, csr.stderr);
    const keyUri = /--key-uri '([^']+)'/.exec(csr.stderr)?.[1];
    assert.ok(keyUri, csr.stderr);
    const signed = await run(dir, [
      'ca',
      'sign-intermediate',
      '--offline-dir',
      'offline-root',
      '--csr',
      'sensors.csr',
      '--validity',
      '5y',
      '--out',
      'sensors.pem',
    ]);
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(
      (await readdir(join(dir, 'offline-root', 'issued'))).join(' '),
      /\.json.*\.pem|\.pem.*\.json/,
      'journaled in the offline folder',
    );
    const imported = await run(dir, [
      'ca',
      'import',
      '--id',
      'sensors',
      '--role',
      'intermediate',
      '--cert',
      'sensors.pem',
      '--key-uri',
      keyUri,
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const again = await run(dir, [
      'ca',
      'import',
      '--id',
      'sensors2',
      '--role',
      'intermediate',
      '--cert',
      'sensors.pem',
      '--key-uri',
      keyUri,
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /registered already/);

    const leafCsr = await newCsr(dir, 'gw', '/CN=gw.example', 'subjectAltName=DNS:gw.example');
    const issue = await run(dir, [
      'cert',
      'issue',
      '--profile',
      'tls-server',
      '--issuer',
      'sensors',
      '--csr',
      leafCsr,
      '--out',
      'gw.pem',
    ]);
    assert.equal(issue.code, 0, issue.stderr);
    const verify = await openssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      join(dir, 'offline-root', 'root.cert.pem'),
      '-untrusted',
      join(dir, 'sensors.pem'),
      join(dir, 'gw.pem'),
    ]);
    assert.equal(verify.code, 0, verify.stderr);

    // A root may be imported as an anchor, but never with a key; an intermediate must chain to a known root.
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'other.key'),
      '-out',
      join(dir, 'other-root.pem'),
      '-subj',
      '/CN=Other Root',
      '-days',
      '3650',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const withKey = await run(dir, [
      'ca',
      'import',
      '--id',
      'other',
      '--role',
      'root',
      '--cert',
      'other-root.pem',
      '--key-uri',
      keyUri,
    ]);
    assert.equal(withKey.code, 1);
    assert.match(withKey.stderr, /never holds the root key/);
    const orphan = await run(dir, [
      'ca',
      'import',
      '--id',
      'orphan',
      '--role',
      'intermediate',
      '--cert',
      'other-root.pem',
      '--key-uri',
      keyUri,
    ]);
    assert.equal(orphan.code, 1);
    assert.match(orphan.stderr, /UNTRUSTED|no trusted issuer/);
    const anchor = await run(dir, [
      'ca',
      'import',
      '--id',
      'other',
      '--role',
      'root',
      '--cert',
      'other-root.pem',
    ]);
    assert.equal(anchor.code, 0, anchor.stderr);
  });

  test('batch issuance from a folder reports progress and refusals', async () => {
    const batch = join(dir, 'batch');
    await mkdir(batch);
    for (let i = 0; i < 12; i++) await newCsr(batch, `dev-${i}`, `/O=Acme/serialNumber=B-${i}/CN=dev-${i}`);
    await rm(join(batch, 'dev-3.key'));
    await writeFile(
      join(batch, 'broken.csr'),
      '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
    );
    for (const f of await readdir(batch)) if (f.endsWith('.key')) await rm(join(batch, f));
    const r = await run(dir, [
      'cert',
      'issue',
      '--profile',
      'idevid',
      '--csr-dir',
      'batch',
      '--out-dir',
      'batch-out',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /issuing \[/);
    assert.match(r.stderr, /refused broken.csr: /);
    assert.match(r.stderr, /Issued 12 of 13 certificates/);
    assert.equal((await readdir(join(dir, 'batch-out'))).filter((f) => f.endsWith('.cert.pem')).length, 12);
  });

  test('device tokens, factory signing and approvals from the command line', async () => {
    const add = await run(dir, ['device', 'add', 'BF-100', '--token', '--expires-in', '2h']);
    assert.equal(add.code, 0, add.stderr);
    const secret = add.stdout.trim();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/, 'the token, printed once');
    assert.match(add.stderr, /Enrollment token tok_[0-9a-f]+ for BF-100 \(ldevid\), single use, expires/);

    const factoryDir = join(dir, 'line-7');
    await mkdir(factoryDir);
    for (let i = 0; i < 3; i++) await newCsr(factoryDir, `unit-${i}`, `/serialNumber=L7-${i}/CN=unit ${i}`);
    for (const f of await readdir(factoryDir)) if (f.endsWith('.key')) await rm(join(factoryDir, f));
    const signed = await run(dir, ['factory', 'sign', '--csr-dir', 'line-7', '--out-dir', 'line-7-certs']);
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stderr, /Issued 3 of 3 certificates/);
    const shown = await run(dir, ['device', 'show', 'L7-1']);
    assert.match(shown.stdout, /State:\s+provisioned/);
    assert.match(shown.stdout, /factory-sign\s+issued/);

    // A request held for approval, made through the RA as the EST front end would.
    const { loadConfig } = await import('../../src/server/load-config.js');
    const { openRuntime } = await import('../../src/server/runtime.js');
    const { systemClock } = await import('../../src/core/clock.js');
    const { generateKeyPair } = await import('../../src/pki/algorithms/key-algorithm.js');
    const { buildCsr } = await import('../../src/pki/csr.js');
    const { parseDistinguishedName } = await import('../../src/pki/name.js');
    const { config } = await loadConfig({ env: {}, cwd: dir });
    const runtime = await openRuntime(config, systemClock, {});
    let requestId: string;
    try {
      const held = await runtime.ra.enroll(
        { kind: 'enrollment-token', secret },
        {
          csr: buildCsr({ subject: parseDistinguishedName('CN=pump') }, generateKeyPair('ec-p256')),
          profile: 'ldevid',
          protocol: 'est',
          operation: 'simpleenroll',
          approvalLabel: 'default',
        },
      );
      assert.equal(held.status, 'pending');
      requestId = held.status === 'pending' ? held.requestId : '';
    } finally {
      await runtime.close();
    }
    const pending = await run(dir, ['enrollment', 'list', '--pending']);
    assert.match(
      pending.stdout,
      new RegExp(`^${requestId}\\s.*default\\s+ldevid\\s+BF-100\\s+token:tok_`, 'm'),
    );
    const approve = await run(dir, ['enrollment', 'approve', requestId]);
    assert.equal(approve.code, 0, approve.stderr);
    const twice = await run(dir, ['enrollment', 'reject', requestId, '--reason', 'too late']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /CONFLICT/);
    assert.match((await run(dir, ['enrollment', 'list'])).stdout, /BF-100\s+est\s+simpleenroll\s+pending/);
  });
});
