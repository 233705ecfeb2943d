import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GeneralName, Name } from '@peculiar/asn1-x509';
import pino from 'pino';
import { ManualClock } from '../../core/clock.js';
import { generateKeyPair, type PrivateKey } from '../../pki/algorithms/key-algorithm.js';
import { ID_IT, ID_KP_CMP } from '../../pki/asn1/cmp/cmp-oids.js';
import { PKIBody } from '../../pki/asn1/cmp/pki-body.js';
import { CertRepMessage } from '../../pki/asn1/cmp/cert-rep-message.js';
import { ProofOfPossession } from '../../pki/asn1/crmf/proof-of-possession.js';
import { parseCertificate } from '../../pki/certificate.js';
import { buildCsr } from '../../pki/csr.js';
import { bytesEqual, toArrayBuffer } from '../../pki/der.js';
import { parseDistinguishedName } from '../../pki/name.js';
import { readPemAll } from '../../pki/pem.js';
import { cmpSetup } from '../../server/cmp-setup.js';
import { type EstTestServer, startEstServer } from '../../../test/helpers/est-server.js';
import {
  type ClientProtection,
  NO_PROTECTION,
  pbmac1Protection,
  pbmProtection,
  signatureProtection,
} from './client/client-protection.js';
import {
  certConfBody,
  certReqMsg,
  certRequestBody,
  genmBody,
  p10crBody,
  rrBody,
} from './client/cmp-client-messages.js';
import { CmpHttpClient } from './client/cmp-http-client.js';
import { type CmpRequest, type CmpRequestOptions, encodeCmpRequest } from './client/cmp-request.js';
import { type CmpResponse, readCmpResponse } from './client/cmp-response-reader.js';
import { CMP_MEDIA_TYPE } from './wire/media-type.js';
import { createEnrollmentToken } from '../../../test/helpers/enrollment-token.js';

// The real server (serve(), HTTPS on 127.0.0.1) driven by the CMP client codec. Every refusal is checked for its
// exact PKIFailureInfo (or HTTP status), for issuing nothing, and where it matters for the enrollment log entry.
const clock = new ManualClock(Date.now());
const MAX_ITERATIONS = 20_000;
const CONFIRM_WAIT_SECONDS = 60;
let t: EstTestServer;
let http: CmpHttpClient;
let root: Uint8Array;

before(async () => {
  t = await startEstServer(
    {
      est: { rateLimit: { perMinute: 60_000, burst: 10_000 } },
      cmp: {
        labels: {
          default: { profile: 'ldevid', credentials: ['idevid', 'enrollment-token'] },
          factory: { profile: 'idevid', credentials: ['station-certificate'] },
        },
        maxMacIterations: MAX_ITERATIONS,
        confirmWaitSeconds: CONFIRM_WAIT_SECONDS,
        maxBodyBytes: 8192,
      },
    },
    clock,
  );
  http = new CmpHttpClient({ baseUrl: `${t.server.url}/.well-known/cmp`, serverTrust: t.rootPem });
  root = readPemAll(t.rootPem, 'CERTIFICATE', 'root')[0] ?? new Uint8Array();
});

after(async () => {
  await t.close();
});

/** A fresh enrollment token for `deviceId`: its id is the MAC reference. */
function token(deviceId: string): Promise<{ id: string; secret: string }> {
  return createEnrollmentToken(t.server.runtime, deviceId);
}

/** An IDevID as the factory issued it, as signature protection (leaf, then the factory CA). */
async function idevid(serial: string): Promise<{ protection: ClientProtection; chain: Uint8Array[] }> {
  const credential = await t.issue('idevid', `serialNumber=${serial},CN=sensor,O=Acme`);
  const chain = readPemAll(credential.certificatePem, 'CERTIFICATE', 'IDevID');
  return { protection: signatureProtection(credential.key, chain), chain };
}

type Options = Omit<CmpRequestOptions, 'messageTime'> & { messageTime?: Date | null };

function request(body: PKIBody, options: Options): CmpRequest {
  return encodeCmpRequest(body, { messageTime: clock.now(), ...options });
}

/** Sends and reads the answer, checking its protection (MAC with `secret`, or a signature chaining to our root). */
async function exchange(sent: CmpRequest, secret?: string, path?: string): Promise<CmpResponse> {
  return http.send(
    sent.der,
    { ...(secret === undefined ? {} : { secret }), trustedRoots: [root], at: new Date(), request: sent },
    path,
  );
}

