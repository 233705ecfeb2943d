import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/core/clock.js';
import type { IssuerId } from '../../src/core/ids.js';
import type { IssuedCertificate } from '../../src/ca/issue-order.js';
import { encodePem } from '../../src/pki/pem.js';
import { ROOT_CRL_VALIDITY_SECONDS } from '../../src/server/hierarchy-setup.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { csr } from '../helpers/est-server.js';
import { curl } from '../helpers/curl.js';
import { run } from '../helpers/run.js';
import { freePort } from '../helpers/free-port.js';
import { openssl, type ToolResult } from '../helpers/openssl.js';
import { testConfig } from '../helpers/test-deployment.js';

const OPERATIONAL = 'operational' as IssuerId;
const FACTORY = 'factory' as IssuerId;
const ROOT = 'root' as IssuerId;

/**
 * Revocation as the system openssl sees it, through the URLs in the certificates: the server's public listener
 * is the one `pki.publicBaseUrl` names, so the AIA OCSP URL and the CRL distribution points are followed as they
 * are. One LDevID is checked before and after an operator revokes it (keyCompromise): `openssl ocsp` (nonce,
 * no nonce, SHA-256 CertID, GET through curl), `openssl crl`, `openssl verify -crl_check[_all]` with a downloaded
 * CRL and with `-crl_download`. A certificate of another issuer sent to the operational issuer's OCSP URL is
 * unauthorized. The tests run in order.
 */
