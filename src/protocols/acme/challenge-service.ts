import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { PkiError } from '../../core/pki-error.js';
import type { RegistrationAuthority } from '../../ra/registration-authority.js';
import type {
  AcmeAuthorizationRecord,
  AcmeChallengeRecord,
  AcmeOrders,
  AcmeValidationOutcome,
} from '../../store/acme-state.js';
import type { AccountRequest } from './acme-authenticator.js';
import { acmeProblemFor } from './acme-error-mapping.js';
import { json, type AcmeResponse } from './acme-response.js';
import type { AcmeUrls } from './acme-urls.js';
import { encodeDeviceEvidence } from './device-evidence.js';
import { authorizationView, challengeView } from './resource-views.js';
import { verifyDeviceAttestation } from './validation/device-attestation.js';
import { parseHardwareModule, parsePermanentIdentifier } from './validation/device-identifier.js';
import { validateHttp01 } from './validation/http-01.js';
import { validateTlsAlpn01 } from './validation/tls-alpn-01.js';
import type { ValidationNetwork } from './validation/validation-network.js';
import { AcmeProblem } from './wire/acme-problem.js';
import { decodeBase64url } from './wire/base64url.js';

export interface ChallengeServiceDependencies {
  readonly orders: AcmeOrders;
  /** Judges an attested IDevID chain exactly as EST and CMP onboarding do (anchors, revocation, decommissioning). */
  readonly ra: Pick<RegistrationAuthority, 'authenticate'>;
  readonly network: ValidationNetwork;
  readonly urls: AcmeUrls;
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * RFC 8555 §7.5: authorizations and their challenges. A client's POST to a challenge starts its validation; http-01
 * and tls-alpn-01 connect to the client, so they run after the answer (`processing`), and the client polls;
 * device-attest-01 checks what the POST carries, so its answer already says valid or invalid.
 */
export class ChallengeService {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: ChallengeServiceDependencies) {}

  /** POST-as-GET of an authorization, or RFC 8555 §7.5.2 deactivation. */
  async authorization(request: AccountRequest, authorizationId: string): Promise<AcmeResponse> {
    const authorization = await this.ownAuthorization(request, authorizationId);
    const payload = request.payload;
    if (payload === undefined) return json(200, authorizationView(authorization, this.deps.urls));
    if (payload['status'] !== 'deactivated') {
      throw new AcmeProblem('malformed', 'an authorization can only be changed to status "deactivated"');
    }
    const deactivated = await this.deps.orders.deactivateAuthorization(
      authorizationId,
      this.deps.clock.now(),
    );
    if (!deactivated) throw new AcmeProblem('malformed', `the authorization is ${authorization.status}`);
    return json(200, authorizationView(deactivated, this.deps.urls));
  }

  async challenge(request: AccountRequest, challengeId: string): Promise<AcmeResponse> {
    const found = await this.deps.orders.getChallenge(challengeId);
    if (!found) throw new PkiError('NOT_FOUND', 'no such challenge');
    const { challenge, authorization } = found;
    if (authorization.accountId !== request.account.id) {
      throw new AcmeProblem('unauthorized', 'this is not your challenge');
    }
    const up = { links: [{ url: this.deps.urls.authorization(authorization.id), rel: 'up' }] };
    // POST-as-GET reads; a POST with a payload (`{}`, or the attestation) asks for validation (RFC 8555 §7.5.1).
    if (request.payload === undefined || challenge.status !== 'pending') {
      return challengeResponse(challenge, this.deps.urls, up);
    }
    if (authorization.status !== 'pending' || authorization.expiresAt <= this.deps.clock.now()) {
      throw new AcmeProblem(
        'malformed',
        `the authorization is ${authorization.status === 'pending' ? 'expired' : authorization.status}`,
      );
    }
    const keyAuthorization = `${challenge.token}.${request.account.keyThumbprint}`;
    if (challenge.type === 'device-attest-01') {
      // Checked before the challenge moves: an unreadable payload is the client's mistake, not a failed attempt.
      const attObj = readAttestationObject(request.payload);
      const started = await this.deps.orders.startValidation(challenge.id, this.deps.clock.now());
      if (!started) return this.current(challenge.id, up);
      const outcome = await this.attest(attObj, keyAuthorization, challenge, authorization);
      const done = await this.complete(challenge.id, outcome);
      return challengeResponse(done ?? started, this.deps.urls, up);
    }
    const started = await this.deps.orders.startValidation(challenge.id, this.deps.clock.now());
    if (!started) return this.current(challenge.id, up);
    this.track(this.validateInBackground(started, authorization, keyAuthorization));
    return challengeResponse(started, this.deps.urls, up);
  }

