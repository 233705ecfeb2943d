import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certfleet, certfleetInProcess as run, type CliResult } from '../helpers/cli.js';
import { openssl, opensslCsr } from '../helpers/openssl.js';

/** Revocation from the command line: cert revoke, device decommission, crl publish/show, the root's CRL. */
describe('certfleet revocation CLI', () => {
  let dir: string;
  const offline = () => join(dir, 'offline-root');
  const rootPem = () => join(offline(), 'root.cert.pem');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-revocation-'));
    const init = await run(dir, ['init']);
    assert.equal(init.code, 0, init.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const ok = (r: CliResult, what: string): CliResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };

  /** Issues an LDevID (operational) or, with `issuer`, a TLS server certificate; returns its serial. */
  async function issue(name: string, options: { deviceId?: string; issuer?: string } = {}): Promise<string> {
    const csr = await opensslCsr(
      dir,
      name,
      `/CN=${name}.example`,
      options.issuer === undefined ? undefined : `subjectAltName=DNS:${name}.example`,
    );
    const r = ok(
      await run(dir, [
        'cert',
        'issue',
        ...(options.issuer === undefined
          ? ['--profile', 'ldevid']
          : ['--profile', 'tls-server', '--issuer', options.issuer]),
        '--csr',
        csr,
        ...(options.deviceId === undefined ? [] : ['--device-id', options.deviceId]),
        '--out',
        `${name}.pem`,
      ]),
      `issue ${name}`,
    );
    const serial = /certificate ([0-9a-f]+) by '/.exec(r.stderr)?.[1];
    assert.ok(serial, r.stderr);
    return serial;
  }

  /** What the store and the offline folder hold, to show that a refused command changed nothing. */
  async function snapshot(): Promise<unknown> {
    const { openStore } = await import('../../src/store/open-store.js');
    const store = await openStore(`sqlite:${join(dir, 'data', 'certfleet.db')}`);
    try {
      const issuers = await store.issuers.list();
      return {
        issued: await store.certificates.count({ status: 'issued' }),
        revoked: await store.certificates.count({ status: 'revoked' }),
        issuers: issuers.map((i) => `${i.id}:${i.status}`),
        crls: await Promise.all(issuers.map(async (i) => `${i.id}:${await store.crls.highestNumber(i.id)}`)),
        devices: (await store.devices.list({ limit: 10_000 })).map((d) => `${d.id}:${d.state}`),
        tokens: (await store.tokens.list({ limit: 10_000 })).map(
          (t) => `${t.id}:${t.usedAt?.getTime() ?? '-'}:${t.voidedAt?.getTime() ?? '-'}`,
        ),
        audit: (await store.audit.list({ limit: 10_000 })).length,
        offlineRevoked: await readFile(join(offline(), 'revoked.json'), 'utf8').catch(() => ''),
        offlineCrlNumber: await readFile(join(offline(), 'crl-number'), 'utf8').catch(() => ''),
      };
    } finally {
      await store.close();
    }
  }

  async function crlNumber(issuer: string): Promise<number> {
    const shown = ok(await run(dir, ['crl', 'show', issuer]), `crl show ${issuer}`).stdout;
    return Number(/^CRL number:\s+(\d+)$/m.exec(shown)?.[1] ?? 0);
  }

  /** The issuer's current CRL as openssl reads it, its signature checked against `caFile`. */
  async function crlText(issuer: string, caFile: string): Promise<string> {
    const pem = ok(await run(dir, ['crl', 'show', issuer, '--pem']), `crl show ${issuer} --pem`).stdout;
    const file = join(dir, `${issuer}.crl.pem`);
    await writeFile(file, pem);
    const r = await openssl(['crl', '-in', file, '-CAfile', caFile, '-noout', '-text']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /verify OK/);
    return r.stdout;
  }

  async function issuerPem(id: string): Promise<string> {
    const file = join(dir, `${id}.issuer.pem`);
    await writeFile(file, ok(await run(dir, ['ca', 'show', id, '--pem']), `ca show ${id}`).stdout);
    return file;
  }

  /** Where a CRL entry starts in `openssl crl -text` output (serials in upper-case hex). */
  const entry = (serial: string) => new RegExp(`Serial Number: ${serial.toUpperCase()}\\n`);

  test('every revocation command has --help that names its options', async () => {
    const cases: Array<{ args: string[]; mentions: RegExp[] }> = [
      {
        args: ['cert', 'revoke'],
        mentions: [/\[serial\]/, /--issuer/, /--device/, /--all-issued-by/, /--reason/, /--invalidity-date/],
      },
      { args: ['device', 'decommission'], mentions: [/<id>/, /--reason/, /cessationOfOperation/] },
      { args: ['crl'], mentions: [/publish/, /show/] },
      { args: ['crl', 'publish'], mentions: [/<issuer>/] },
      { args: ['crl', 'show'], mentions: [/<issuer>/, /--pem/] },
      { args: ['ca', 'revoke-intermediate'], mentions: [/--offline-dir/, /--serial/, /--reason/] },
      { args: ['ca', 'root-crl'], mentions: [/--offline-dir/, /--out/, /--validity/, /import-crl/] },
      { args: ['ca', 'import-crl'], mentions: [/--crl/, /--issuer/] },
    ];
    for (const c of cases) {
      const r = await run(dir, [...c.args, '--help']);
      assert.equal(r.code, 0, c.args.join(' '));
      assert.match(r.stdout, new RegExp(`^Usage: certfleet ${c.args.join(' ')} `, 'm'));
      for (const m of c.mentions) assert.match(r.stdout, m, `${c.args.join(' ')} --help`);
    }
  });

  test('cert revoke: revokes, republishes the CRL with reason and invalidity date; again says already revoked', async () => {
    const serial = await issue('rv-1', { deviceId: 'RV-1' });
    const before = await crlNumber('operational');
    const invalidity = '2020-01-02T03:04:05Z';
    const r = ok(
      await run(dir, [
        'cert',
        'revoke',
        serial,
        '--reason',
        'keyCompromise',
        '--invalidity-date',
        invalidity,
      ]),
      'revoke',
    );
    assert.match(r.stdout, new RegExp(`Revoked certificate ${serial} of 'operational' \\(keyCompromise\\)`));
    assert.match(r.stderr, new RegExp(`Published CRL ${before + 1} of 'operational' \\(next update `));

    const show = ok(await run(dir, ['crl', 'show', 'operational']), 'crl show').stdout;
    assert.match(show, new RegExp(`^CRL number:\\s+${before + 1}$`, 'm'));
    assert.match(show, /^Issuer:\s+CN=certfleet development Operational CA/m);
    assert.match(show, /^This update:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    assert.match(show, /^Next update:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    assert.match(show, new RegExp(`^  ${serial}  \\S+Z  keyCompromise$`, 'm'));

    const text = await crlText('operational', await issuerPem('operational'));
    assert.match(text, new RegExp(`CRL Number: \\n\\s+${before + 1}\\n`));
    const block = text.slice(text.search(entry(serial)));
    assert.match(block, /^\s+Key Compromise$/m);
    assert.match(block, /Invalidity Date: \n\s+Jan {2}2 03:04:05 2020 GMT/);
    assert.match(ok(await run(dir, ['cert', 'show', serial]), 'cert show').stdout, /Status:\s+revoked/);

    // Again, in upper case with colons and another reason: the first revocation stands, no new CRL.
    const state = await snapshot();
    const spelled = serial.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const again = ok(await run(dir, ['cert', 'revoke', spelled, '--reason', 'superseded']), 'revoke again');
    assert.match(
      again.stdout,
      new RegExp(
        `^Certificate ${serial} was already revoked on \\S+ \\(keyCompromise\\); nothing changed\\.$`,
        'm',
      ),
    );
    assert.doesNotMatch(again.stderr, /Published CRL/);
    assert.deepEqual(await snapshot(), state);
  });

  test('cert revoke --device revokes every certificate of the device and republishes once', async () => {
    const serials = [await issue('dv-a', { deviceId: 'DV-1' }), await issue('dv-b', { deviceId: 'DV-1' })];
    const other = await issue('dv-other', { deviceId: 'DV-2' });
    const before = await crlNumber('operational');
    const r = ok(await run(dir, ['cert', 'revoke', '--device', 'DV-1', '--reason', 'superseded']), 'revoke');
    assert.match(r.stdout, /^Done: revoked 2 certificate\(s\)\.$/m);
    assert.equal(r.stderr.match(/Published CRL/g)?.length, 1, r.stderr);
    assert.equal(await crlNumber('operational'), before + 1);
    const show = ok(await run(dir, ['crl', 'show', 'operational']), 'crl show').stdout;
    for (const s of serials) assert.match(show, new RegExp(`^  ${s}  \\S+  superseded$`, 'm'));
    assert.doesNotMatch(show, new RegExp(other));
    // The device is left without a valid certificate (decommissioning is another command).
    assert.match(ok(await run(dir, ['device', 'show', 'DV-1']), 'device show').stdout, /^State:\s+revoked$/m);

    const state = await snapshot();
    const again = ok(await run(dir, ['cert', 'revoke', '--device', 'DV-1']), 'revoke again');
    assert.match(again.stdout, /^Done: revoked 0 certificate\(s\)\.$/m);
    assert.doesNotMatch(again.stderr, /Published CRL/);
    assert.deepEqual(await snapshot(), state);
  });

  test('an intermediate compromise: --all-issued-by, the offline root revokes it, its CRL is imported', async () => {
    // A separate intermediate, so the other tests keep theirs.
    const csr = ok(
      await run(dir, ['ca', 'csr', '--id', 'lab', '--subject', 'CN=Lab CA,O=Acme', '--out', 'lab.csr']),
      'ca csr',
    );
    const keyUri = /--key-uri '([^']+)'/.exec(csr.stderr)?.[1];
    assert.ok(keyUri, csr.stderr);
    const signed = ok(
      await run(dir, [
        'ca',
        'sign-intermediate',
        '--offline-dir',
        'offline-root',
        '--csr',
        'lab.csr',
        '--out',
        'lab.pem',
      ]),
      'sign-intermediate',
    );
    const labSerial = /serial ([0-9a-f]+)/.exec(signed.stderr)?.[1];
    assert.ok(labSerial, signed.stderr);
    ok(
      await run(dir, [
        'ca',
        'import',
        '--id',
        'lab',
        '--role',
        'intermediate',
        '--cert',
        'lab.pem',
        '--key-uri',
        keyUri,
      ]),
      'ca import',
    );
    const leaves = [await issue('lab-1', { issuer: 'lab' }), await issue('lab-2', { issuer: 'lab' })];
    const operational = await crlNumber('operational');

    const all = ok(
      await run(dir, ['cert', 'revoke', '--all-issued-by', 'lab', '--reason', 'cACompromise']),
      'revoke --all-issued-by',
    );
    assert.match(all.stdout, /^Done: revoked 2 certificate\(s\)\.$/m);
    assert.match(all.stderr, /Published CRL 1 of 'lab'/);
    const labCrl = await crlText('lab', join(dir, 'lab.pem'));
    for (const s of leaves) assert.match(labCrl.slice(labCrl.search(entry(s))), /^\s+CA Compromise$/m);
    assert.equal(await crlNumber('operational'), operational, "another issuer's CRL is left alone");

    // On the offline machine: record the revocation, sign the root's CRL, check it with openssl.
    const revoked = ok(
      await run(dir, [
        'ca',
        'revoke-intermediate',
        '--offline-dir',
        'offline-root',
        '--serial',
        labSerial,
        '--reason',
        'cACompromise',
      ]),
      'revoke-intermediate',
    );
    assert.match(revoked.stdout, new RegExp(`Recorded: the root revokes ${labSerial}\\. Now sign a CRL`));
    const recorded = await readFile(join(offline(), 'revoked.json'), 'utf8');
    const twice = ok(
      await run(dir, ['ca', 'revoke-intermediate', '--offline-dir', 'offline-root', '--serial', labSerial]),
      'revoke-intermediate again',
    );
    assert.match(twice.stdout, new RegExp(`^${labSerial} was revoked already\\.$`, 'm'));
    assert.equal(await readFile(join(offline(), 'revoked.json'), 'utf8'), recorded, 'first reason kept');

    const rootBefore = await crlNumber('root');
    const crl = ok(
      await run(dir, [
        'ca',
        'root-crl',
        '--offline-dir',
        'offline-root',
        '--out',
        'root.crl',
        '--validity',
        '30d',
      ]),
      'root-crl',
    );
    assert.match(crl.stdout, /^Root CRL \d+: 1 entries, next update /m);
    const verified = await openssl([
      'crl',
      '-inform',
      'DER',
      '-in',
      join(dir, 'root.crl'),
      '-CAfile',
      rootPem(),
      '-noout',
      '-text',
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr + verified.stdout, /verify OK/);
    assert.match(verified.stdout.slice(verified.stdout.search(entry(labSerial))), /^\s+CA Compromise$/m);
    const number = Number(/CRL Number: \n\s+(\d+)/.exec(verified.stdout)?.[1]);
    assert.ok(number > rootBefore, `${number} > ${rootBefore}`);

    // On the server: import it; the server now serves it.
    const imported = ok(await run(dir, ['ca', 'import-crl', '--crl', 'root.crl']), 'import-crl');
    assert.match(
      imported.stdout,
      new RegExp(`^Published CRL ${number} of 'root' \\(1 entries, next update `, 'm'),
    );
    assert.match(
      imported.stdout,
      /^Intermediate 'lab' is revoked by this CRL: retired, .*--all-issued-by lab$/m,
    );
    const issuers = ok(await run(dir, ['ca', 'list']), 'ca list').stdout;
    assert.match(issuers, /^lab\s.*\bretired\b/m, issuers);
    const rootShow = ok(await run(dir, ['crl', 'show', 'root']), 'crl show root').stdout;
    assert.match(rootShow, new RegExp(`^CRL number:\\s+${number}$`, 'm'));
    assert.match(rootShow, new RegExp(`^  ${labSerial}  \\S+  cACompromise$`, 'm'));

    // A relying party that checks the root's CRL refuses the intermediate.
    await crlText('root', rootPem());
    const chainCheck = await openssl([
      'verify',
      '-crl_check',
      '-CAfile',
      rootPem(),
      '-CRLfile',
      join(dir, 'root.crl.pem'),
      join(dir, 'lab.pem'),
    ]);
    assert.notEqual(chainCheck.code, 0);
    assert.match(chainCheck.stdout + chainCheck.stderr, /certificate revoked/);
  });

  test('device decommission: revokes its certificates, voids its tokens, marks it; again says so', async () => {
    const serials = [await issue('dc-a', { deviceId: 'DC-1' }), await issue('dc-b', { deviceId: 'DC-1' })];
    const add = ok(await run(dir, ['device', 'add', 'DC-1', '--token']), 'device add');
    const secret = add.stdout.trim();
    const before = await crlNumber('operational');

    const r = ok(await run(dir, ['device', 'decommission', 'DC-1']), 'decommission');
    assert.match(
      r.stdout,
      /^Device DC-1 decommissioned: revoked 2 certificate\(s\); 1 enrollment token\(s\) voided\.$/m,
    );
    assert.match(r.stderr, new RegExp(`Published CRL ${before + 1} of 'operational'`));
    const show = ok(await run(dir, ['crl', 'show', 'operational']), 'crl show').stdout;
    for (const s of serials) assert.match(show, new RegExp(`^  ${s}  \\S+  cessationOfOperation$`, 'm'));
    assert.match(
      ok(await run(dir, ['device', 'show', 'DC-1']), 'device show').stdout,
      /^State:\s+decommissioned$/m,
    );
    assert.match(
      ok(await run(dir, ['device', 'list', '--state', 'decommissioned']), 'device list').stdout,
      /^DC-1\s+decommissioned\s/m,
    );
    await assertTokenRefused(secret);

    const state = await snapshot();
    const again = ok(await run(dir, ['device', 'decommission', 'DC-1']), 'decommission again');
    assert.match(
      again.stdout,
      /^Device DC-1 was decommissioned already: revoked 0 certificate\(s\); 0 enrollment token\(s\) voided\.$/m,
    );
    assert.doesNotMatch(again.stderr, /Published CRL/);
    assert.deepEqual(await snapshot(), state);
  });

  test('device decommission of a device known only by its enrollment token voids the token and keeps it out', async () => {
    const secret = ok(await run(dir, ['device', 'add', 'BF-1', '--token']), 'device add').stdout.trim();
    const r = ok(await run(dir, ['device', 'decommission', 'BF-1']), 'decommission');
    assert.match(
      r.stdout,
      /^Device BF-1 decommissioned: revoked 0 certificate\(s\); 1 enrollment token\(s\) voided\.$/m,
    );
    await assertTokenRefused(secret);
    const again = await run(dir, ['device', 'add', 'BF-1', '--token']);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /device BF-1 is decommissioned; a refurbished device gets a new device id/);
    assert.equal(again.stdout, '');
  });

  /** The token no longer works: the RA refuses it as the EST front end would present it. */
  async function assertTokenRefused(secret: string): Promise<void> {
    const { loadConfig } = await import('../../src/server/load-config.js');
    const { openRuntime } = await import('../../src/server/runtime.js');
    const { systemClock } = await import('../../src/core/clock.js');
    const { generateKeyPair } = await import('../../src/pki/algorithms/key-algorithm.js');
    const { buildCsr } = await import('../../src/pki/csr.js');
    const { parseDistinguishedName } = await import('../../src/pki/name.js');
    const { config } = await loadConfig({ env: {}, cwd: dir });
    const runtime = await openRuntime(config, systemClock, {});
    try {
      await assert.rejects(
        runtime.ra.enroll(
          { kind: 'enrollment-token', secret },
          {
            csr: buildCsr({ subject: parseDistinguishedName('CN=returned') }, generateKeyPair('ec-p256')),
            profile: 'ldevid',
            protocol: 'est',
            operation: 'simpleenroll',
          },
        ),
        { code: 'UNAUTHORIZED' },
      );
    } finally {
      await runtime.close();
    }
  }

  test('crl publish signs a new CRL with the next number; crl show prints it', async () => {
    const first = ok(await run(dir, ['crl', 'publish', 'factory']), 'publish').stdout;
    const n = Number(/^CRL (\d+) of 'factory': (\d+) entries, next update \S+Z$/m.exec(first)?.[1]);
    assert.ok(n >= 1, first);
    const second = ok(await run(dir, ['crl', 'publish', 'factory']), 'publish again').stdout;
    assert.match(second, new RegExp(`^CRL ${n + 1} of 'factory': 0 entries, next update `, 'm'));
    const show = ok(await run(dir, ['crl', 'show', 'factory']), 'crl show').stdout;
    assert.match(show, new RegExp(`^CRL number:\\s+${n + 1}$`, 'm'));
    const thisUpdate = new Date(/^This update:\s+(\S+)$/m.exec(show)?.[1] ?? '');
    const nextUpdate = new Date(/^Next update:\s+(\S+)$/m.exec(show)?.[1] ?? '');
    assert.equal(nextUpdate.getTime() - thisUpdate.getTime(), 86_400_000, 'the default crlValiditySeconds');
    assert.match(show, /^Entries:\s+0$/m);
    const text = await crlText('factory', await issuerPem('factory'));
    assert.match(text, new RegExp(`CRL Number: \\n\\s+${n + 1}\\n`));
    assert.match(text, /No Revoked Certificates/);
  });

  test('refusals: a clear line on stderr, a non-zero exit status, and nothing changed', async () => {
    const serial = await issue('err-1', { deviceId: 'ERR-1' });
    // A root CRL to tamper with, and an operational CRL that the root did not sign.
    ok(
      await run(dir, ['ca', 'root-crl', '--offline-dir', 'offline-root', '--out', 'fresh-root.crl']),
      'root-crl',
    );
    const tampered = await readFile(join(dir, 'fresh-root.crl'));
    tampered[tampered.length - 5]! ^= 0x01;
    await writeFile(join(dir, 'tampered.crl'), tampered);
    await writeFile(join(dir, 'garbage.crl'), 'this is not a CRL');
    await writeFile(
      join(dir, 'operational.crl.pem'),
      ok(await run(dir, ['crl', 'show', 'operational', '--pem']), 'pem').stdout,
    );
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
      {
        args: ['cert', 'revoke', 'ffff0001'],
        code: 1,
        message: /^certfleet: no certificate with serial ffff0001 \[NOT_FOUND\]$/,
      },
      { args: ['cert', 'revoke', 'xyz'], code: 2, message: /^certfleet: 'xyz' is not a hex serial number$/ },
      {
        args: ['cert', 'revoke', serial, '--reason', 'stolen'],
        code: 2,
        message:
          /argument 'stolen' is invalid\. use one of unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn, aACompromise/,
      },
      {
        args: ['cert', 'revoke', serial, '--reason', 'removeFromCRL'],
        code: 2,
        message: /argument 'removeFromCRL' is invalid/,
      },
      {
        args: ['cert', 'revoke', serial, '--reason', 'keyCompromise', '--invalidity-date', future],
        code: 1,
        message: /^certfleet: the invalidity date lies in the future \[MALFORMED_INPUT\]$/,
      },
      {
        args: ['cert', 'revoke', serial, '--invalidity-date', 'last tuesday'],
        code: 2,
        message: /argument 'last tuesday' is invalid\. use an ISO 8601 date/,
      },
      {
        args: ['cert', 'revoke'],
        code: 2,
        message: /name exactly one of: a serial, --device <id>, --all-issued-by <issuer>/,
      },
      { args: ['cert', 'revoke', serial, '--device', 'ERR-1'], code: 2, message: /name exactly one of/ },
      {
        args: ['cert', 'revoke', '--device', 'NO-SUCH-DEVICE'],
        code: 1,
        message: /^certfleet: no device NO-SUCH-DEVICE \[NOT_FOUND\]$/,
      },
      { args: ['cert', 'revoke', '--device', 'bad id!'], code: 2, message: /'bad id!' is not a device id/ },
      {
        args: ['cert', 'revoke', '--all-issued-by', 'nope'],
        code: 1,
        message: /^certfleet: no issuer 'nope' \[NOT_FOUND\]$/,
      },
      {
        args: ['cert', 'revoke', '--all-issued-by', 'root'],
        code: 1,
        message: /'root' is a root.*ca revoke-intermediate/,
      },
      {
        args: ['cert', 'revoke', serial, '--issuer', 'factory'],
        code: 1,
        message: /no certificate with serial/,
      },
      {
        args: ['device', 'decommission', 'NO-SUCH-DEVICE'],
        code: 1,
        message: /^certfleet: no device NO-SUCH-DEVICE \[NOT_FOUND\]$/,
      },
      { args: ['device', 'decommission', 'bad id!'], code: 2, message: /'bad id!' is not a device id/ },
      {
        args: ['device', 'decommission', 'ERR-1', '--reason', 'sold'],
        code: 2,
        message: /argument 'sold' is invalid/,
      },
      {
        args: ['crl', 'publish', 'nope'],
        code: 1,
        message: /^certfleet: no online issuer 'nope' \[NOT_FOUND\]$/,
      },
      { args: ['crl', 'publish', 'root'], code: 1, message: /'root' is offline.*ca root-crl.*ca import-crl/ },
      { args: ['crl', 'show', 'nope'], code: 1, message: /^certfleet: no issuer 'nope' \[NOT_FOUND\]$/ },
      { args: ['crl', 'show', 'Not_An_Id'], code: 2, message: /is not an issuer id/ },
      {
        args: ['ca', 'revoke-intermediate', '--offline-dir', 'offline-root', '--serial', 'abcd'],
        code: 1,
        message: /^certfleet: this root signed no certificate with serial abcd \[NOT_FOUND\]$/,
      },
      {
        args: ['ca', 'revoke-intermediate', '--offline-dir', 'offline-root', '--serial', 'g1'],
        code: 2,
        message: /'g1' is not a hex serial number/,
      },
      {
        args: ['ca', 'root-crl', '--out', 'never.crl'],
        code: 2,
        message: /required option '--offline-dir <dir>' not specified/,
      },
      {
        args: ['ca', 'root-crl', '--offline-dir', 'nowhere', '--out', 'never.crl'],
        code: 1,
        message: /no root certificate in .*nowhere \(expected root\.cert\.pem\) \[NOT_FOUND\]/,
      },
      { args: ['ca', 'import-crl', '--crl', 'garbage.crl'], code: 1, message: /\[MALFORMED_INPUT\]$/ },
      {
        args: ['ca', 'import-crl', '--crl', 'missing.crl'],
        code: 1,
        message: /^certfleet: CRL missing\.crl: no such file \[NOT_FOUND\]$/,
      },
      {
        args: ['ca', 'import-crl', '--crl', 'tampered.crl'],
        code: 1,
        message: /^certfleet: the CRL is not signed by 'root' \[BAD_SIGNATURE\]$/,
      },
      {
        args: ['ca', 'import-crl', '--crl', 'operational.crl.pem'],
        code: 1,
        message: /the CRL is not signed by 'root' \[BAD_SIGNATURE\]/,
      },
      {
        args: ['ca', 'import-crl', '--crl', 'fresh-root.crl', '--issuer', 'nope'],
        code: 1,
        message: /^certfleet: no issuer 'nope' \[NOT_FOUND\]$/,
      },
    ];
    const state = await snapshot();
    for (const c of cases) {
      const r = await run(dir, c.args);
      const what = c.args.join(' ');
      assert.equal(r.code, c.code, `${what}: ${r.stderr}`);
      assert.match(r.stderr.trimEnd().split('\n')[0] ?? '', c.message, what);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
      assert.equal(r.stdout, '', `${what}: nothing on stdout`);
    }
    assert.deepEqual(await snapshot(), state, 'no refused command changed the store or the offline folder');
    await assert.rejects(access(join(dir, 'never.crl')), 'no CRL file written');
    assert.match(ok(await run(dir, ['cert', 'show', serial]), 'cert show').stdout, /Status:\s+issued/);

    // The same CRL twice, or an older one after a newer: refused, the served CRL stays the newest.
    ok(await run(dir, ['ca', 'import-crl', '--crl', 'fresh-root.crl']), 'import');
    ok(
      await run(dir, ['ca', 'root-crl', '--offline-dir', 'offline-root', '--out', 'newer-root.crl']),
      'root-crl',
    );
    ok(await run(dir, ['ca', 'import-crl', '--crl', 'newer-root.crl']), 'import newer');
    const served = await snapshot();
    for (const file of ['fresh-root.crl', 'newer-root.crl']) {
      const r = await run(dir, ['ca', 'import-crl', '--crl', file]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^certfleet: CRL \d+ of 'root' is not newer than the published CRL \d+; nothing changed \[CONFLICT\]\n$/,
      );
    }
    assert.deepEqual(await snapshot(), served);
  });

  test('the server-side commands never read the offline root folder; only root-crl needs it', async () => {
    const serial = await issue('off-1', { deviceId: 'OFF-1' });
    const away = join(dir, 'air-gapped');
    await rename(offline(), away);
    try {
      ok(await run(dir, ['cert', 'revoke', serial, '--reason', 'keyCompromise']), 'revoke');
      ok(await run(dir, ['device', 'decommission', 'OFF-1']), 'decommission');
      ok(await run(dir, ['crl', 'publish', 'operational']), 'crl publish');
      ok(await run(dir, ['crl', 'show', 'root']), 'crl show root');
      const noRoot = await run(dir, ['ca', 'root-crl', '--offline-dir', 'offline-root', '--out', 'x.crl']);
      assert.equal(noRoot.code, 1);
      assert.match(noRoot.stderr, /no root certificate in .*offline-root/);
      ok(await run(dir, ['ca', 'root-crl', '--offline-dir', away, '--out', 'away.crl']), 'root-crl');
      ok(await run(dir, ['ca', 'import-crl', '--crl', 'away.crl']), 'import-crl');
    } finally {
      await rename(away, offline());
    }
  });

  test('the real executable: revoke, its exit status and output as a shell sees them', async () => {
    const serial = await issue('exe-1', { deviceId: 'EXE-1' });
    const revoked = await certfleet(dir, ['cert', 'revoke', serial, '--reason', 'keyCompromise']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, `Revoked certificate ${serial} of 'operational' (keyCompromise).\n`);
    assert.match(revoked.stderr, /^Published CRL \d+ of 'operational' \(next update \S+\)\n$/);
    const unknown = await certfleet(dir, ['cert', 'revoke', 'ffff0002', '--reason', 'keyCompromise']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.equal(unknown.stderr, 'certfleet: no certificate with serial ffff0002 [NOT_FOUND]\n');
  });
});
