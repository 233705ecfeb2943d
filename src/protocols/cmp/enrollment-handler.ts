import type * as asn1js from 'asn1js';
import type { Clock } from '../../core/clock.js';
import type { IssuerId, SerialHex } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { InfoTypeAndValue } from '../../pki/asn1/cmp/info-type-and-value.js';
import { ID_IT } from '../../pki/asn1/cmp/cmp-oids.js';
import { PKI_STATUS } from '../../pki/asn1/cmp/pki-status.js';
import { CertReqMsg } from '../../pki/asn1/crmf/cert-req-msg.js';
import { parseCertificate } from '../../pki/certificate.js';
import { parseCsr } from '../../pki/csr.js';
import { bytesEqual, decodeDerWithTree, toBytes } from '../../pki/der.js';
import type { VerifiedRequest } from '../../pki/verified-request.js';
import type { Credential } from '../../ra/provisioner.js';
import type { EnrollmentResult, RegistrationAuthority } from '../../ra/registration-authority.js';

/** What the CA issued, as the RA hands it on. */
type IssuedCertificate = Extract<EnrollmentResult, { status: 'issued' }>['certificate'];
import type { Revocations } from '../../ra/revocations.js';
import type { CertificateReader } from '../../store/certificate-reader.js';
import type { CmpHeldRequest, CmpTransactionRecord, CmpTransactions } from '../../store/cmp-transactions.js';
import type { CmpExchange, CmpReply } from './cmp-exchange.js';
import { CmpFailure } from './cmp-failure.js';
import type { CmpLabel } from './cmp-label.js';
import { senderKey } from './message-protection.js';
import { certHash } from './wire/cert-hash.js';
import { verifyCertReqMsg } from './wire/crmf-request.js';
import {
  type CertRequestType,
  certIssuedBody,
  certWaitingBody,
  pkiConfBody,
  pollRepBody,
  RESPONSE_TYPE,
} from './wire/response-bodies.js';

export interface EnrollmentHandlerOptions {
  /** How long a closed transaction's id stays taken: at least the messageTime window, so replays fail. */
  readonly retentionSeconds: number;
  /** How long an issued certificate waits for certConf before it is revoked (RFC 9483 §4.1.1). */
  readonly confirmWaitSeconds: number;
  /** How long a held request waits for the client's pollReq. */
  readonly heldSeconds: number;
}

/**
 * Certificate requests (ir, cr, p10cr, kur; RFC 9483 §4.1) and the messages that finish them: certConf (§4.1.1),
 * pollReq (§4.4) and a client's error. The RA decides; this class keeps the transaction, which lives in the store so
 * any node can continue it, and which every step advances by compare-and-set: a replayed message loses.
 */
export class EnrollmentHandler {
  /** Errors the RA has recorded already, so the responder does not record them twice. */
  readonly recordedByRa = new WeakSet<object>();

  constructor(
    private readonly deps: {
      ra: Pick<RegistrationAuthority, 'enroll'>;
      revocations: Pick<Revocations, 'revoke'>;
      transactions: CmpTransactions;
      certificates: Pick<CertificateReader, 'get'>;
      clock: Clock;
    },
    private readonly options: EnrollmentHandlerOptions,
  ) {}

