import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, CertificateList, GeneralName, GeneralNames, Name, Time } from '@peculiar/asn1-x509';
import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { makeTestCrl, makeTestHierarchy } from '../../../test/helpers/pki-fixtures.js';
import { PkiError } from '../../core/pki-error.js';
import { CertReqTemplateContent } from '../../pki/asn1/cmp/cert-req-template-content.js';
import { ID_IT } from '../../pki/asn1/cmp/cmp-oids.js';
import { CRLSource } from '../../pki/asn1/cmp/crl-source.js';
import { CRLStatus } from '../../pki/asn1/cmp/crl-status.js';
import { CrlStatusList } from '../../pki/asn1/cmp/crl-status-list.js';
import { GenMsgContent } from '../../pki/asn1/cmp/gen-msg-content.js';
import { InfoTypeAndValue } from '../../pki/asn1/cmp/info-type-and-value.js';
import { PKIBody } from '../../pki/asn1/cmp/pki-body.js';
import { PKIHeader } from '../../pki/asn1/cmp/pki-header.js';
import { PKIMessage } from '../../pki/asn1/cmp/pki-message.js';
import { RootCaKeyUpdateContent } from '../../pki/asn1/cmp/root-ca-key-update-content.js';
import { ID_REG_CTRL } from '../../pki/asn1/crmf/crmf-oids.js';
import { decodeDer, encodeDer, toArrayBuffer, toBytes } from '../../pki/der.js';
import { parseCrl } from '../../pki/crl.js';
import type { CmpExchange } from './cmp-exchange.js';
import { CmpFailure } from './cmp-failure.js';
import type { CmpLabel } from './cmp-label.js';
import {
  GeneralMessageHandler,
  type GeneralMessageSources,
  type RootUpdate,
} from './general-message-handler.js';
import type { Sender } from './message-protection.js';
import { decodeReceivedMessage } from './wire/received-message.js';

@AsnType({ type: AsnTypeTypes.Sequence, itemType: Certificate })
class Certificates extends AsnArray<Certificate> {}
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertificateList })
class CertificateLists extends AsnArray<CertificateList> {}

const { root, intermediate } = makeTestHierarchy();
const crl = makeTestCrl(intermediate, []);
const label: CmpLabel = {
  name: 'default',
  profile: 'ldevid',
  issuerId: 'operational' as CmpLabel['issuerId'],
  credentials: ['idevid', 'enrollment-token'],
  manualApproval: false,
  implicitConfirm: true,
};
const signed: Sender = { kind: 'signature', chain: [Uint8Array.of(1)], fingerprintSha256: 'ab' };

function exchange(infos: InfoTypeAndValue[], sender: Sender = signed): CmpExchange {
  const message = new PKIMessage({
    header: new PKIHeader({
      pvno: 2,
      sender: new GeneralName({ directoryName: new Name() }),
      recipient: new GeneralName({ directoryName: new Name() }),
    }),
    body: new PKIBody({ genm: new GenMsgContent(infos) }),
  });
  return {
    received: decodeReceivedMessage(encodeDer(message)),
    sender,
    label,
    now: new Date(),
    transactionId: '00'.repeat(16),
    serverNonce: new Uint8Array(16),
  };
}

function handler(
  overrides: Partial<GeneralMessageSources> = {},
  authenticate: () => Promise<string> = () => Promise.resolve('ldevid:DEV-1'),
): GeneralMessageHandler {
  const sources: GeneralMessageSources = {
    caCertificates: () => [intermediate.cert.der, root.cert.der],
    rootUpdate: () => Promise.resolve(undefined),
    currentCrl: () => Promise.resolve({ der: crl, thisUpdate: parseCrl(crl).thisUpdate }),
    keyAlgorithm: () => 'ec-p256',
    ...overrides,
  };
  return new GeneralMessageHandler({ ra: { authenticate }, sources });
}

async function answer(h: GeneralMessageHandler, infos: InfoTypeAndValue[], sender?: Sender) {
  const reply = await h.answer(exchange(infos, sender));
  assert.ok(!(reply.body instanceof Uint8Array));
  const genp = reply.body.genp;
  assert.ok(genp && genp.length === 1);
  return genp[0]!;
}

test('caCerts: the label issuer and the root, in order (RFC 9483 §4.3.1)', async () => {
  const info = await answer(handler(), [new InfoTypeAndValue({ infoType: ID_IT.caCerts })]);
  assert.equal(info.infoType, ID_IT.caCerts);
  const certificates = decodeDer(toBytes(info.infoValue!), Certificates, 'caCerts');
  assert.deepEqual(
    [...certificates].map((c) => encodeDer(c)),
    [intermediate.cert.der, root.cert.der],
  );
});

