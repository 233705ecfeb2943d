import type {
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeChallengeRecord,
  AcmeOrderRecord,
} from '../../store/acme-state.js';
import type { AcmeUrls } from './acme-urls.js';

/** RFC 8555 §7.1.2: the account object. */
export function accountView(account: AcmeAccountRecord, urls: AcmeUrls): Record<string, unknown> {
  return {
    status: account.status,
    contact: account.contact,
    termsOfServiceAgreed: account.termsOfServiceAgreed,
    orders: urls.orders(account.id),
    ...(account.externalAccountKeyId === null
      ? {}
      : { externalAccountBinding: { kid: account.externalAccountKeyId } }),
  };
}

/** RFC 8555 §7.1.3 (with RFC 9773 §5 `replaces` and the profiles draft's `profile`). */
export function orderView(order: AcmeOrderRecord, urls: AcmeUrls): Record<string, unknown> {
  return {
    status: order.status,
    expires: order.expiresAt.toISOString(),
    identifiers: order.identifiers,
    ...(order.notBefore === null ? {} : { notBefore: order.notBefore.toISOString() }),
    ...(order.notAfter === null ? {} : { notAfter: order.notAfter.toISOString() }),
    ...(order.profile === null ? {} : { profile: order.profile }),
    ...(order.replaces === null ? {} : { replaces: order.replaces }),
    ...(order.error === null ? {} : { error: JSON.parse(order.error) as unknown }),
    authorizations: order.authorizationIds.map((id) => urls.authorization(id)),
    finalize: urls.finalize(order.id),
    ...(order.certificate === null
      ? {}
      : { certificate: urls.certificate(order.certificate.issuerId, order.certificate.serial) }),
  };
}

/** RFC 8555 §7.1.4. */
export function authorizationView(
  authorization: AcmeAuthorizationRecord,
  urls: AcmeUrls,
): Record<string, unknown> {
  return {
    status: authorization.status,
    expires: authorization.expiresAt.toISOString(),
    identifier: authorization.identifier,
    ...(authorization.wildcard ? { wildcard: true } : {}),
    challenges: authorization.challenges.map((challenge) => challengeView(challenge, urls)),
  };
}

/** RFC 8555 §8 (and draft-ietf-acme-device-attest §5 for device-attest-01, which has the same members). */
export function challengeView(challenge: AcmeChallengeRecord, urls: AcmeUrls): Record<string, unknown> {
  return {
    type: challenge.type,
    url: urls.challenge(challenge.id),
    status: challenge.status,
    token: challenge.token,
    ...(challenge.validatedAt === null ? {} : { validated: challenge.validatedAt.toISOString() }),
    ...(challenge.error === null ? {} : { error: JSON.parse(challenge.error) as unknown }),
  };
}