  /** ir, cr, kur: one CertReqMsg with certReqId 0; p10cr: a PKCS#10 request, answered with certReqId -1. */
  async request(exchange: CmpExchange, type: CertRequestType): Promise<CmpReply> {
    const { certReqId, request, der } = this.readRequest(exchange, type);
    const credential = this.credentialFor(exchange, type);
    // Claim the transactionID before anything is issued: of two copies of this message, one gets this far.
    await this.begin(exchange, type, certReqId);
    const result = await this.enroll(exchange.label, credential, request, type);
    const implicit = result.status === 'issued' && this.grantsImplicitConfirm(exchange);
    if (result.status === 'pending') {
      await this.advance(exchange, 'closed', {
        state: 'waiting-approval',
        held: { requestDer: der, credentialChain: chainOf(exchange) },
        expiresAt: this.after(this.options.heldSeconds),
      });
      return { body: certWaitingBody(RESPONSE_TYPE[type], certReqId, 'held for an operator; poll for it') };
    }
    await this.advance(exchange, 'closed', {
      state: implicit ? 'closed' : 'awaiting-confirmation',
      certificate: { issuerId: result.certificate.issuerId, serial: result.certificate.serial },
      expiresAt: this.after(implicit ? this.options.retentionSeconds : this.options.confirmWaitSeconds),
    });
    return this.issuedReply(exchange, type, certReqId, result.certificate, implicit);
  }

  /** certConf (RFC 9810 §5.3.18): accepted → pkiConf; rejected → the certificate is revoked, then pkiConf. */
  async confirm(exchange: CmpExchange): Promise<CmpReply> {
    const transaction = await this.continued(exchange, 'awaiting-confirmation');
    const statuses = exchange.received.message.body.certConf ?? [];
    if (statuses.length > 1)
      throw new CmpFailure('badRequest', 'MALFORMED_INPUT', 'certConf must confirm exactly one certificate');
    const status = statuses[0];
    const certificate = transaction.certificate;
    if (!certificate) throw new CmpFailure('badRequest', 'CONFLICT', 'the transaction holds no certificate');
    const rejected =
      status === undefined ||
      (status.statusInfo !== undefined && status.statusInfo.status === PKI_STATUS.rejection);
    if (status !== undefined) {
      if (status.certReqId !== transaction.certReqId)
        throw new CmpFailure(
          'badCertId',
          'NOT_FOUND',
          `certConf names certReqId ${status.certReqId}, not ${transaction.certReqId}`,
        );
      const record = await this.deps.certificates.get(certificate.issuerId, certificate.serial);
      if (!record?.der) throw new PkiError('INTERNAL', 'the transaction certificate is not recorded');
      const hash = certHash(record.der, status.hashAlg?.algorithm);
      if (!bytesEqual(hash, toBytes(status.certHash)))
        throw new CmpFailure('badCertId', 'NOT_FOUND', 'certHash does not match the certificate issued');
    }
    await this.advance(exchange, 'awaiting-confirmation', {
      state: 'closed',
      expiresAt: this.after(this.options.retentionSeconds),
    });
    if (rejected) await this.revokeUnconfirmed(certificate);
    return { body: pkiConfBody() };
  }

  /** pollReq (RFC 9483 §4.4): submits the held request again; pollRep until an operator decided. */
  async poll(exchange: CmpExchange): Promise<CmpReply> {
    const transaction = await this.continued(exchange, 'waiting-approval');
    const entries = exchange.received.message.body.pollReq ?? [];
    const entry = entries[0];
    if (entries.length !== 1 || entry === undefined)
      throw new CmpFailure('badRequest', 'MALFORMED_INPUT', 'pollReq must name exactly one request');
    if (entry.certReqId !== transaction.certReqId)
      throw new CmpFailure(
        'badCertId',
        'NOT_FOUND',
        `pollReq names certReqId ${entry.certReqId}, not ${transaction.certReqId}`,
      );
    const held = transaction.held;
    const type = transaction.requestType;
    if (!held || !isRequestType(type)) throw new PkiError('INTERNAL', 'the held request is missing');
    const { request } = this.reread(held, type);
    const credential = this.credentialFor(exchange, type, held);
    const result = await this.enroll(exchange.label, credential, request, type);
    if (result.status === 'pending') {
      await this.advance(exchange, 'waiting-approval', {
        state: 'waiting-approval',
        expiresAt: transaction.expiresAt,
      });
      return { body: pollRepBody(entry.certReqId, result.retryAfterSeconds, 'waiting for an operator') };
    }
    // A certificate fetched by polling is always confirmed explicitly: the ir's implicitConfirm was not granted then.
    await this.advance(exchange, 'waiting-approval', {
      state: 'awaiting-confirmation',
      certificate: { issuerId: result.certificate.issuerId, serial: result.certificate.serial },
      held: null,
      expiresAt: this.after(this.options.confirmWaitSeconds),
    });
    return this.issuedReply(exchange, type, entry.certReqId, result.certificate, false);
  }