test('rootCaCert: answered with rootCaKeyUpdate (18, not 20); empty when there is no newer root', async () => {
  const none = await answer(handler(), [new InfoTypeAndValue({ infoType: ID_IT.rootCaCert })]);
  assert.equal(none.infoType, ID_IT.rootCaKeyUpdate);
  assert.equal(none.infoValue, undefined);

  const update: RootUpdate = { newWithNew: intermediate.cert.der, newWithOld: root.cert.der };
  let asked: Uint8Array | undefined;
  const h = handler({
    rootUpdate: (current) => {
      asked = current;
      return Promise.resolve(update);
    },
  });
  const info = await answer(h, [
    new InfoTypeAndValue({ infoType: ID_IT.rootCaCert, infoValue: toArrayBuffer(root.cert.der) }),
  ]);
  assert.deepEqual(asked, root.cert.der);
  const content = decodeDer(toBytes(info.infoValue!), RootCaKeyUpdateContent, 'update');
  assert.deepEqual(encodeDer(content.newWithNew), intermediate.cert.der);
  assert.deepEqual(encodeDer(content.newWithOld!), root.cert.der);
  assert.equal(content.oldWithNew, undefined);
});

test('certReqTemplate: no prescribed names, keySpec names P-256 (RFC 9483 §4.3.3)', async () => {
  const info = await answer(handler(), [new InfoTypeAndValue({ infoType: ID_IT.certReqTemplate })]);
  const content = decodeDer(toBytes(info.infoValue!), CertReqTemplateContent, 'template');
  assert.equal(content.certTemplate.publicKey, undefined);
  const control = content.keySpec?.[0];
  assert.equal(control?.type, ID_REG_CTRL.algId);
  assert.equal(
    Buffer.from(toBytes(control.value)).toString('hex'),
    '301306072a8648ce3d020106082a8648ce3d030107',
  );
});

function crlStatus(thisUpdate?: Date): InfoTypeAndValue {
  const source = new CRLSource({
    issuer: new GeneralNames([
      new GeneralName({ directoryName: decodeDer(intermediate.cert.subjectDer, Name, 'n') }),
    ]),
  });
  const status = new CRLStatus({ source });
  if (thisUpdate) status.thisUpdate = new Time(thisUpdate);
  return new InfoTypeAndValue({
    infoType: ID_IT.crlStatusList,
    infoValue: toArrayBuffer(encodeDer(new CrlStatusList([status]))),
  });
}

test('crlStatusList: the current CRL when the client has none or an older one, nothing when it is current', async () => {
  let source: { issuerNameDer?: Uint8Array; url?: string } | undefined;
  const h = handler({
    currentCrl: (s) => {
      source = s;
      return Promise.resolve({ der: crl, thisUpdate: parseCrl(crl).thisUpdate });
    },
  });
  const fresh = await answer(h, [crlStatus()]);
  assert.equal(fresh.infoType, ID_IT.crls);
  assert.deepEqual(source?.issuerNameDer, intermediate.cert.subjectDer);
  const lists = decodeDer(toBytes(fresh.infoValue!), CertificateLists, 'crls');
  assert.deepEqual(encodeDer(lists[0]), crl);

  const older = await answer(h, [crlStatus(new Date(parseCrl(crl).thisUpdate.getTime() - 60_000))]);
  assert.ok(older.infoValue);
  const current = await answer(h, [crlStatus(parseCrl(crl).thisUpdate)]);
  assert.equal(current.infoType, ID_IT.crls);
  assert.equal(current.infoValue, undefined);
});

test('refusals: an unknown infoType, two questions, an unprotected or unauthenticated sender', async () => {
  const h = handler();
  await assert.rejects(
    h.answer(exchange([new InfoTypeAndValue({ infoType: '1.2.3.4' })])),
    (e) => e instanceof CmpFailure && e.failInfo === 'badRequest',
  );
  const two = [
    new InfoTypeAndValue({ infoType: ID_IT.caCerts }),
    new InfoTypeAndValue({ infoType: ID_IT.caCerts }),
  ];
  await assert.rejects(
    h.answer(exchange(two)),
    (e) => e instanceof CmpFailure && e.failInfo === 'badRequest',
  );
  await assert.rejects(
    h.answer(exchange([new InfoTypeAndValue({ infoType: ID_IT.caCerts })], { kind: 'none' })),
    (e) => e instanceof CmpFailure && e.failInfo === 'wrongIntegrity',
  );
  const stranger = handler({}, () => Promise.reject(new PkiError('UNAUTHORIZED', 'who are you')));
  await assert.rejects(
    stranger.answer(exchange([new InfoTypeAndValue({ infoType: ID_IT.caCerts })])),
    (e) => e instanceof PkiError && e.code === 'UNAUTHORIZED',
  );
});