function ir(key: PrivateKey = generateKeyPair('ec-p256'), subject = 'CN=sensor'): PKIBody {
  return certRequestBody('ir', certReqMsg({ key, subject }));
}

const ldevids = () => t.server.runtime.store.certificates.count({ profile: 'ldevid' });
const allCertificates = () => t.server.runtime.store.certificates.count({});

/** How many CMP refusals the enrollment log holds with this rule (reasonCode). */
async function refusals(rule: string): Promise<number> {
  const events = await t.server.runtime.store.enrollments.list({ outcome: 'refused', limit: 1000 });
  return events.filter((event) => event.protocol === 'cmp' && event.reasonCode === rule).length;
}

/**
 * Runs `send` and asserts the answer refuses with `failInfo`, issuing no LDevID, and (with `rule`) that the
 * enrollment log recorded one more refusal under that rule.
 */
async function assertRefused(
  failInfo: string,
  send: () => Promise<CmpResponse>,
  rule?: string,
): Promise<CmpResponse> {
  const issuedBefore = await ldevids();
  const loggedBefore = rule === undefined ? 0 : await refusals(rule);
  const answer = await send();
  assert.equal(answer.bodyType, 'error', `expected an error, got ${answer.bodyType}: ${answer.text ?? ''}`);
  assert.equal(answer.status, 'rejection');
  assert.deepEqual(answer.failInfo, [failInfo], answer.text);
  assert.equal(await ldevids(), issuedBefore, 'nothing was issued');
  if (rule !== undefined)
    assert.equal(await refusals(rule), loggedBefore + 1, `one refusal logged as ${rule}`);
  return answer;
}

/** Runs `send` and asserts it got a plain HTTP error `status` and issued nothing. */
async function assertHttpRefused(status: number, send: () => Promise<{ status: number }>): Promise<void> {
  const before = await ldevids();
  assert.equal((await send()).status, status);
  assert.equal(await ldevids(), before, 'nothing was issued');
}

describe('requests the server accepts', () => {
  test('MAC-protected ir → ip (caPubs, MAC-protected) → certConf → pkiconf', async () => {
    const secret = await token('DEV-MAC-1');
    const protection = pbmProtection(secret.id, secret.secret);
    const key = generateKeyPair('ec-p256');
    const sent = request(ir(key, 'CN=DEV-MAC-1'), { protection });
    const ip = await exchange(sent, secret.secret);
    assert.equal(ip.bodyType, 'ip', ip.text);
    assert.equal(ip.protectedBy, 'mac');
    assert.equal(ip.status, 'accepted');
    assert.equal(parseCertificate(ip.certificate ?? root).subjectText, 'CN=DEV-MAC-1');
    assert.ok(ip.certificate, 'ip.certificate');
    assert.ok(
      bytesEqual(parseCertificate(ip.certificate).spkiDer, key.spki),
      'bytesEqual(parseCertificate(ip.certificate).spkiDer, key.spki)',
    );
    assert.ok(
      ip.caPubs.some((c) => bytesEqual(c, root)),
      'ip.caPubs.some((c) => bytesEqual(c, root))',
    );
    const conf = request(certConfBody(ip.certificate), {
      protection,
      transactionId: sent.transactionId,
      recipNonce: ip.senderNonce,
    });
    const pkiconf = await exchange(conf, secret.secret);
    assert.equal(pkiconf.bodyType, 'pkiconf', pkiconf.text);
  });

  test('signed ir with an IDevID and implicitConfirm, then kur, p10cr, genm and rr with the new LDevID', async () => {
    const device = await idevid('DEV-SIG-1');
    const key = generateKeyPair('ec-p256');
    const ip = await exchange(request(ir(key), { protection: device.protection, implicitConfirm: true }));
    assert.equal(ip.bodyType, 'ip', ip.text);
    assert.equal(ip.protectedBy, 'signature');
    assert.ok(
      ip.generalInfo.some((info) => info.infoType === ID_IT.implicitConfirm),
      'ip.generalInfo.some((info) => info.infoType === ID_IT.implicitConfirm)',
    );
    assert.ok(ip.certificate, 'ip.certificate');
    const ldevid = signatureProtection(key, [ip.certificate, ...ip.extraCerts.slice(1)]);

    const key2 = generateKeyPair('ec-p256');
    const kup = await exchange(
      request(certRequestBody('kur', certReqMsg({ key: key2, oldCertificate: ip.certificate })), {
        protection: ldevid,
        implicitConfirm: true,
      }),
    );
    assert.equal(kup.bodyType, 'kup', kup.text);
    assert.ok(kup.certificate, 'kup.certificate');
    const renewed = signatureProtection(key2, [kup.certificate]);

    const csr = buildCsr(
      { subject: parseDistinguishedName('CN=sensor'), altNames: [] },
      generateKeyPair('ec-p256'),
    );
    const cp = await exchange(
      request(p10crBody(csr), { protection: device.protection, implicitConfirm: true }),
    );
    assert.equal(cp.bodyType, 'cp', cp.text);
    assert.equal(cp.certReqId, -1);

    const genp = await exchange(request(genmBody(ID_IT.caCerts), { protection: renewed }));
    assert.equal(genp.bodyType, 'genp', genp.text);

    const rp = await exchange(request(rrBody(kup.certificate, 'keyCompromise'), { protection: renewed }));
    assert.equal(rp.bodyType, 'rp', rp.text);
    assert.equal(rp.status, 'accepted');
    const record = await t.server.runtime.store.certificates.findBySerial(
      parseCertificate(kup.certificate).serial,
    );
    assert.equal(record[0]?.status, 'revoked');
  });

  test('PBMAC1-protected ir is accepted, answered with PBMAC1, and confirmed', async () => {
    const secret = await token('DEV-PBMAC1');
    const protection = pbmac1Protection(secret.id, secret.secret, { iterationCount: 5000 });
    const sent = request(ir(undefined, 'CN=DEV-PBMAC1'), { protection });
    const ip = await exchange(sent, secret.secret);
    assert.equal(ip.bodyType, 'ip', ip.text);
    assert.equal(ip.protectedBy, 'mac');
    assert.equal(ip.message.header.protectionAlg?.algorithm, '1.2.840.113549.1.5.14');
    assert.ok(ip.certificate && ip.senderNonce, 'ip.certificate && ip.senderNonce');
    const pkiconf = await exchange(
      request(certConfBody(ip.certificate), {
        protection,
        transactionId: sent.transactionId,
        recipNonce: ip.senderNonce,
      }),
      secret.secret,
    );
    assert.equal(pkiconf.bodyType, 'pkiconf', pkiconf.text);
  });
});