  /** A client's error message (RFC 9810 §5.3.21): the transaction ends; an unconfirmed certificate is revoked. */
  async clientError(exchange: CmpExchange): Promise<CmpReply> {
    const transaction = await this.deps.transactions.get(exchange.transactionId);
    if (transaction && transaction.state !== 'closed') {
      const owned = await this.continued(exchange, transaction.state);
      await this.advance(exchange, owned.state, {
        state: 'closed',
        expiresAt: this.after(this.options.retentionSeconds),
      });
      if (owned.state === 'awaiting-confirmation' && owned.certificate)
        await this.revokeUnconfirmed(owned.certificate);
    }
    return { body: pkiConfBody() };
  }

  /**
   * Transactions past their time: certificates never confirmed are revoked (RFC 9483 §4.1.1: not confirmed in time
   * means not accepted), held requests nobody polled for are closed; closed ones past retention are purged.
   */
  async sweep(limit = 100): Promise<{ revoked: number; closed: number; purged: number }> {
    const now = this.deps.clock.now();
    let revoked = 0;
    let closed = 0;
    for (const transaction of await this.deps.transactions.listExpiredOpen(now, limit)) {
      const advanced = await this.deps.transactions.advance(
        transaction.transactionId,
        { state: transaction.state, serverNonce: transaction.serverNonce },
        {
          state: 'closed',
          serverNonce: transaction.serverNonce,
          expiresAt: new Date(now.getTime() + this.options.retentionSeconds * 1000),
        },
        now,
      );
      if (!advanced) continue;
      closed++;
      if (transaction.state === 'awaiting-confirmation' && transaction.certificate) {
        await this.revokeUnconfirmed(transaction.certificate);
        revoked++;
      }
    }
    return { revoked, closed, purged: await this.deps.transactions.purgeClosed(now) };
  }

  private readRequest(
    exchange: CmpExchange,
    type: CertRequestType,
  ): { certReqId: number; request: VerifiedRequest; der: Uint8Array } {
    const node = exchange.received.bodyContent;
    if (type === 'p10cr') {
      const der = new Uint8Array(node.valueBeforeDecodeView);
      return { certReqId: -1, request: parseCsr(der), der };
    }
    const messages = childrenOf(node);
    const first = messages[0];
    if (messages.length !== 1 || first === undefined)
      throw new CmpFailure(
        'badRequest',
        'MALFORMED_INPUT',
        'the Lightweight CMP profile takes exactly one certificate request per message',
      );
    const der = new Uint8Array(first.valueBeforeDecodeView);
    const decoded = exchange.received.message.body[type]?.[0];
    if (!decoded) throw new PkiError('INTERNAL', `the ${type} body has no CertReqMsg`);
    const { certReqId, request, oldCertSerial } = verifyCertReqMsg(decoded, first);
    if (certReqId !== 0)
      throw new CmpFailure('badRequest', 'MALFORMED_INPUT', 'certReqId must be 0 (RFC 9483 §4.1.1)');
    if (type === 'kur' && oldCertSerial !== undefined) {
      const signer = exchange.sender.kind === 'signature' ? exchange.sender.chain[0] : undefined;
      if (signer !== undefined && parseCertificate(signer).serial !== oldCertSerial)
        throw new CmpFailure(
          'badCertId',
          'FORBIDDEN',
          'oldCertID does not name the certificate that protects the request',
        );
    }
    return { certReqId, request, der };
  }

