import { randomBytes } from 'node:crypto';
import { GeneralName } from '@peculiar/asn1-x509';
import type { Clock } from '../../core/clock.js';
import { isPkiError, PkiError } from '../../core/pki-error.js';
import type { PKIBodyType } from '../../pki/asn1/cmp/pki-body.js';
import { parseCertificate } from '../../pki/certificate.js';
import { bytesToHex } from '../../pki/der.js';
import { decodeName } from '../../pki/name.js';
import type { RenewingCredential } from '../../pki/renewing-credentials.js';
import type { RegistrationAuthority } from '../../ra/registration-authority.js';
import type { CmpExchange, CmpReply } from './cmp-exchange.js';
import { CmpFailure, isCmpFailure } from './cmp-failure.js';
import { CMP_FAILURE_INFO } from './cmp-failure-info.js';
import type { CmpLabel } from './cmp-label.js';
import type { CmpOperation } from './cmp-operation.js';
import { bodyTypesOf } from './cmp-operation.js';
import type { EnrollmentHandler } from './enrollment-handler.js';
import type { GeneralMessageHandler } from './general-message-handler.js';
import { checkProtection, type ResponseProtection, type Sender, senderKey } from './message-protection.js';
import type { RevocationHandler } from './revocation-handler.js';
import { decodeReceivedMessage, type ReceivedMessage } from './wire/received-message.js';
import { errorBody, isCertRequestType } from './wire/response-bodies.js';
import { encodeResponse, nullDirectoryName, type ResponseHeader } from './wire/response-message.js';

export interface CmpResponderOptions {
  /** How far a request's messageTime may be from ours (RFC 9483 §3.1; badTime beyond). */
  readonly messageTimeToleranceSeconds: number;
  /** Highest PBM/PBKDF2 iteration count accepted. */
  readonly maxIterations: number;
}

export interface CmpResponderDependencies {
  readonly ra: Pick<RegistrationAuthority, 'recordRefusal'>;
  readonly enrollment: EnrollmentHandler;
  readonly revocation: RevocationHandler;
  readonly generalMessages: GeneralMessageHandler;
  /** The secret an enrollment token id names (derived), or undefined for something that is no token id. */
  readonly secretFor: (reference: string) => Uint8Array | undefined;
  /** The CMP server's protection certificate and key (RFC 9483 §3.3), issued and renewed in the background. */
  readonly signingCredential: () => Promise<RenewingCredential>;
  readonly clock: Clock;
  readonly log: { error(object: object, message: string): void };
}

/** What goes back over HTTP: RFC 9811 §3.4, 200 for every answer that is a PKIMessage. */
export interface CmpAnswer {
  readonly httpStatus: 200 | 400;
  readonly der: Uint8Array;
}

const SUPPORTED_PVNO = new Set([2, 3]);

/**
 * The CMP server (RFC 9810, Lightweight CMP profile RFC 9483): decodes a PKIMessage, checks its header and
 * protection, hands it to the handler for its body type, and protects the answer as the request was protected (a
 * MAC with the same secret) or with the server's signature. Every refusal becomes an error message with its
 * PKIFailureInfo, never a crash, and is recorded as an enrollment event.
 */
export class CmpResponder {
  private readonly identities = new WeakMap<RenewingCredential, ServerIdentity>();

  constructor(
    private readonly deps: CmpResponderDependencies,
    private readonly options: CmpResponderOptions,
  ) {}

  async respond(der: Uint8Array, label: CmpLabel, operation: CmpOperation | undefined): Promise<CmpAnswer> {
    let received: ReceivedMessage;
    try {
      received = decodeReceivedMessage(der);
    } catch (error) {
      const failure = asFailure(error);
      await this.record('unknown', 'cmp:unauthenticated', failure);
      return { httpStatus: 400, der: await this.unanswerable(failure) };
    }
    let sender: Sender | undefined;
    let protectionChecked = false;
    const serverNonce = new Uint8Array(randomBytes(16));
    try {
      const transactionId = this.checkHeader(received, operation);
      protectionChecked = true;
      sender = checkProtection(received, {
        secretFor: this.deps.secretFor,
        maxIterations: this.options.maxIterations,
      });
      const exchange: CmpExchange = {
        received,
        sender,
        label,
        now: this.deps.clock.now(),
        transactionId,
        serverNonce,
      };
      const reply = await this.dispatch(exchange);
      return { httpStatus: 200, der: await this.encode(received, sender, serverNonce, reply) };
    } catch (error) {
      const failure = asFailure(error);
      if (failure.failInfo === 'systemFailure') this.deps.log.error({ err: error }, 'CMP request failed');
      // A header rule failed before the protection was looked at: a MAC that verifies still keys the answer.
      if (!protectionChecked) sender = this.verifiedSender(received);
      if (!(typeof error === 'object' && error !== null && this.deps.enrollment.recordedByRa.has(error)))
        await this.record(received.bodyType, sender ? senderKey(sender) : 'cmp:unauthenticated', failure);
      // Protected like the request when its protection verified; signed by us otherwise (RFC 9810 §5.3.21).
      const reply: CmpReply = { body: errorBody(failure.failInfo, failure.message) };
      return { httpStatus: 200, der: await this.encode(received, sender, serverNonce, reply) };
    }
  }