describe('bodies that are no PKIMessage', () => {
  const undecodable = async (body: Uint8Array) => {
    const before = await allCertificates();
    const logged = await refusals('cmp.bad-data-format');
    const answer = await http.post(body);
    assert.equal(answer.status, 400);
    assert.equal(answer.contentType, CMP_MEDIA_TYPE);
    const error = readCmpResponse(answer.body, { trustedRoots: [root], at: new Date() });
    assert.equal(error.protectedBy, 'signature');
    assert.deepEqual([error.bodyType, error.failInfo], ['error', ['badDataFormat']]);
    // The CMP protection certificate may be issued at the first answer; nothing else is.
    assert.ok((await allCertificates()) <= before + 1, '(await allCertificates()) <= before + 1');
    assert.equal(await refusals('cmp.bad-data-format'), logged + 1);
  };

  test('truncated DER', async () => {
    const whole = request(ir(), { protection: NO_PROTECTION }).der;
    await undecodable(whole.subarray(0, whole.length - 10));
  });

  test('random bytes', async () => {
    await undecodable(new Uint8Array(randomBytes(300)));
  });

  test('a valid DER value that is not a PKIMessage (a certificate)', async () => {
    await undecodable(root);
  });

  test('an empty body is 400 text', async () => {
    await assertHttpRefused(400, async () => {
      const answer = await http.post(new Uint8Array());
      assert.match(answer.contentType ?? '', /^text\/plain/);
      return answer;
    });
  });

  test('a wrong Content-Type is 415', async () => {
    const secret = await token('DEV-MEDIA');
    const der = request(ir(), { protection: pbmProtection(secret.id, secret.secret) }).der;
    await assertHttpRefused(415, () => http.post(der, { contentType: 'application/octet-stream' }));
  });

  test('a body over cmp.maxBodyBytes is 413', async () => {
    await assertHttpRefused(413, () => http.post(new Uint8Array(9000)));
  });

  test('an unknown label is 404, an unknown operation too', async () => {
    const secret = await token('DEV-LABEL');
    const der = request(ir(), { protection: pbmProtection(secret.id, secret.secret) }).der;
    await assertHttpRefused(404, () => http.post(der, { path: '/p/nosuchlabel' }));
    await assertHttpRefused(404, () => http.post(der, { path: '/nosuchoperation' }));
  });
});