  /** The held request again, as stored (its proof of possession was checked when it arrived; it is checked again). */
  private reread(held: CmpHeldRequest, type: CertRequestType): { request: VerifiedRequest } {
    if (type === 'p10cr') return { request: parseCsr(held.requestDer) };
    const { value, tree } = decodeDerWithTree(held.requestDer, CertReqMsg, 'CertReqMsg');
    return { request: verifyCertReqMsg(value, tree).request };
  }

  /**
   * Which credential the protection amounts to (RFC 9483 §4.1): kur is signed with the certificate being updated
   * (an LDevID); ir/cr/p10cr with a MAC keyed by an enrollment token, or signed with the label's certificate
   * credential (an IDevID, a factory station's certificate).
   */
  private credentialFor(
    exchange: Pick<CmpExchange, 'sender' | 'label'>,
    type: CertRequestType,
    held?: CmpHeldRequest,
  ): Credential {
    const { sender, label } = exchange;
    if (sender.kind === 'none')
      throw new CmpFailure(
        'wrongIntegrity',
        'UNAUTHORIZED',
        'certificate requests must be protected (RFC 9483 §3.2)',
      );
    const chain =
      held && held.credentialChain.length > 0
        ? held.credentialChain
        : sender.kind === 'signature'
          ? sender.chain
          : [];
    if (type === 'kur') {
      if (sender.kind !== 'signature')
        throw new CmpFailure(
          'wrongIntegrity',
          'UNAUTHORIZED',
          'kur must be signed with the certificate being updated (RFC 9483 §4.1.3)',
        );
      return { kind: 'ldevid', chain };
    }
    if (sender.kind === 'mac') {
      if (!label.credentials.includes('enrollment-token'))
        throw new CmpFailure(
          'wrongIntegrity',
          'UNAUTHORIZED',
          `label ${label.name} does not take MAC-protected requests`,
        );
      return { kind: 'enrollment-token', secret: Buffer.from(sender.secret).toString('utf8') };
    }
    const kind = label.credentials.find((k) => k === 'idevid' || k === 'station-certificate');
    if (kind === undefined)
      throw new CmpFailure(
        'wrongIntegrity',
        'UNAUTHORIZED',
        `label ${label.name} does not take signed requests`,
      );
    return { kind, chain };
  }

  private async enroll(
    label: CmpLabel,
    credential: Credential,
    request: VerifiedRequest,
    type: CertRequestType,
  ): Promise<EnrollmentResult> {
    try {
      return await this.deps.ra.enroll(credential, {
        csr: request,
        profile: label.profile,
        issuerId: label.issuerId,
        protocol: 'cmp',
        operation: type,
        ...(label.manualApproval ? { approvalLabel: `cmp:${label.name}` } : {}),
      });
    } catch (error) {
      if (typeof error === 'object' && error !== null) this.recordedByRa.add(error);
      throw error;
    }
  }

  private grantsImplicitConfirm(exchange: CmpExchange): boolean {
    return (
      exchange.label.implicitConfirm &&
      (exchange.received.message.header.generalInfo ?? []).some(
        (info) => info.infoType === ID_IT.implicitConfirm,
      )
    );
  }

  private issuedReply(
    exchange: CmpExchange,
    type: CertRequestType,
    certReqId: number,
    certificate: IssuedCertificate,
    implicit: boolean,
  ): CmpReply {
    // RFC 9483 §4.1.5: with MAC protection the client has no trust anchor yet; caPubs gives it the root.
    const root = certificate.chain.at(-1);
    const caPubs = exchange.sender.kind === 'mac' && root !== undefined ? [root] : [];
    return {
      body: certIssuedBody(RESPONSE_TYPE[type], certReqId, certificate.der, caPubs),
      extraCerts: certificate.chain,
      generalInfo: implicit
        ? [new InfoTypeAndValue({ infoType: ID_IT.implicitConfirm, infoValue: NULL_DER.slice().buffer })]
        : [],
    };
  }