  /** Who sent the request, when its protection verifies; undefined otherwise (the error is then signed by us). */
  private verifiedSender(received: ReceivedMessage): Sender | undefined {
    try {
      return checkProtection(received, {
        secretFor: this.deps.secretFor,
        maxIterations: this.options.maxIterations,
      });
    } catch {
      return undefined;
    }
  }

  /** Transactions past their time (unconfirmed certificates revoked); the server calls this periodically. */
  sweep(): Promise<{ revoked: number; closed: number; purged: number }> {
    return this.deps.enrollment.sweep();
  }

  private dispatch(exchange: CmpExchange): Promise<CmpReply> {
    const type = exchange.received.bodyType;
    if (isCertRequestType(type)) return this.deps.enrollment.request(exchange, type);
    switch (type) {
      case 'certConf':
        return this.deps.enrollment.confirm(exchange);
      case 'pollReq':
        return this.deps.enrollment.poll(exchange);
      case 'error':
        return this.deps.enrollment.clientError(exchange);
      case 'rr':
        return this.deps.revocation.revoke(exchange);
      case 'genm':
        return this.deps.generalMessages.answer(exchange);
      // Responses, announcements and what the Lightweight CMP profile leaves out (key recovery, cross
      // certification, POP challenges, nested batches) are not requests this server takes.
      case 'ip':
      case 'cp':
      case 'kup':
      case 'rp':
      case 'genp':
      case 'pollRep':
      case 'pkiconf':
      case 'ckuann':
      case 'cann':
      case 'rann':
      case 'crlann':
      case 'popdecc':
      case 'popdecr':
      case 'krr':
      case 'krp':
      case 'ccr':
      case 'ccp':
      case 'nested':
        throw new CmpFailure('badRequest', 'NOT_FOUND', `${type} messages are not served here`);
    }
  }

  /** RFC 9810 §5.1.1 and RFC 9483 §3.1: the header fields a request must carry; returns the transactionID as hex. */
  private checkHeader(received: ReceivedMessage, operation: CmpOperation | undefined): string {
    const { header } = received.message;
    if (!SUPPORTED_PVNO.has(header.pvno))
      throw new CmpFailure(
        'unsupportedVersion',
        'MALFORMED_INPUT',
        `pvno ${header.pvno} is not supported (2 or 3)`,
      );
    if (operation !== undefined && !bodyTypesOf(operation).includes(received.bodyType))
      throw new CmpFailure(
        'badRequest',
        'MALFORMED_INPUT',
        `a ${received.bodyType} message does not belong under /${operation}`,
      );
    const { transactionId, senderNonce } = received;
    if (transactionId === undefined || transactionId.length < 16 || transactionId.length > 64)
      throw new CmpFailure(
        'badRequest',
        'MALFORMED_INPUT',
        'transactionID must be present, 128 bits or more',
      );
    if (senderNonce === undefined || senderNonce.length < 16 || senderNonce.length > 64)
      throw new CmpFailure(
        'badSenderNonce',
        'MALFORMED_INPUT',
        'senderNonce must be present, 128 bits or more',
      );
    const time = header.messageTime;
    if (time === undefined)
      throw new CmpFailure('badTime', 'MALFORMED_INPUT', 'messageTime must be present: it bounds replays');
    const skewSeconds = Math.abs(time.getTime() - this.deps.clock.now().getTime()) / 1000;
    if (skewSeconds > this.options.messageTimeToleranceSeconds)
      throw new CmpFailure(
        'badTime',
        'CONFLICT',
        `messageTime is ${Math.round(skewSeconds)} s from the server's time`,
      );
    return bytesToHex(transactionId);
  }