describe('header rules', () => {
  for (const pvno of [1, 4]) {
    test(`pvno ${pvno} is unsupportedVersion`, async () => {
      const secret = await token(`DEV-PVNO-${pvno}`);
      await assertRefused(
        'unsupportedVersion',
        () =>
          exchange(
            request(ir(), { protection: pbmProtection(secret.id, secret.secret), pvno }),
            secret.secret,
          ),
        'cmp.unsupported-version',
      );
    });
  }

  test('a response body sent as a request (ip, pkiconf) is badRequest', async () => {
    const device = await idevid('DEV-RESP');
    await assertRefused('badRequest', () =>
      exchange(
        request(new PKIBody({ ip: new CertRepMessage({ response: [] }) }), { protection: device.protection }),
      ),
    );
    await assertRefused('badRequest', () =>
      exchange(request(new PKIBody({ pkiconf: null }), { protection: device.protection })),
    );
  });

  test('an ir under /revocation is badRequest', async () => {
    const device = await idevid('DEV-OPER');
    await assertRefused('badRequest', () =>
      exchange(request(ir(), { protection: device.protection }), undefined, '/revocation'),
    );
  });

  test('a missing transactionID is badRequest, a missing senderNonce badSenderNonce', async () => {
    const device = await idevid('DEV-IDS');
    await assertRefused('badRequest', () =>
      exchange(request(ir(), { protection: device.protection, transactionId: null })),
    );
    await assertRefused('badSenderNonce', () =>
      exchange(request(ir(), { protection: device.protection, senderNonce: null })),
    );
    await assertRefused('badRequest', () =>
      exchange(request(ir(), { protection: device.protection, transactionId: new Uint8Array(8) })),
    );
  });

  test('messageTime missing or an hour off is badTime', async () => {
    const device = await idevid('DEV-TIME');
    await assertRefused(
      'badTime',
      () => exchange(request(ir(), { protection: device.protection, messageTime: null })),
      'cmp.bad-time',
    );
    for (const offsetMs of [3_600_000, -3_600_000]) {
      await assertRefused('badTime', () =>
        exchange(
          request(ir(), {
            protection: device.protection,
            messageTime: new Date(clock.now().getTime() + offsetMs),
          }),
        ),
      );
    }
  });
});

describe('protection rules', () => {
  test('an unprotected ir is wrongIntegrity, answered with our signature', async () => {
    const answer = await assertRefused(
      'wrongIntegrity',
      () => exchange(request(ir(), { protection: NO_PROTECTION })),
      'cmp.wrong-integrity',
    );
    assert.equal(answer.protectedBy, 'signature');
  });

  test('a MAC with a wrong secret is badMessageCheck, answered with our signature', async () => {
    const secret = await token('DEV-WRONG');
    const answer = await assertRefused(
      'badMessageCheck',
      () => exchange(request(ir(), { protection: pbmProtection(secret.id, 'not the secret') })),
      'cmp.bad-message-check',
    );
    assert.equal(answer.protectedBy, 'signature');
    // The token was not spent: the right secret still works.
    const ip = await exchange(
      request(ir(undefined, 'CN=DEV-WRONG'), {
        protection: pbmProtection(secret.id, secret.secret),
        implicitConfirm: true,
      }),
      secret.secret,
    );
    assert.equal(ip.bodyType, 'ip', ip.text);
  });

  test('a MAC with an unknown reference is badMessageCheck; a token never registered is refused', async () => {
    await assertRefused('badMessageCheck', () =>
      exchange(request(ir(), { protection: pbmProtection('no-such-token', 'secret') })),
    );
    // The server derives the secret of any well-formed id; one it never registered verifies but enrolls nothing.
    const minted = t.server.runtime.tokenSecrets.mint();
    const answer = await assertRefused('notAuthorized', () =>
      exchange(request(ir(), { protection: pbmProtection(minted.id, minted.secret) }), minted.secret),
    );
    assert.equal(answer.protectedBy, 'mac');
  });

  test('a signature that does not verify is badMessageCheck', async () => {
    const device = await idevid('DEV-BADSIG');
    const forged = signatureProtection(
      generateKeyPair('ec-p256'),
      device.protection.kind === 'signature' ? device.protection.chain : [],
    );
    const answer = await assertRefused(
      'badMessageCheck',
      () => exchange(request(ir(), { protection: forged })),
      'cmp.bad-message-check',
    );
    assert.equal(answer.protectedBy, 'signature');
  });

  test('a PasswordBasedMac above cmp.maxMacIterations is badAlg', async () => {
    const secret = await token('DEV-ITER');
    await assertRefused('badAlg', () =>
      exchange(
        request(ir(), {
          protection: pbmProtection(secret.id, secret.secret, { iterationCount: MAX_ITERATIONS + 1 }),
        }),
      ),
    );
  });

  test('kur protected by a MAC is wrongIntegrity', async () => {
    const secret = await token('DEV-KURMAC');
    const answer = await assertRefused(
      'wrongIntegrity',
      () =>
        exchange(
          request(certRequestBody('kur', certReqMsg({ key: generateKeyPair('ec-p256'), subject: 'CN=x' })), {
            protection: pbmProtection(secret.id, secret.secret),
          }),
          secret.secret,
        ),
      'cmp.wrong-integrity',
    );
    // A request whose MAC verified is answered with the same MAC.
    assert.equal(answer.protectedBy, 'mac');
  });
});

