import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { Certificate } from '@peculiar/asn1-x509';
import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { ID_IT } from '../../src/pki/asn1/cmp/cmp-oids.js';
import { pkiBodyType, type PKIBodyType } from '../../src/pki/asn1/cmp/pki-body.js';
import { PKIMessage } from '../../src/pki/asn1/cmp/pki-message.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { bytesToHex, decodeDer, encodeDer, toBytes } from '../../src/pki/der.js';
import type { Runtime } from '../../src/server/runtime.js';
import { type CmpTestServer, startCmpTestServer } from '../helpers/cmp-test-server.js';
import { openssl, opensslCsr } from '../helpers/openssl.js';
import type { RunResult } from '../helpers/run.js';

/** RFC 9810 §5.3.19.17: the value of id-it-caCerts, `SEQUENCE SIZE (1..MAX) OF CMPCertificate`. */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: Certificate })
class CaCertsValue extends AsnArray<Certificate> {
  constructor(items?: Certificate[]) {
    super(items);
    Object.setPrototypeOf(this, CaCertsValue.prototype);
  }
}

const LDEVID_EKU = 'TLS Web Client Authentication';

/**
 * CMP (RFC 9810, Lightweight CMP profile RFC 9483) against the system `openssl cmp` (OpenSSL 3.0), run as
 * docs/cmp.md tells an operator to run it: MAC and signature protection, every request type, implicit and explicit
 * confirmation, polling for a request held for approval, and the refusals. Every certificate is verified by
 * `openssl verify` and looked up in the store. The tests run in order (kur, genm and rr use the LDevID of the ir).
 */