  /** Resolves when every validation started so far has been recorded (server shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async validateInBackground(
    challenge: AcmeChallengeRecord,
    authorization: AcmeAuthorizationRecord,
    keyAuthorization: string,
  ): Promise<void> {
    let outcome: AcmeValidationOutcome;
    try {
      const identifier = authorization.identifier as { type: 'dns' | 'ip'; value: string };
      if (challenge.type === 'http-01') {
        await validateHttp01(identifier, challenge.token, keyAuthorization, this.deps.network);
      } else if (challenge.type === 'tls-alpn-01') {
        await validateTlsAlpn01(identifier, keyAuthorization, this.deps.network);
      } else {
        throw new PkiError('INTERNAL', `no validator for ${challenge.type}`);
      }
      outcome = { status: 'valid', evidence: null };
    } catch (error) {
      outcome = this.failure(error, challenge);
    }
    await this.complete(challenge.id, outcome);
  }

  /** draft-ietf-acme-device-attest §5: the attestation, then the RA's judgement of the IDevID chain it carries. */
  private async attest(
    attObj: Uint8Array,
    keyAuthorization: string,
    challenge: AcmeChallengeRecord,
    authorization: AcmeAuthorizationRecord,
  ): Promise<AcmeValidationOutcome> {
    try {
      const attested = verifyDeviceAttestation(attObj, { keyAuthorization, token: challenge.token });
      let requester: string;
      try {
        requester = await this.deps.ra.authenticate({ kind: 'idevid', chain: attested.chain });
      } catch (error) {
        const problem = acmeProblemFor(error, 'badAttestationStatement');
        if (problem.type === 'serverInternal') throw problem;
        throw new AcmeProblem('badAttestationStatement', `the IDevID is not accepted: ${problem.detail}`, {
          cause: error,
        });
      }
      const deviceId = requester.slice('idevid:'.length);
      const { identifier } = authorization;
      const claimed =
        identifier.type === 'permanent-identifier'
          ? parsePermanentIdentifier(identifier.value).identifierValue
          : parseHardwareModule(identifier.value).hwSerialNum;
      const matches =
        (identifier.type === 'permanent-identifier' &&
          claimed === deviceId &&
          !identifier.value.includes('/')) ||
        attested.identifiers.some(
          (candidate) => candidate.type === identifier.type && candidate.value === identifier.value,
        );
      if (!matches) {
        throw new AcmeProblem(
          'badAttestationStatement',
          'the attested device is not the device this identifier names',
        );
      }
      return { status: 'valid', evidence: encodeDeviceEvidence({ deviceId, chain: attested.chain }) };
    } catch (error) {
      return this.failure(error, challenge);
    }
  }

  private failure(error: unknown, challenge: AcmeChallengeRecord): AcmeValidationOutcome {
    const problem = acmeProblemFor(error, 'serverInternal');
    if (problem.type === 'serverInternal') {
      this.deps.log.error({ err: error, challenge: challenge.id }, 'ACME challenge validation failed');
    }
    return { status: 'invalid', error: JSON.stringify(problem.toDocument()) };
  }

  private async complete(
    challengeId: string,
    outcome: AcmeValidationOutcome,
  ): Promise<AcmeChallengeRecord | undefined> {
    try {
      return await this.deps.orders.completeValidation(challengeId, outcome, this.deps.clock.now());
    } catch (error) {
      this.deps.log.error({ err: error, challenge: challengeId }, 'recording an ACME validation failed');
      return undefined;
    }
  }

  private async current(challengeId: string, up: Pick<AcmeResponse, 'links'>): Promise<AcmeResponse> {
    const found = await this.deps.orders.getChallenge(challengeId);
    if (!found) throw new PkiError('NOT_FOUND', 'no such challenge');
    return challengeResponse(found.challenge, this.deps.urls, up);
  }

  private async ownAuthorization(request: AccountRequest, id: string): Promise<AcmeAuthorizationRecord> {
    const authorization = await this.deps.orders.getAuthorization(id);
    if (!authorization) throw new PkiError('NOT_FOUND', 'no such authorization');
    if (authorization.accountId !== request.account.id) {
      throw new AcmeProblem('unauthorized', 'this is not your authorization');
    }
    return authorization;
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }
}

/**
 * A challenge as its URL answers it. While it is `processing` the answer says when to look again (RFC 8555 §8.2):
 * without Retry-After lego waits 5 s before its first poll of the authorization, though our checks take
 * milliseconds.
 */
function challengeResponse(
  challenge: AcmeChallengeRecord,
  urls: AcmeUrls,
  up: Pick<AcmeResponse, 'links'>,
): AcmeResponse {
  return json(200, challengeView(challenge, urls), {
    ...up,
    ...(challenge.status === 'processing' ? { retryAfterSeconds: 1 } : {}),
  });
}

function readAttestationObject(payload: Record<string, unknown>): Uint8Array {
  const attObj = payload['attObj'];
  if (typeof attObj !== 'string' || attObj.length === 0) {
    throw new AcmeProblem('malformed', 'device-attest-01 needs "attObj", the base64url attestation object');
  }
  return decodeBase64url(attObj, 'attObj');
}