  private async begin(exchange: CmpExchange, type: CertRequestType, certReqId: number): Promise<void> {
    try {
      await this.deps.transactions.begin(
        {
          transactionId: exchange.transactionId,
          sender: senderKey(exchange.sender),
          state: 'closed',
          serverNonce: exchange.serverNonce,
          requestType: type,
          label: exchange.label.name,
          certReqId,
          certificate: null,
          held: null,
          expiresAt: this.after(this.options.retentionSeconds),
        },
        exchange.now,
      );
    } catch (error) {
      if (error instanceof PkiError && error.code === 'CONFLICT')
        throw new CmpFailure(
          'transactionIdInUse',
          'CONFLICT',
          'the transactionID is in use or was used recently',
        );
      throw error;
    }
  }

  /** The transaction this message continues: known, owned by the same sender, in `state`, echoing our last nonce. */
  private async continued(
    exchange: CmpExchange,
    state: CmpTransactionRecord['state'],
  ): Promise<CmpTransactionRecord> {
    const transaction = await this.deps.transactions.get(exchange.transactionId);
    if (!transaction || transaction.state !== state)
      throw new CmpFailure(
        'badRequest',
        'CONFLICT',
        `no transaction ${state === 'awaiting-confirmation' ? 'awaiting confirmation' : 'waiting for approval'} has this transactionID`,
      );
    if (transaction.sender !== senderKey(exchange.sender))
      throw new CmpFailure('notAuthorized', 'FORBIDDEN', 'the transaction belongs to another sender');
    const recipNonce = exchange.received.recipNonce;
    if (recipNonce === undefined || !bytesEqual(recipNonce, transaction.serverNonce))
      throw new CmpFailure(
        'badRecipientNonce',
        'CONFLICT',
        'recipNonce is not the senderNonce of our last message',
      );
    return transaction;
  }

  private async advance(
    exchange: CmpExchange,
    from: CmpTransactionRecord['state'],
    change: {
      state: CmpTransactionRecord['state'];
      certificate?: { issuerId: IssuerId; serial: SerialHex } | null;
      held?: CmpHeldRequest | null;
      expiresAt: Date;
    },
  ): Promise<void> {
    const current = await this.deps.transactions.get(exchange.transactionId);
    if (!current) throw new PkiError('INTERNAL', 'the transaction vanished');
    const advanced = await this.deps.transactions.advance(
      exchange.transactionId,
      { state: from, serverNonce: current.serverNonce },
      { ...change, serverNonce: exchange.serverNonce },
      this.deps.clock.now(),
    );
    if (!advanced)
      throw new CmpFailure(
        'transactionIdInUse',
        'CONFLICT',
        'another message of this transaction was processed meanwhile',
      );
  }

  private async revokeUnconfirmed(certificate: { issuerId: IssuerId; serial: SerialHex }): Promise<void> {
    await this.deps.revocations.revoke(
      { kind: 'service', name: 'cmp' },
      { kind: 'certificate', serial: certificate.serial, issuerId: certificate.issuerId },
      'cessationOfOperation',
    );
  }

  private after(seconds: number): Date {
    return new Date(this.deps.clock.now().getTime() + seconds * 1000);
  }
}

const NULL_DER = Uint8Array.of(0x05, 0x00);

function isRequestType(type: string): type is CertRequestType {
  return type in RESPONSE_TYPE;
}

function chainOf(exchange: CmpExchange): readonly Uint8Array[] {
  return exchange.sender.kind === 'signature' ? exchange.sender.chain : [];
}

function childrenOf(node: asn1js.AsnType): asn1js.AsnType[] {
  const value = (node.valueBlock as { value?: unknown }).value;
  return Array.isArray(value) ? (value as asn1js.AsnType[]) : [];
}
