import type { ParsedCertificate } from '../pki/certificate.js';
import type { EstEnrollment } from '../protocols/est/client/est-client.js';
import { certificatesToPem, isWorkingCredential, keyToPem } from './credential-pair.js';
import type { CredentialGeneration, CredentialPair, CredentialStore } from './credential-store.js';
import type { EnrollmentRequest } from './enrollment-csr.js';
import type { EstTransport } from './est-transport.js';
import { type StepFailure, storageFailure, transportFailure } from './failure-cause.js';
import { checkIssuedCertificate } from './issued-certificate-check.js';

export type EnrollmentKind = 'onboard' | 'renew';

export interface EnrollmentInput {
  readonly kind: EnrollmentKind;
  readonly est: EstTransport;
  readonly store: CredentialStore;
  /** The TLS client credential: the IDevID to onboard, the current LDevID to renew. */
  readonly credential: CredentialPair;
  /** The request to send; a pending one is sent again unchanged (RFC 7030 §4.2.3). */
  readonly request: EnrollmentRequest;
  readonly anchors: readonly ParsedCertificate[];
  readonly intermediates: readonly ParsedCertificate[];
  /** Server time when the answer carries no Date. */
  readonly fallbackTime: () => Date;
  readonly onServerDate: (serverDate: Date) => void;
}

export type EnrollmentResult =
  | {
      readonly status: 'installed';
      readonly generation: CredentialGeneration;
      readonly leaf: ParsedCertificate;
    }
  | { readonly status: 'pending'; readonly retryAfterSeconds: number }
  | { readonly status: 'failed'; readonly failure: StepFailure };

/**
 * One enrollment: send the request (simpleenroll or simplereenroll), check what comes back, install it as the
 * new pair and read it back. Nothing replaces the working pair unless it certifies the new key, chains to an
 * anchor at server time and reads back intact; otherwise the old pair stays current.
 */
export async function enroll(input: EnrollmentInput): Promise<EnrollmentResult> {
  let answer: EstEnrollment;
  try {
    answer =
      input.kind === 'onboard'
        ? await input.est.simpleenroll(input.request.csrDer, input.credential)
        : await input.est.simplereenroll(input.request.csrDer, input.credential);
  } catch (error) {
    return { status: 'failed', failure: transportFailure(error) };
  }
  if (answer.serverDate) input.onServerDate(answer.serverDate);
  if (answer.status === 'pending') return { status: 'pending', retryAfterSeconds: answer.retryAfterSeconds };

  const check = checkIssuedCertificate({
    certificateDer: answer.certificate,
    key: input.request.key,
    subjectText: input.request.subjectText,
    anchors: input.anchors,
    intermediates: input.intermediates,
    at: answer.serverDate ?? input.fallbackTime(),
  });
  if (!check.ok) return { status: 'failed', failure: check.failure };

  const generation: CredentialGeneration = {
    serial: check.leaf.serial,
    certificatePem: certificatesToPem([check.leaf, ...check.chain]),
    keyPem: keyToPem(input.request.key),
  };
  try {
    await input.store.install(generation);
  } catch (error) {
    return { status: 'failed', failure: storageFailure(error, `installing ${generation.serial}`) };
  }
  const readBack = await verifyInstalled(input.store, generation);
  if (readBack) return { status: 'failed', failure: readBack };
  return { status: 'installed', generation, leaf: check.leaf };
}

/**
 * Reads the current pair back and compares it with what was installed: a store that silently kept the old pair,
 * or wrote something else, is a storage failure. A current pair that no longer loads is pointed back at the
 * previous one, so the device keeps a working credential.
 */
async function verifyInstalled(
  store: CredentialStore,
  generation: CredentialGeneration,
): Promise<StepFailure | undefined> {
  let stored: CredentialGeneration | undefined;
  try {
    stored = await store.current();
  } catch (error) {
    return storageFailure(error, 'reading back the new pair');
  }
  if (
    stored?.serial === generation.serial &&
    stored.certificatePem === generation.certificatePem &&
    stored.keyPem === generation.keyPem
  ) {
    return undefined;
  }
  if (!stored || !isWorkingCredential(stored)) {
    await store.restorePrevious().catch(() => undefined);
  }
  return {
    cause: 'storage',
    message: `the credential store did not keep generation ${generation.serial} (read back ${stored?.serial ?? 'nothing'})`,
  };
}
