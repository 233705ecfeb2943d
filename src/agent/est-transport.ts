import { PkiError } from '../core/pki-error.js';
import {
  EstClient,
  type EstCaCertificates,
  type EstCsrAttributes,
  type EstEnrollment,
  type ServerCertificateTime,
} from '../protocols/est/client/est-client.js';
import type { CredentialPair } from './credential-store.js';

/**
 * The EST operations the agent uses (RFC 7030 §4.1, §4.2, §4.5). Every answer carries the server's HTTP Date when
 * it sent one; refusals arrive as EstHttpError (status, Retry-After, Date), network failures as PkiError
 * UNAVAILABLE. The default implementation is {@link estTransport}; the fleet simulator wraps one to inject faults.
 */
export interface EstTransport {
  /** RFC 7030 §4.1: the CA certificates. Before any anchor is known, the server is not authenticated (§4.1.1). */
  cacerts(call?: EstCallOptions): Promise<EstCaCertificates>;
  /** RFC 7030 §4.5: what the next CSR should hold, and the renewal policy. */
  csrattrs(call?: EstCallOptions): Promise<EstCsrAttributes>;
  /** RFC 7030 §4.2.1: onboarding, authenticated by TLS with `credential` (the IDevID). */
  simpleenroll(csrDer: Uint8Array, credential: CredentialPair, call?: EstCallOptions): Promise<EstEnrollment>;
  /** RFC 7030 §4.2.2: renewal, authenticated by TLS with `credential` (the current LDevID). */
  simplereenroll(
    csrDer: Uint8Array,
    credential: CredentialPair,
    call?: EstCallOptions,
  ): Promise<EstEnrollment>;
}

/**
 * What the agent says with each call. A transport that ignores it (a wrapper that drops the argument) still
 * works wherever the system clock is right.
 */
export interface EstCallOptions {
  /**
   * When to judge the validity of the server's TLS certificate: the time the agent reasons by when it does not
   * trust the device clock, undefined to let the TLS layer judge by the system clock. See
   * EstClientOptions.serverCertificateTime.
   */
  readonly serverCertificateTime?: () => ServerCertificateTime | undefined;
}

export interface EstTransportOptions {
  /** `https://host:port/.well-known/est` or `…/.well-known/est/<label>`. */
  readonly estUrl: string;
  /**
   * The anchors that authenticate the server, or where to read them each call (the credential store, so that an
   * anchor added by a rollover is used at once). Undefined or empty: only cacerts works, unauthenticated, for a
   * bootstrap by pinned fingerprint.
   */
  readonly trustPem: string | (() => Promise<string | undefined>);
  readonly timeoutMs?: number;
}

/** An EstTransport over EstClient: a fresh client (and TLS session) per call, with the credential it needs. */
export function estTransport(options: EstTransportOptions): EstTransport {
  const trust = async (): Promise<string | undefined> => {
    const pem = typeof options.trustPem === 'string' ? options.trustPem : await options.trustPem();
    return pem !== undefined && pem.trim().length > 0 ? pem : undefined;
  };
  const client = async (credential?: CredentialPair, call?: EstCallOptions): Promise<EstClient> => {
    const serverTrust = await trust();
    const base = {
      baseUrl: options.estUrl,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    if (serverTrust === undefined) {
      if (credential !== undefined) {
        // A credential is never sent to a server that is not authenticated.
        throw new PkiError('UNTRUSTED', 'no trust anchors to authenticate the EST server with');
      }
      return new EstClient({ ...base, serverTrust: '', unauthenticatedBootstrap: true });
    }
    return new EstClient({
      ...base,
      serverTrust,
      ...(credential === undefined ? {} : { clientCertificate: credential }),
      ...(call?.serverCertificateTime === undefined
        ? {}
        : { serverCertificateTime: call.serverCertificateTime }),
    });
  };
  return {
    cacerts: async (call) => (await client(undefined, call)).cacertsDated(),
    csrattrs: async (call) => {
      if ((await trust()) === undefined) {
        throw new PkiError('UNTRUSTED', 'no trust anchors to authenticate the EST server with');
      }
      return (await client(undefined, call)).csrattrsDated();
    },
    simpleenroll: async (csrDer, credential, call) => (await client(credential, call)).simpleenroll(csrDer),
    simplereenroll: async (csrDer, credential, call) =>
      (await client(credential, call)).simplereenroll(csrDer),
  };
}