  private async encode(
    received: ReceivedMessage,
    sender: Sender | undefined,
    serverNonce: Uint8Array,
    reply: CmpReply,
  ): Promise<Uint8Array> {
    const credential = await this.deps.signingCredential();
    const ours = this.identityOf(credential);
    const { header } = received.message;
    const protection: ResponseProtection =
      sender?.kind === 'mac'
        ? {
            kind: 'mac',
            secret: sender.secret,
            scheme: sender.scheme.forResponse(),
            reference: sender.reference,
          }
        : { kind: 'signature', credential };
    const senderKid = protection.kind === 'mac' ? received.senderKid : ours.subjectKeyId;
    const fields: ResponseHeader = {
      pvno: SUPPORTED_PVNO.has(header.pvno) ? header.pvno : 2,
      sender: ours.name,
      recipient: header.sender,
      messageTime: this.deps.clock.now(),
      senderNonce: serverNonce,
      ...(received.transactionId === undefined ? {} : { transactionId: received.transactionId }),
      ...(received.senderNonce === undefined ? {} : { recipNonce: received.senderNonce }),
      ...(senderKid === undefined ? {} : { senderKid }),
      ...(reply.generalInfo === undefined ? {} : { generalInfo: reply.generalInfo }),
    };
    const own =
      protection.kind === 'signature' ? [credential.certificate.der, ...credential.certificate.chain] : [];
    return encodeResponse(fields, reply.body, protection, dedupe([...own, ...(reply.extraCerts ?? [])]));
  }

  /** An answer to bytes that are no PKIMessage: nothing to echo, so NULL-DN recipient, signed by us. */
  private async unanswerable(failure: {
    failInfo: CmpFailure['failInfo'];
    message: string;
  }): Promise<Uint8Array> {
    const credential = await this.deps.signingCredential();
    const ours = this.identityOf(credential);
    return encodeResponse(
      {
        pvno: 2,
        sender: ours.name,
        recipient: nullDirectoryName(),
        messageTime: this.deps.clock.now(),
        senderNonce: new Uint8Array(randomBytes(16)),
        ...(ours.subjectKeyId === undefined ? {} : { senderKid: ours.subjectKeyId }),
      },
      errorBody(failure.failInfo, failure.message),
      { kind: 'signature', credential },
      [credential.certificate.der, ...credential.certificate.chain],
    );
  }

  /** Our name and key id, read once per protection certificate (it changes when the credential is renewed). */
  private identityOf(credential: RenewingCredential): ServerIdentity {
    let identity = this.identities.get(credential);
    if (!identity) {
      const certificate = parseCertificate(credential.certificate.der);
      identity = {
        name: new GeneralName({ directoryName: decodeName(certificate.subjectDer) }),
        ...(certificate.extensions.subjectKeyId === undefined
          ? {}
          : { subjectKeyId: certificate.extensions.subjectKeyId }),
      };
      this.identities.set(credential, identity);
    }
    return identity;
  }

  private async record(
    operation: PKIBodyType | 'unknown',
    requester: string,
    failure: Failure,
  ): Promise<void> {
    await this.deps.ra.recordRefusal(
      { protocol: 'cmp', operation, requester },
      // The rule names the failInfo in the kebab case rule names use: cmp.bad-message-check, cmp.bad-pop.
      new PkiError(failure.code, failure.message, {
        details: { rule: `cmp.${failure.failInfo.replace(/[A-Z]+/g, (c) => `-${c.toLowerCase()}`)}` },
      }),
    );
  }
}

interface ServerIdentity {
  readonly name: GeneralName;
  readonly subjectKeyId?: Uint8Array;
}

interface Failure {
  readonly failInfo: CmpFailure['failInfo'];
  readonly code: CmpFailure['code'];
  readonly message: string;
}

function asFailure(error: unknown): Failure {
  if (isCmpFailure(error)) return { failInfo: error.failInfo, code: error.code, message: error.message };
  if (isPkiError(error) && error.code !== 'INTERNAL')
    return { failInfo: CMP_FAILURE_INFO[error.code], code: error.code, message: error.message };
  return { failInfo: 'systemFailure', code: 'INTERNAL', message: 'internal error' };
}

function dedupe(certificates: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return certificates.filter((der) => {
    const key = bytesToHex(der);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
