import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { generateKeyPair } from '../../pki/algorithms/key-algorithm.js';
import { ID_IT } from '../../pki/asn1/cmp/cmp-oids.js';
import { decodeFailureInfo } from '../../pki/asn1/cmp/pki-failure-info.js';
import { buildCsr } from '../../pki/csr.js';
import { encodeDer } from '../../pki/der.js';
import { parseDistinguishedName } from '../../pki/name.js';
import { readPemAll } from '../../pki/pem.js';
import { cmpSetup } from '../../server/cmp-setup.js';
import { type EstTestServer, startEstServer } from '../../../test/helpers/est-server.js';
import { pbmProtection, signatureProtection } from './client/client-protection.js';
import {
  certConfBody,
  certReqMsg,
  certRequestBody,
  genmBody,
  p10crBody,
  rrBody,
} from './client/cmp-client-messages.js';
import { encodeCmpRequest } from './client/cmp-request.js';
import type { CmpLabel } from './cmp-label.js';
import type { CmpResponder } from './cmp-responder.js';
import { decodeReceivedMessage } from './wire/received-message.js';
import { createEnrollmentToken } from '../../../test/helpers/enrollment-token.js';

// CmpResponder.respond over mutated valid requests: it always answers one PKIMessage (an error for what it refuses),
// never throws, and never fails internally (no systemFailure, which the plugin would log as a server error).
let t: EstTestServer;
let responder: CmpResponder;
let label: CmpLabel;
const requests: Uint8Array[] = [];

before(async () => {
  t = await startEstServer({ est: { rateLimit: { perMinute: 60_000, burst: 10_000 } } });
  const { runtime } = t.server;
  const setup = cmpSetup(runtime, pino({ level: 'silent' }));
  responder = setup.responder;
  label = setup.options.labels.get('default') ?? assert.fail('no default label');
  const now = () => runtime.clock.now();

  const minted = await createEnrollmentToken(runtime, 'DEV-FUZZ-1');
  const credential = await t.issue('idevid', 'serialNumber=DEV-FUZZ-2,CN=sensor,O=Acme');
  const idevid = signatureProtection(
    credential.key,
    readPemAll(credential.certificatePem, 'CERTIFICATE', 'IDevID'),
  );
  const key = generateKeyPair('ec-p256');
  const irBody = certRequestBody('ir', certReqMsg({ key, subject: 'CN=sensor' }));

  // An issued LDevID, for kur, genm, rr and certConf.
  const ir = encodeCmpRequest(irBody, { protection: idevid, messageTime: now() });
  const ip = decodeReceivedMessage((await responder.respond(ir.der, label, undefined)).der);
  const issued = ip.message.body.ip?.response[0]?.certifiedKeyPair?.certOrEncCert.certificate;
  assert.ok(issued, 'the seed ir is answered with a certificate');
  const ldevidDer = encodeDer(issued);
  const ldevid = signatureProtection(key, [ldevidDer, ...ip.extraCerts.slice(1)]);
  const csr = buildCsr(
    { subject: parseDistinguishedName('CN=sensor'), altNames: [] },
    generateKeyPair('ec-p256'),
  );

  requests.push(
    encodeCmpRequest(certRequestBody('ir', certReqMsg({ key, subject: 'CN=DEV-FUZZ-1' })), {
      protection: pbmProtection(minted.id, minted.secret),
      messageTime: now(),
    }).der,
    encodeCmpRequest(irBody, { protection: idevid, messageTime: now(), implicitConfirm: true }).der,
    encodeCmpRequest(certConfBody(ldevidDer), {
      protection: idevid,
      messageTime: now(),
      transactionId: ir.transactionId,
      recipNonce: ip.senderNonce,
    }).der,
    encodeCmpRequest(
      certRequestBody('kur', certReqMsg({ key: generateKeyPair('ec-p256'), oldCertificate: ldevidDer })),
      { protection: ldevid, messageTime: now() },
    ).der,
    encodeCmpRequest(p10crBody(csr), { protection: idevid, messageTime: now() }).der,
    encodeCmpRequest(genmBody(ID_IT.caCerts), { protection: ldevid, messageTime: now() }).der,
    encodeCmpRequest(rrBody(ldevidDer, 'superseded'), { protection: ldevid, messageTime: now() }).der,
  );
});

after(async () => {
  await t.close();
});

test('respond answers every mutated request with a PKIMessage, never an internal failure', async () => {
  const mutation = fc
    .tuple(fc.nat(requests.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat())
    .map(([which, at, xor, cut]) => {
      const original = requests[which] ?? new Uint8Array();
      const copy = new Uint8Array(original);
      const index = at % copy.length;
      copy[index] = (copy[index] ?? 0) ^ xor;
      // One in four also loses its tail.
      return cut % 4 === 0 ? copy.subarray(0, cut % copy.length) : copy;
    });
  const input = fc.oneof(
    { weight: 8, arbitrary: mutation },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
  );
  await fc.assert(
    fc.asyncProperty(input, async (bytes) => {
      const answer = await responder.respond(bytes, label, undefined);
      assert.ok(
        answer.httpStatus === 200 || answer.httpStatus === 400,
        'answer.httpStatus === 200 || answer.httpStatus === 400',
      );
      const reply = decodeReceivedMessage(answer.der);
      const error = reply.message.body.error;
      if (error) {
        const failInfo = error.pKIStatusInfo.failInfo;
        const names = failInfo ? decodeFailureInfo(failInfo) : [];
        assert.ok(!names.includes('systemFailure'), `internal failure: ${error.errorDetails?.join(' ')}`);
      } else {
        assert.equal(answer.httpStatus, 200);
      }
    }),
    // A few hundred runs keep the file under ten seconds; CMP_FUZZ_RUNS=5000 for a longer search.
    { numRuns: Number(process.env['CMP_FUZZ_RUNS'] ?? 300) },
  );
});