describe('revocation with openssl', () => {
  let server: RunningServer;
  let dir: string;
  let publicBase: string;
  let leaf: IssuedCertificate;
  let bystander: IssuedCertificate;
  let firstCrlNumber: number;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-revocation-openssl-'));
    const publicPort = await freePort();
    publicBase = `http://127.0.0.1:${publicPort}`;
    const base = testConfig(join(dir, 'deployment'), { log: { level: 'silent' } });
    server = await serve(
      {
        ...base,
        pki: { ...base.pki, publicBaseUrl: publicBase },
        server: { ...base.server, publicHttp: { host: '127.0.0.1', port: publicPort } },
      },
      systemClock,
      {},
      () => undefined,
    );
    assert.equal(server.publicUrl, publicBase);

    // The trust anchor comes out of band (the offline root's folder); the issuers from the public listener.
    await writeFile(
      file('root.pem'),
      await readFile(join(dir, 'deployment', 'offline-root', 'root.cert.pem')),
    );
    for (const id of [OPERATIONAL, FACTORY]) {
      const r = await curl(['--fail', `${publicBase}/ca/${id}.pem`]);
      assert.equal(r.status, 200, r.stderr);
      await writeFile(file(`${id}.pem`), r.body);
    }
    const chain = await Promise.all(
      ['root.pem', 'operational.pem', 'factory.pem'].map((n) => readFile(file(n))),
    );
    await writeFile(file('chain.pem'), Buffer.concat(chain));

    leaf = await issue('leaf', 'ldevid', 'CN=sensor-1', 'urn:dev:org:32473-SN-1');
    bystander = await issue('bystander', 'ldevid', 'CN=sensor-2', 'urn:dev:org:32473-SN-2');
    const foreign = await issue('foreign', 'idevid', 'serialNumber=SN-3');
    assert.equal(leaf.issuerId, OPERATIONAL);
    assert.equal(foreign.issuerId, FACTORY);
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function issue(name: string, profile: string, subject: string, uri?: string) {
    const request = csr(subject, undefined, uri === undefined ? [] : [{ type: 'uri', value: uri }]);
    const issued = await server.runtime.ra.requestCertificate(
      { kind: 'operator', name: 'test' },
      { csr: request.der, profile, protocol: 'test', operation: 'issue' },
    );
    await writeFile(file(`${name}.pem`), encodePem('CERTIFICATE', issued.der));
    return issued;
  }

  /** `openssl ocsp` for `<cert>.pem` (default: the leaf) against `url` (default: the certificate's AIA OCSP URL). */
  async function ocsp(options: {
    cert?: string;
    issuer?: IssuerId;
    url?: string;
    extra?: readonly string[];
    digest?: string;
  }) {
    const issuer = options.issuer ?? OPERATIONAL;
    return openssl([
      'ocsp',
      '-issuer',
      file(`${issuer}.pem`),
      ...(options.digest === undefined ? [] : [options.digest]), // before -cert, or openssl ignores it
      '-cert',
      file(`${options.cert ?? 'leaf'}.pem`),
      '-url',
      options.url ?? (await aiaOcspUrl(options.cert ?? 'leaf')),
      '-CAfile',
      file('chain.pem'),
      '-resp_text',
      ...(options.extra ?? []),
    ]);
  }

  /** The certificate's AIA OCSP URL, as openssl reads it. */
  async function aiaOcspUrl(name: string): Promise<string> {
    const r = await openssl(['x509', '-in', file(`${name}.pem`), '-noout', '-ocsp_uri']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  }

  /**
   * Downloads `/crl/<id>.crl` as `<id>.crl` (DER) and `<id>.crl.pem`, and puts the PEM CRLs downloaded so far
   * together in `crls.pem` (for `-crl_check_all`).
   */
  async function downloadCrl(id: IssuerId): Promise<void> {
    const response = await fetch(`${publicBase}/crl/${id}.crl`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pkix-crl');
    await writeFile(file(`${id}.crl`), new Uint8Array(await response.arrayBuffer()));
    const pem = await openssl([
      'crl',
      '-in',
      file(`${id}.crl`),
      '-inform',
      'DER',
      '-out',
      file(`${id}.crl.pem`),
    ]);
    assert.equal(pem.code, 0, pem.stderr);
    pemCrls.set(id, await readFile(file(`${id}.crl.pem`), 'utf8'));
    await writeFile(file('crls.pem'), [...pemCrls.values()].join(''));
  }
  const pemCrls = new Map<IssuerId, string>();

  /**
   * `openssl crl -text` of the downloaded CRL, verified against `<issuerPem>`: checks the fields every CRL of ours
   * has (CRL number, authority key identifier = the issuer's subject key identifier, nextUpdate = thisUpdate plus
   * the configured validity) and returns the text and the CRL number.
   */
  async function crlText(id: IssuerId, issuerPem: string) {
    const r = await openssl([
      'crl',
      '-in',
      file(`${id}.crl`),
      '-inform',
      'DER',
      '-CAfile',
      file(issuerPem),
      '-noout',
      '-text',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'verify OK\n');
    const ski = await openssl(['x509', '-in', file(issuerPem), '-noout', '-ext', 'subjectKeyIdentifier']);
    const keyId = /^ {4}([0-9A-F:]+)$/m.exec(ski.stdout)?.[1];
    assert.ok(keyId, ski.stdout);
    assert.match(r.stdout, new RegExp(`X509v3 Authority Key Identifier: \n {16}${keyId}\n`));
    const crlNumber = Number(/X509v3 CRL Number: \n {16}(\d+)\n/.exec(r.stdout)?.[1]);
    assert.ok(Number.isInteger(crlNumber) && crlNumber > 0, r.stdout);
    const lastUpdate = parseOpensslTime(/^ {8}Last Update: (.+)$/m.exec(r.stdout)?.[1]);
    const nextUpdate = parseOpensslTime(/^ {8}Next Update: (.+)$/m.exec(r.stdout)?.[1]);
    assert.ok(Math.abs(lastUpdate.getTime() - Date.now()) < 60_000, r.stdout);
    const validitySeconds =
      id === ROOT ? ROOT_CRL_VALIDITY_SECONDS : server.runtime.config.revocation.crlValiditySeconds;
    assert.equal(nextUpdate.getTime() - lastUpdate.getTime(), validitySeconds * 1000);
    return { text: r.stdout, crlNumber };
  }

  /**
   * What `openssl ocsp` prints for `<name>.pem`: `status` with This Update, Next Update (the configured OCSP
   * validity later) and, when revoked, the reason and revocation time (whole seconds); and the response verified,
   * with no warning (a missing or wrong nonce would be one).
   */
  function assertOcsp(
    r: ToolResult,
    name: string,
    expected: { status: 'good' } | { status: 'revoked'; reason: string; revokedAt: Date },
  ) {
    assert.equal(r.stderr, 'Response verify OK\n', r.stdout);
    assert.equal(r.code, 0);
    const summary = new RegExp(
      `^${escape(file(`${name}.pem`))}: ${expected.status}\n\tThis Update: (.+)\n\tNext Update: (.+)\n` +
        (expected.status === 'revoked'
          ? `\tReason: ${expected.reason}\n\tRevocation Time: ${escape(opensslTime(expected.revokedAt))}\n`
          : ''),
      'm',
    ).exec(r.stdout);
    assert.ok(summary, r.stdout);
    const thisUpdate = parseOpensslTime(summary[1]);
    assert.ok(Math.abs(thisUpdate.getTime() - Date.now()) < 60_000, summary[1]);
    assert.equal(
      parseOpensslTime(summary[2]).getTime() - thisUpdate.getTime(),
      server.runtime.config.revocation.ocspValiditySeconds * 1000,
    );
    assert.match(r.stdout, new RegExp(`^ {4}Cert Status: ${expected.status}$`, 'm'));
  }

  /**
   * RFC 6960 A.1 GET: `openssl ocsp -reqout` writes the request (no nonce: GET is for caches), curl fetches
   * `<AIA URL>/<url-encoded base64>`, and `openssl ocsp -respin` verifies and prints the response.
   */
  async function ocspGet(name: string): Promise<ToolResult> {
    const request = await openssl([
      'ocsp',
      '-issuer',
      file('operational.pem'),
      '-cert',
      file(`${name}.pem`),
      '-no_nonce',
      '-reqout',
      file('get.req'),
    ]);
    assert.equal(request.code, 0, request.stderr);
    const encoded = encodeURIComponent((await readFile(file('get.req'))).toString('base64'));
    const fetched = await run('curl', [
      '--silent',
      '--show-error',
      '--dump-header',
      file('get.headers'),
      '--output',
      file('get.resp'),
      '--write-out',
      '%{http_code} %{content_type}',
      `${await aiaOcspUrl(name)}/${encoded}`,
    ]);
    assert.equal(fetched.stdout, '200 application/ocsp-response', fetched.stderr);
    assert.match(
      await readFile(file('get.headers'), 'utf8'),
      /^cache-control: max-age=\d+, public, no-transform, must-revalidate\r$/im,
    );
    return openssl([
      'ocsp',
      '-issuer',
      file('operational.pem'),
      '-cert',
      file(`${name}.pem`),
      '-no_nonce',
      '-respin',
      file('get.resp'),
      '-CAfile',
      file('chain.pem'),
      '-resp_text',
    ]);
  }

  /** `openssl verify` refused the leaf as revoked, and only for that. */
  function assertRevoked(r: ToolResult) {
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `CN = sensor-1\nerror 23 at 0 depth lookup: certificate revoked\nerror ${file('leaf.pem')}: verification failed\n`,
    );
  }

  const verify = (name: string, options: readonly string[]) =>
    openssl(['verify', '-CAfile', file('chain.pem'), ...options, file(`${name}.pem`)]);

  describe('before revocation', () => {
    test('the certificates point at the public listener', async () => {
      assert.equal(await aiaOcspUrl('leaf'), `${publicBase}/ocsp/operational`);
      const r = await openssl(['x509', '-in', file('leaf.pem'), '-noout', '-ext', 'crlDistributionPoints']);
      assert.match(r.stdout, new RegExp(`URI:${escape(publicBase)}/crl/operational\\.crl\\n`));
      const intermediate = await openssl([
        'x509',
        '-in',
        file('operational.pem'),
        '-noout',
        '-ext',
        'crlDistributionPoints',
      ]);
      assert.match(intermediate.stdout, new RegExp(`URI:${escape(publicBase)}/crl/root\\.crl\\n`));
    });

    test('openssl ocsp (AIA URL, nonce): good, the nonce echoed, the response verified', async () => {
      const r = await ocsp({ extra: ['-req_text'] });
      assertOcsp(r, 'leaf', { status: 'good' });
      assertNonceEchoed(r.stdout);
      assert.match(r.stdout, /^ {6}Hash Algorithm: sha1$/m);
      assert.match(r.stdout, new RegExp(`^ {6}Serial Number: ${leaf.serial.toUpperCase()}$`, 'm'));
    });

    test('openssl ocsp -no_nonce: good, no nonce in the response', async () => {
      const r = await ocsp({ extra: ['-no_nonce'] });
      assertOcsp(r, 'leaf', { status: 'good' });
      assert.doesNotMatch(r.stdout, /Nonce/);
    });

    test('openssl ocsp -sha256: good, answered for the SHA-256 CertID', async () => {
      const r = await ocsp({ digest: '-sha256' });
      assertOcsp(r, 'leaf', { status: 'good' });
      assert.match(r.stdout, /^ {6}Hash Algorithm: sha256$/m);
    });

    test('OCSP over GET (request by openssl, sent by curl, response verified by openssl): good', async () => {
      const r = await ocspGet('leaf');
      assertOcsp(r, 'leaf', { status: 'good' });
    });

    test("a certificate of another issuer, sent to the operational issuer's OCSP URL: unauthorized", async () => {
      const r = await ocsp({ cert: 'foreign', issuer: FACTORY, url: `${publicBase}/ocsp/operational` });
      assert.equal(r.stdout, 'Responder Error: unauthorized (6)\n', r.stderr);
      assert.notEqual(r.code, 0);
      // The same certificate at its own issuer's URL (its AIA) is known and good.
      assert.equal(await aiaOcspUrl('foreign'), `${publicBase}/ocsp/factory`);
      assertOcsp(await ocsp({ cert: 'foreign', issuer: FACTORY }), 'foreign', { status: 'good' });
    });

    test('openssl crl: the first CRLs of the operational issuer and of the offline root verify, and are empty', async () => {
      await downloadCrl(OPERATIONAL);
      await downloadCrl(ROOT);
      const operational = await crlText(OPERATIONAL, 'operational.pem');
      assert.match(operational.text, /^No Revoked Certificates\.$/m);
      firstCrlNumber = operational.crlNumber;
      const root = await crlText(ROOT, 'root.pem');
      assert.match(root.text, /^No Revoked Certificates\.$/m);
      assert.equal(root.crlNumber, 1);
    });

    test('openssl verify -crl_check / -crl_check_all with the downloaded CRLs: OK', async () => {
      const leafOnly = await verify('leaf', ['-crl_check', '-CRLfile', file('operational.crl.pem')]);
      assert.deepEqual(leafOnly, { code: 0, stdout: `${file('leaf.pem')}: OK\n`, stderr: '' });
      const all = await verify('leaf', ['-crl_check_all', '-CRLfile', file('crls.pem')]);
      assert.deepEqual(all, { code: 0, stdout: `${file('leaf.pem')}: OK\n`, stderr: '' });
    });

    test('openssl verify -crl_download: the CRL distribution points are real', async () => {
      // The leaf's CDP: the operational issuer's CRL.
      const leafOnly = await verify('leaf', ['-crl_download', '-crl_check']);
      assert.deepEqual(leafOnly, { code: 0, stdout: `${file('leaf.pem')}: OK\n`, stderr: '' });
      // The intermediate's CDP: the offline root's CRL.
      const intermediate = await openssl([
        'verify',
        '-CAfile',
        file('root.pem'),
        '-crl_download',
        '-crl_check',
        file('operational.pem'),
      ]);
      assert.deepEqual(intermediate, { code: 0, stdout: `${file('operational.pem')}: OK\n`, stderr: '' });
      // openssl checks the trust anchor too, and a root has no CDP: its CRL comes with the root, out of band.
      const all = await verify('leaf', ['-crl_download', '-crl_check_all']);
      assert.equal(all.code, 2);
      assert.match(all.stderr, /^error 3 at 2 depth lookup: unable to get certificate CRL$/m);
      const withRootCrl = await verify('leaf', [
        '-crl_download',
        '-crl_check_all',
        '-CRLfile',
        file('root.crl.pem'),
      ]);
      assert.deepEqual(withRootCrl, { code: 0, stdout: `${file('leaf.pem')}: OK\n`, stderr: '' });
    });
  });

  describe('after an operator revokes the leaf (keyCompromise)', () => {
    let revokedAt: Date;

    before(async () => {
      const summary = await server.runtime.revocations.revoke(
        { kind: 'operator', name: 'test' },
        { kind: 'certificate', serial: leaf.serial, issuerId: OPERATIONAL },
        'keyCompromise',
      );
      assert.equal(summary.revoked, 1);
      const record = await server.runtime.store.certificates.get(OPERATIONAL, leaf.serial);
      assert.equal(record?.status, 'revoked');
      revokedAt = record.revokedAt!;
      // The schedule republishes the issuer's CRL shortly after a revocation (coalescing 500 ms).
      for (let waited = 0; ; waited += 50) {
        const latest = await server.runtime.store.crls.latest(OPERATIONAL, 'full');
        if (latest && latest.crlNumber > firstCrlNumber) break;
        if (waited > 5_000) throw new Error('the CRL was not republished within 5 s');
        await sleep(50);
      }
      await downloadCrl(OPERATIONAL);
    });

    const revoked = () => ({ status: 'revoked', reason: 'keyCompromise', revokedAt }) as const;

    test('openssl ocsp (nonce): revoked, reason keyCompromise, the revocation time', async () => {
      const r = await ocsp({ extra: ['-req_text'] });
      assertOcsp(r, 'leaf', revoked());
      assertNonceEchoed(r.stdout);
    });

    test('openssl ocsp -no_nonce: revoked (the answer cached before the revocation is gone)', async () => {
      assertOcsp(await ocsp({ extra: ['-no_nonce'] }), 'leaf', revoked());
    });

    test('openssl ocsp -sha256: revoked', async () => {
      assertOcsp(await ocsp({ digest: '-sha256' }), 'leaf', revoked());
    });

    test('OCSP over GET: revoked', async () => {
      assertOcsp(await ocspGet('leaf'), 'leaf', revoked());
    });

    test('openssl ocsp: the other certificate of the issuer is still good', async () => {
      assertOcsp(await ocsp({ cert: 'bystander' }), 'bystander', { status: 'good' });
    });

    test('openssl crl: the republished CRL lists the serial with its reason code and date', async () => {
      const { text, crlNumber } = await crlText(OPERATIONAL, 'operational.pem');
      assert.equal(crlNumber, firstCrlNumber + 1);
      const entries = text.slice(text.indexOf('Revoked Certificates:\n'));
      assert.match(
        entries,
        new RegExp(
          [
            'Revoked Certificates:',
            `    Serial Number: ${leaf.serial.toUpperCase()}`,
            `        Revocation Date: ${escape(opensslTime(revokedAt))}`,
            '        CRL entry extensions:',
            '            X509v3 CRL Reason Code: ',
            '                Key Compromise',
            '    Signature Algorithm: ecdsa-with-SHA256',
          ].join('\n'),
        ),
      );
      assert.equal(entries.match(/Serial Number:/g)?.length, 1, entries);
      assert.doesNotMatch(text, new RegExp(bystander.serial, 'i'));
    });

    test('openssl verify -crl_check: certificate revoked (error 23); the other certificate still verifies', async () => {
      assertRevoked(await verify('leaf', ['-crl_check', '-CRLfile', file('operational.crl.pem')]));
      assertRevoked(await verify('leaf', ['-crl_check_all', '-CRLfile', file('crls.pem')]));
      const other = await verify('bystander', ['-crl_check_all', '-CRLfile', file('crls.pem')]);
      assert.deepEqual(other, { code: 0, stdout: `${file('bystander.pem')}: OK\n`, stderr: '' });
    });

    test('openssl verify -crl_download: certificate revoked (error 23)', async () => {
      assertRevoked(await verify('leaf', ['-crl_download', '-crl_check']));
      assertRevoked(
        await verify('leaf', ['-crl_download', '-crl_check_all', '-CRLfile', file('root.crl.pem')]),
      );
    });
  });
});

/** The request's nonce and the response's, from `openssl ocsp -req_text -resp_text`: present and equal. */
function assertNonceEchoed(stdout: string) {
  const nonces = [...stdout.matchAll(/OCSP Nonce: \n {12}([0-9A-F]+)\n/g)].map((m) => m[1]);
  assert.equal(nonces.length, 2, stdout);
  assert.equal(nonces[0], nonces[1]);
  // The extension's value is an OCTET STRING of openssl's 16 random bytes (RFC 9654 §2.1), echoed as it came.
  assert.match(nonces[0]!, /^0410[0-9A-F]{32}$/);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** How openssl prints a time: `Mar  5 09:08:07 2026 GMT` (fractions of a second would show). */
function opensslTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${date.getUTCFullYear()} GMT`
  );
}

function parseOpensslTime(text: string | undefined): Date {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(text ?? '');
  assert.ok(m, `not an openssl time: ${text}`);
  return new Date(
    Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])),
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