describe('CMP with openssl cmp', () => {
  let t: CmpTestServer;
  let runtime: Runtime;

  before(async () => {
    t = await startCmpTestServer({
      est: { approvalRetryAfterSeconds: 1, rateLimit: { perMinute: 6000, burst: 1000 } },
      cmp: {
        labels: {
          default: { profile: 'ldevid', credentials: ['idevid', 'enrollment-token'] },
          factory: { profile: 'idevid', credentials: ['station-certificate'] },
          approval: {
            profile: 'ldevid',
            credentials: ['idevid', 'enrollment-token'],
            manualApproval: true,
          },
        },
      },
    });
    runtime = t.est.server.runtime;
    await t.idevid('idevid', 'serialNumber=DEV-2,CN=sensor,O=Acme');
  });
  after(async () => {
    await t?.close();
  });

  /** A P-256 key made by openssl as `<name>.key`. */
  async function newKey(name: string): Promise<string> {
    const made = await openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      t.file(`${name}.key`),
    ]);
    assert.equal(made.code, 0, made.stderr);
    return `${name}.key`;
  }

  /** What openssl cmp printed: its progress goes to stdout, its errors to stderr. */
  const printed = (result: RunResult) => `${result.stdout}${result.stderr}`;

  const succeeded = (result: RunResult) => assert.equal(result.code, 0, printed(result));

  /** The PKIFailureInfo openssl printed for an error message it received. */
  function refusedWith(result: RunResult, failInfo: string): void {
    assert.notEqual(result.code, 0, 'openssl cmp should have failed');
    assert.match(printed(result), /received error:PKIStatus: rejection/);
    assert.equal(/PKIFailureInfo: (\w+)/.exec(printed(result))?.[1], failInfo, printed(result));
  }

  /** LDevIDs in the store: a refusal must leave the count as it was. */
  const ldevidCount = () => runtime.store.certificates.count({ profile: 'ldevid' });

  const serialOf = async (pem: string) => parseCertificate(await readFile(t.file(pem), 'utf8')).serial;

  async function recordOf(pem: string) {
    const records = await runtime.store.certificates.findBySerial(await serialOf(pem));
    assert.equal(records.length, 1);
    return records[0]!;
  }

  /** openssl verifies the chain to our root; subject and EKU as asked; the store knows the certificate as issued. */
  async function verifyIssued(pem: string, subject: RegExp, eku = LDEVID_EKU): Promise<void> {
    const verified = await openssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      t.file('root.pem'),
      '-untrusted',
      t.file('operational.pem'),
      t.file(pem),
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /: OK$/m);
    const shown = await openssl([
      'x509',
      '-in',
      t.file(pem),
      '-noout',
      '-subject',
      '-ext',
      'extendedKeyUsage',
    ]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, subject);
    assert.match(shown.stdout, new RegExp(`X509v3 Extended Key Usage: \\n\\s+${eku}$`, 'm'));
    assert.equal((await recordOf(pem)).status, 'issued');
  }

  /** The PKIMessages openssl wrote with `-reqout a,b,…`, those that exist, in order. */
  async function savedMessages(names: readonly string[]): Promise<PKIMessage[]> {
    const messages: PKIMessage[] = [];
    for (const name of names) {
      const present = await access(t.file(name)).then(
        () => true,
        () => false,
      );
      if (!present) break;
      messages.push(decodeDer(await readFile(t.file(name)), PKIMessage, name));
    }
    return messages;
  }

  const bodyTypes = (messages: readonly PKIMessage[]): PKIBodyType[] =>
    messages.map((message) => pkiBodyType(message.body));

  const transactionOf = (message: PKIMessage) => {
    const id = message.header.transactionID;
    assert.ok(id);
    return runtime.store.cmpTransactions.get(bytesToHex(toBytes(id)));
  };

  const files = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}.der`);

  test('ir with a MAC keyed by an enrollment token; the token works once', async () => {
    const token = await t.token('DEV-1');
    await newKey('mac');
    const mac = ['-ref', token.id, '-secret', `pass:${token.secret}`];
    const ir = await t.cmp([
      '-cmd',
      'ir',
      ...mac,
      '-newkey',
      'mac.key',
      '-subject',
      '/CN=DEV-1',
      '-certout',
      'mac.pem',
      '-cacertsout',
      'capubs.pem',
      '-reqout',
      files('mac', 3).join(','),
    ]);
    succeeded(ir);
    await verifyIssued('mac.pem', /CN ?= ?DEV-1/);
    assert.equal((await recordOf('mac.pem')).deviceId, 'DEV-1');
    // RFC 9483 §4.1.5: a MAC-protected ip brings the root in caPubs, for a device that has no trust anchor yet.
    const caPubs = await readFile(t.file('capubs.pem'), 'utf8');
    assert.deepEqual(parseCertificate(caPubs).der, parseCertificate(t.est.rootPem).der);

    const count = await ldevidCount();
    await newKey('mac-again');
    const again = await t.cmp([
      '-cmd',
      'ir',
      ...mac,
      '-newkey',
      'mac-again.key',
      '-subject',
      '/CN=DEV-1',
      '-certout',
      'mac-again.pem',
    ]);
    refusedWith(again, 'notAuthorized');
    assert.equal(await ldevidCount(), count);
  });

  test('ir signed with the IDevID', async () => {
    await newKey('ldevid');
    const ir = await t.cmp([
      '-cmd',
      'ir',
      '-cert',
      'idevid.pem',
      '-key',
      'idevid.key',
      '-newkey',
      'ldevid.key',
      '-subject',
      '/CN=sensor',
      '-certout',
      'ldevid.pem',
    ]);
    succeeded(ir);
    await verifyIssued('ldevid.pem', /CN ?= ?sensor/);
    assert.equal((await recordOf('ldevid.pem')).deviceId, 'DEV-2');
  });

  test('p10cr with a CSR made by openssl, signed with the IDevID', async () => {
    await opensslCsr(t.dir, 'p10', '/CN=sensor');
    const p10cr = await t.cmp([
      '-cmd',
      'p10cr',
      '-cert',
      'idevid.pem',
      '-key',
      'idevid.key',
      '-csr',
      'p10.csr',
      '-certout',
      'p10.pem',
    ]);
    succeeded(p10cr);
    await verifyIssued('p10.pem', /CN ?= ?sensor/);
  });

  test('cr signed with the IDevID', async () => {
    await newKey('cr');
    const cr = await t.cmp([
      '-cmd',
      'cr',
      '-cert',
      'idevid.pem',
      '-key',
      'idevid.key',
      '-newkey',
      'cr.key',
      '-subject',
      '/CN=sensor',
      '-certout',
      'cr.pem',
    ]);
    succeeded(cr);
    await verifyIssued('cr.pem', /CN ?= ?sensor/);
  });

  test('kur: a new key for the same identity; the old certificate is superseded', async () => {
    await newKey('ldevid2');
    const kur = await t.cmp([
      '-cmd',
      'kur',
      '-cert',
      'ldevid.pem',
      '-key',
      'ldevid.key',
      '-newkey',
      'ldevid2.key',
      '-certout',
      'ldevid2.pem',
    ]);
    succeeded(kur);
    await verifyIssued('ldevid2.pem', /CN ?= ?sensor/);
    const [oldCert, newCert] = await Promise.all([
      readFile(t.file('ldevid.pem'), 'utf8').then(parseCertificate),
      readFile(t.file('ldevid2.pem'), 'utf8').then(parseCertificate),
    ]);
    assert.ok(oldCert.subjectDer.length > 0);
    assert.deepEqual(newCert.subjectDer, oldCert.subjectDer);
    assert.notDeepEqual(newCert.spkiDer, oldCert.spkiDer);
    assert.equal((await recordOf('ldevid.pem')).supersededBy, newCert.serial);
  });

  test('genm caCerts: the operational CA and the root', async () => {
    const genm = await t.cmp([
      '-cmd',
      'genm',
      '-cert',
      'ldevid2.pem',
      '-key',
      'ldevid2.key',
      '-infotype',
      'caCerts',
      '-rspout',
      'genp.der',
    ]);
    succeeded(genm);
    // OpenSSL 3.0 prints only the type of what it received.
    assert.match(printed(genm), /genp contains ITAV of type: id-it-caCerts/);
    const genp = decodeDer(await readFile(t.file('genp.der')), PKIMessage, 'genp');
    assert.equal(pkiBodyType(genp.body), 'genp');
    const items = genp.body.genp ?? [];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.infoType, ID_IT.caCerts);
    const value = items[0]?.infoValue;
    assert.ok(value);
    const sent = [...decodeDer(toBytes(value), CaCertsValue, 'caCerts')].map((c) => bytesToHex(encodeDer(c)));
    const operational = parseCertificate(await readFile(t.file('operational.pem'), 'utf8'));
    const root = parseCertificate(t.est.rootPem);
    assert.ok(sent.includes(bytesToHex(operational.der)), 'the operational CA is in caCerts');
    assert.ok(sent.includes(bytesToHex(root.der)), 'the root is in caCerts');
  });

  test('rr: the holder revokes its certificate; a second rr is certRevoked', async () => {
    const rr = [
      '-cmd',
      'rr',
      '-cert',
      'ldevid2.pem',
      '-key',
      'ldevid2.key',
      '-oldcert',
      'ldevid2.pem',
      '-revreason',
      '1',
    ];
    const first = await t.cmp(rr);
    succeeded(first);
    assert.match(printed(first), /revocation accepted/);
    const record = await recordOf('ldevid2.pem');
    assert.equal(record.status, 'revoked');
    assert.equal(record.revocationReason, 'keyCompromise');
    refusedWith(await t.cmp(rr), 'certRevoked');
  });

  test('implicit confirmation: one request, no certConf, the transaction closed at once', async () => {
    await t.idevid('idevid4', 'serialNumber=DEV-4,CN=sensor4,O=Acme');
    const signed = ['-cert', 'idevid4.pem', '-key', 'idevid4.key', '-subject', '/CN=sensor4'];

    await newKey('implicit');
    const implicit = await t.cmp([
      '-cmd',
      'ir',
      ...signed,
      '-newkey',
      'implicit.key',
      '-implicit_confirm',
      '-certout',
      'implicit.pem',
      '-reqout',
      files('implicit', 3).join(','),
    ]);
    succeeded(implicit);
    assert.doesNotMatch(printed(implicit), /sending CERTCONF/);
    await verifyIssued('implicit.pem', /CN ?= ?sensor4/);
    const [ir, ...others] = await savedMessages(files('implicit', 3));
    assert.ok(ir);
    assert.deepEqual(bodyTypes([ir, ...others]), ['ir']);
    const transaction = await transactionOf(ir);
    assert.equal(transaction?.state, 'closed');
    assert.equal(transaction?.certificate?.serial, await serialOf('implicit.pem'));

    await newKey('explicit');
    const explicit = await t.cmp([
      '-cmd',
      'ir',
      ...signed,
      '-newkey',
      'explicit.key',
      '-certout',
      'explicit.pem',
      '-reqout',
      files('explicit', 3).join(','),
    ]);
    succeeded(explicit);
    await verifyIssued('explicit.pem', /CN ?= ?sensor4/);
    const sent = await savedMessages(files('explicit', 3));
    assert.deepEqual(bodyTypes(sent), ['ir', 'certConf']);
    assert.equal((await transactionOf(sent[0]!))?.state, 'closed');
  });

  test('delayed delivery: held for approval, openssl polls until an operator approves', async () => {
    await t.idevid('idevid5', 'serialNumber=DEV-5,CN=sensor5,O=Acme');
    await newKey('approved');
    const names = files('approval', 40);
    const running = t.startCmp(
      [
        '-cmd',
        'ir',
        '-cert',
        'idevid5.pem',
        '-key',
        'idevid5.key',
        '-newkey',
        'approved.key',
        '-subject',
        '/CN=sensor5',
        '-certout',
        'approved.pem',
        '-reqout',
        names.join(','),
      ],
      '/.well-known/cmp/p/approval',
    );
    let pending;
    for (let i = 0; i < 100 && pending === undefined; i++) {
      pending = (await runtime.store.pendingEnrollments.list({ status: 'pending' })).find(
        (p) => p.deviceId === 'DEV-5',
      );
      if (pending === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (pending === undefined) running.kill();
    assert.ok(pending, `no pending request appeared: ${running.stdout()}${running.stderr()}`);
    assert.equal(pending.label, 'cmp:approval');
    await runtime.store.pendingEnrollments.decide(pending.id, 'approved', 'operator:test', null, new Date());

    const result = await running.exited;
    succeeded(result);
    assert.match(printed(result), /received 'waiting' PKIStatus, starting to poll/);
    await verifyIssued('approved.pem', /CN ?= ?sensor5/);
    const decided = await runtime.store.pendingEnrollments.get(pending.id);
    assert.equal(decided?.status, 'issued');
    assert.equal(decided?.certificateSerial, await serialOf('approved.pem'));
    const sent = bodyTypes(await savedMessages(names));
    assert.equal(sent[0], 'ir');
    assert.ok(sent.includes('pollReq'), sent.join(' '));
    assert.equal(sent.at(-1), 'certConf');
    assert.deepEqual(new Set(sent.slice(1, -1)), new Set(['pollReq']));
  });

  describe('refusals', () => {
    test('a wrong secret: badMessageCheck, nothing issued, the refusal recorded', async () => {
      const token = await t.token('DEV-6');
      const since = runtime.clock.now();
      const count = await ldevidCount();
      await newKey('wrong-secret');
      const result = await t.cmp([
        '-cmd',
        'ir',
        '-ref',
        token.id,
        '-secret',
        'pass:not-the-token',
        '-newkey',
        'wrong-secret.key',
        '-subject',
        '/CN=DEV-6',
        '-certout',
        'wrong-secret.pem',
      ]);
      refusedWith(result, 'badMessageCheck');
      assert.equal(await ldevidCount(), count);
      const refusals = await runtime.store.enrollments.list({ since, outcome: 'refused' });
      assert.ok(
        refusals.some(
          (e) => e.protocol === 'cmp' && e.operation === 'ir' && e.reasonCode === 'cmp.bad-message-check',
        ),
        JSON.stringify(refusals),
      );
      // The failed attempt did not spend the token.
      const usable = await runtime.store.tokens.list({ usableAt: runtime.clock.now() });
      assert.ok(usable.some((record) => record.id === token.id));
    });

    test('a wrong signer: a self-signed certificate or one from another CA instead of the IDevID', async () => {
      const count = await ldevidCount();
      const selfSigned = await openssl([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        t.file('rogue.key'),
        '-out',
        t.file('rogue.pem'),
        '-subj',
        '/serialNumber=DEV-2/CN=sensor',
        '-days',
        '1',
      ]);
      assert.equal(selfSigned.code, 0, selfSigned.stderr);
      await newKey('rogue-new');
      const request = (cert: string, key: string) => [
        '-cmd',
        'ir',
        '-cert',
        cert,
        '-key',
        key,
        '-newkey',
        'rogue-new.key',
        '-subject',
        '/CN=sensor',
        '-certout',
        'rogue-out.pem',
      ];
      // OpenSSL leaves a self-signed protection certificate out of extraCerts: nothing to check the signature with.
      refusedWith(await t.cmp(request('rogue.pem', 'rogue.key')), 'wrongIntegrity');

      const ca = await openssl([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        t.file('rogue-ca.key'),
        '-out',
        t.file('rogue-ca.pem'),
        '-subj',
        '/CN=Rogue CA',
        '-days',
        '1',
        '-addext',
        'basicConstraints=critical,CA:true',
        '-addext',
        'keyUsage=critical,keyCertSign',
      ]);
      assert.equal(ca.code, 0, ca.stderr);
      await opensslCsr(t.dir, 'rogue-leaf', '/serialNumber=DEV-2/CN=sensor');
      const leaf = await openssl([
        'x509',
        '-req',
        '-in',
        t.file('rogue-leaf.csr'),
        '-CA',
        t.file('rogue-ca.pem'),
        '-CAkey',
        t.file('rogue-ca.key'),
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        t.file('rogue-leaf.pem'),
      ]);
      assert.equal(leaf.code, 0, leaf.stderr);
      refusedWith(await t.cmp(request('rogue-leaf.pem', 'rogue-leaf.key')), 'signerNotTrusted');
      assert.equal(await ldevidCount(), count);
    });

    test('a replayed ir: transactionIdInUse, nothing issued', async () => {
      const count = await ldevidCount();
      const token = await t.token('DEV-7');
      await newKey('replayed');
      const args = [
        '-ref',
        token.id,
        '-secret',
        `pass:${token.secret}`,
        '-newkey',
        'replayed.key',
        '-subject',
        '/CN=DEV-7',
      ];
      succeeded(
        await t.cmp([
          '-cmd',
          'ir',
          ...args,
          '-certout',
          'replayed.pem',
          '-reqout',
          files('replayed', 2).join(','),
        ]),
      );
      assert.equal(await ldevidCount(), count + 1);
      // The same bytes again: openssl sends a -reqin message as it is.
      const replay = await t.cmp([
        '-cmd',
        'ir',
        ...args,
        '-reqin',
        'replayed-1.der',
        '-certout',
        'replayed-again.pem',
        '-rspout',
        'replayed-answer.der',
      ]);
      refusedWith(replay, 'transactionIdInUse');
      assert.match(printed(replay), /actually sending replayed-1\.der/);
      const answer = decodeDer(await readFile(t.file('replayed-answer.der')), PKIMessage, 'answer');
      assert.equal(pkiBodyType(answer.body), 'error');
      assert.equal(await ldevidCount(), count + 1);
    });

    test('kur protected with a MAC: wrongIntegrity', async () => {
      const token = await t.token('DEV-8');
      const count = await ldevidCount();
      await newKey('kur-mac');
      const result = await t.cmp([
        '-cmd',
        'kur',
        '-ref',
        token.id,
        '-secret',
        `pass:${token.secret}`,
        '-oldcert',
        'mac.pem',
        '-newkey',
        'kur-mac.key',
        '-certout',
        'kur-mac.pem',
      ]);
      refusedWith(result, 'wrongIntegrity');
      assert.equal(await ldevidCount(), count);
    });

    test('an ir sent to /.well-known/cmp/revocation: badRequest', async () => {
      const count = await ldevidCount();
      await newKey('misrouted');
      const result = await t.cmp(
        [
          '-cmd',
          'ir',
          '-cert',
          'idevid.pem',
          '-key',
          'idevid.key',
          '-newkey',
          'misrouted.key',
          '-subject',
          '/CN=sensor',
          '-certout',
          'misrouted.pem',
        ],
        '/.well-known/cmp/revocation',
      );
      refusedWith(result, 'badRequest');
      assert.match(printed(result), /does not belong under \/revocation/);
      assert.equal(await ldevidCount(), count);
    });
  });
});