describe('certificate request rules', () => {
  test('a replayed ir (same bytes) is transactionIdInUse, and only one certificate is issued', async () => {
    const device = await idevid('DEV-REPLAY');
    const sent = request(ir(), { protection: device.protection, implicitConfirm: true });
    const before = await ldevids();
    const first = await exchange(sent);
    assert.equal(first.bodyType, 'ip', first.text);
    await assertRefused('transactionIdInUse', () => exchange(sent), 'cmp.transaction-id-in-use');
    assert.equal(await ldevids(), before + 1);
  });

  test('two CertReqMsgs in one ir are badRequest', async () => {
    const device = await idevid('DEV-TWO');
    const body = certRequestBody(
      'ir',
      certReqMsg({ key: generateKeyPair('ec-p256'), subject: 'CN=sensor' }),
      certReqMsg({ key: generateKeyPair('ec-p256'), subject: 'CN=sensor', certReqId: 1 }),
    );
    await assertRefused('badRequest', () => exchange(request(body, { protection: device.protection })));
  });

  test('certReqId 1 is badRequest', async () => {
    const device = await idevid('DEV-REQID');
    const body = certRequestBody(
      'ir',
      certReqMsg({ key: generateKeyPair('ec-p256'), certReqId: 1, subject: 'CN=s' }),
    );
    await assertRefused('badRequest', () => exchange(request(body, { protection: device.protection })));
  });

  test('POPO missing, raVerified, or a signature that does not verify is badPOP', async () => {
    const device = await idevid('DEV-POP');
    const variants: Array<(msg: ReturnType<typeof certReqMsg>) => void> = [
      (msg) => {
        delete msg.popo;
      },
      (msg) => {
        msg.popo = new ProofOfPossession({ raVerified: null });
      },
      (msg) => {
        const signature = msg.popo?.signature;
        assert.ok(signature, 'signature');
        const bytes = new Uint8Array(signature.signature);
        bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 0xff;
        signature.signature = toArrayBuffer(bytes);
      },
    ];
    for (const change of variants) {
      const msg = certReqMsg({ key: generateKeyPair('ec-p256'), subject: 'CN=sensor' });
      change(msg);
      await assertRefused(
        'badPOP',
        () => exchange(request(certRequestBody('ir', msg), { protection: device.protection })),
        'cmp.bad-pop',
      );
    }
  });
});

describe('certConf rules', () => {
  /** An ir that waits for confirmation, with what its certConf needs. */
  async function pending(serial: string) {
    const device = await idevid(serial);
    const sent = request(ir(), { protection: device.protection });
    const ip = await exchange(sent);
    assert.equal(ip.bodyType, 'ip', ip.text);
    assert.ok(
      ip.certificate && ip.senderNonce && sent.transactionId,
      'ip.certificate && ip.senderNonce && sent.transactionId',
    );
    const confirm = (body: PKIBody, overrides: Partial<CmpRequestOptions> = {}) =>
      exchange(
        request(body, {
          protection: device.protection,
          transactionId: sent.transactionId,
          recipNonce: ip.senderNonce,
          ...overrides,
        }),
      );
    return { certificate: ip.certificate, confirm };
  }

  const statusOf = async (certificate: Uint8Array) =>
    (await t.server.runtime.store.certificates.findBySerial(parseCertificate(certificate).serial))[0]?.status;

  test('a wrong recipNonce is badRecipientNonce; the right one then confirms', async () => {
    const { certificate, confirm } = await pending('DEV-NONCE');
    await assertRefused('badRecipientNonce', () =>
      confirm(certConfBody(certificate), { recipNonce: new Uint8Array(randomBytes(16)) }),
    );
    assert.equal((await confirm(certConfBody(certificate))).bodyType, 'pkiconf');
    assert.equal(await statusOf(certificate), 'issued');
  });

  test('a certConf from a different sender is notAuthorized', async () => {
    const { certificate, confirm } = await pending('DEV-OWNER');
    const other = await idevid('DEV-OTHER');
    await assertRefused('notAuthorized', () =>
      confirm(certConfBody(certificate), { protection: other.protection }),
    );
  });

  test('a wrong certHash is badCertId', async () => {
    const { certificate, confirm } = await pending('DEV-HASH');
    await assertRefused('badCertId', () =>
      confirm(certConfBody(certificate, { certHash: new Uint8Array(32) })),
    );
  });

  test('a rejection is answered with pkiconf and the certificate is revoked', async () => {
    const { certificate, confirm } = await pending('DEV-REJECT');
    const answer = await confirm(certConfBody(certificate, { rejection: { text: 'wrong subject' } }));
    assert.equal(answer.bodyType, 'pkiconf', answer.text);
    assert.equal(await statusOf(certificate), 'revoked');
  });

  test('an ir never confirmed is revoked by the sweep after confirmWaitSeconds', async () => {
    const { certificate } = await pending('DEV-SWEEP');
    // A responder over the same runtime: the server's own sweeps once a minute on a real timer.
    const { responder } = cmpSetup(t.server.runtime, pino({ level: 'silent' }));
    assert.equal((await responder.sweep()).revoked, 0);
    assert.equal(await statusOf(certificate), 'issued');
    clock.advanceSeconds(CONFIRM_WAIT_SECONDS + 1);
    const swept = await responder.sweep();
    assert.ok(swept.revoked >= 1, 'swept.revoked >= 1');
    assert.equal(await statusOf(certificate), 'revoked');
  });
});

describe('other bodies', () => {
  test('rr of a certificate other than the signer’s is badCertId', async () => {
    const device = await idevid('DEV-RR');
    const ip = await exchange(request(ir(), { protection: device.protection, implicitConfirm: true }));
    assert.ok(ip.certificate, 'ip.certificate');
    await assertRefused('badCertId', () =>
      exchange(request(rrBody(ip.certificate ?? root), { protection: device.protection })),
    );
    const records = await t.server.runtime.store.certificates.findBySerial(
      parseCertificate(ip.certificate).serial,
    );
    assert.equal(records[0]?.status, 'issued');
  });

  test('genm with an unknown infoType is badRequest', async () => {
    const device = await idevid('DEV-GENM');
    await assertRefused('badRequest', () =>
      exchange(request(genmBody('1.3.6.1.5.5.7.4.99'), { protection: device.protection })),
    );
  });
});

describe('error responses are protected', () => {
  test('a MAC-protected request whose MAC verifies gets a MAC-protected error', async () => {
    const secret = await token('DEV-ERRMAC');
    const answer = await assertRefused('badTime', () =>
      exchange(
        request(ir(), { protection: pbmProtection(secret.id, secret.secret), messageTime: null }),
        secret.secret,
      ),
    );
    assert.equal(answer.protectedBy, 'mac');
    assert.deepEqual(
      answer.message.header.senderKID && new Uint8Array(answer.message.header.senderKID),
      new Uint8Array(Buffer.from(secret.id)),
    );
  });

  test('otherwise the error is signed by the CMP server certificate (id-kp-cmcRA) chaining to the root', async () => {
    const answer = await assertRefused('wrongIntegrity', () =>
      exchange(
        request(ir(), {
          protection: NO_PROTECTION,
          recipient: new GeneralName({ directoryName: new Name() }),
        }),
      ),
    );
    assert.equal(answer.protectedBy, 'signature');
    assert.ok(answer.signer, 'answer.signer');
    const signer = parseCertificate(answer.signer);
    assert.deepEqual(signer.extensions.extKeyUsage?.purposes, [ID_KP_CMP.cmcRA]);
    assert.ok(
      bytesEqual(
        answer.message.header.senderKID ? new Uint8Array(answer.message.header.senderKID) : new Uint8Array(),
        signer.extensions.subjectKeyId ?? new Uint8Array(1),
      ),
      'senderKID is the CMP certificate’s subjectKeyIdentifier',
    );
  });
});
