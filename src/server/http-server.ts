import { readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { toIssuerId } from '../core/ids.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import { csrAttributesFor } from '../protocols/est/est-csr-attributes.js';
import type { EstLabel } from '../protocols/est/est-label.js';
import { estPlugin, type EstPluginOptions } from '../protocols/est/est-plugin.js';
import { adminApiPlugin } from '../api/admin-api-plugin.js';
import { type ApiMonitoring, apiDependencies } from '../api/api-dependencies.js';
import { LazyProber } from '../api/lazy-prober.js';
import { openMonitor } from '../monitor/open-monitor.js';
import { encodePem } from '../pki/pem.js';
import { resolveSecretReference, type SecretEnvironment } from '../keys/secret-reference.js';
import { cmpPlugin } from '../protocols/cmp/cmp-plugin.js';
import { cmpSetup } from './cmp-setup.js';
import { acmePlugin } from '../protocols/acme/acme-plugin.js';
import { ACME_PREFIX } from '../protocols/acme/acme-urls.js';
import { ExternalAccountKeys } from '../protocols/acme/external-account-binding.js';
import { acmeSetup, openAcmeKey } from './acme-setup.js';
import { dashboardPlugin } from './dashboard-plugin.js';
import type { Runtime } from './runtime.js';

/** The HTTPS Fastify instance the front ends register on. */
export type HttpsServer = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

/** Largest request body any route accepts; protocol plugins set tighter limits of their own. */
const BODY_LIMIT_BYTES = 256 * 1024;

/** How often expired CMP transactions are swept (unconfirmed certificates revoked). */
const CMP_SWEEP_INTERVAL_MS = 60_000;

/** What a test may change about the HTTPS server; serve() passes none. */
export interface HttpServerOptions {
  /** The built dashboard to serve at `/`; default web/dist of the package (DASHBOARD_ROOT). */
  readonly dashboardRoot?: string;
}

/**
 * The HTTPS front door: TLS 1.2 and 1.3 only (RFC 8996), the public CA certificates, and a health check.
 * Protocol front ends (EST, CMP, ACME), the admin API and the dashboard register here as plugins.
 */
export async function buildHttpServer(
  runtime: Runtime,
  logger: Logger,
  env: SecretEnvironment,
  options: HttpServerOptions = {},
): Promise<HttpsServer> {
  const { tls } = runtime.config.server;
  const [cert, key, passphrase] = await Promise.all([
    readFile(tls.certFile, 'utf8'),
    readFile(tls.keyFile, 'utf8'),
    resolveSecretReference(tls.passphraseSource, { env, purpose: 'server.tls.passphraseSource' }),
  ]);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Ask for a client certificate without requiring or judging one: EST needs it for some operations only,
    // and the RA decides what a presented chain is worth (RFC 7030 §3.3.2; PROTOCOLS.md §1.7 item 10).
    https: { cert, key, passphrase, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false },
  });

  app.setErrorHandler((error, request, reply) => {
    if (isPkiError(error) && error.code === 'NOT_FOUND')
      return reply.code(404).send({ error: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  app.get('/healthz', async () => {
    await runtime.store.issuers.list();
    return { status: 'ok' };
  });

  /** CA certificates: `/ca/<issuer>.pem` (PEM) and `/ca/<issuer>.cer` (DER, as AIA caIssuers expects). */
  app.get<{ Params: { file: string } }>('/ca/:file', async (request, reply) => {
    const match = /^([a-z0-9-]+)\.(pem|cer)$/.exec(request.params.file);
    const id = match?.[1] === undefined ? undefined : toIssuerId(match[1]);
    const issuer = id === undefined ? undefined : await runtime.store.issuers.get(id);
    if (!issuer || !match) return reply.code(404).send({ error: 'no such CA certificate' });
    if (match[2] === 'cer')
      return reply.type('application/pkix-cert').send(Buffer.from(issuer.certificateDer));
    return reply.type('application/x-pem-file').send(encodePem('CERTIFICATE', issuer.certificateDer));
  });

  await app.register(estPlugin, { prefix: '/.well-known/est', ...estOptions(runtime) });
  // CMP over HTTP (RFC 9811) on the same listener; unconfirmed certificates are swept once a minute.
  const cmp = cmpSetup(runtime, logger);
  await app.register(cmpPlugin, { prefix: '/.well-known/cmp', ...cmp.options });
  const sweep = setInterval(() => {
    cmp.responder
      .sweep()
      .catch((error: unknown) => logger.error({ err: error }, 'CMP transaction sweep failed'));
  }, CMP_SWEEP_INTERVAL_MS);
  sweep.unref();
  app.addHook('onClose', () => clearInterval(sweep));
  // ACME (RFC 8555) at /acme; stale orders expire and used nonces are forgotten once a minute.
  if (runtime.config.acme.enabled) {
    const acme = await acmeSetup(runtime, logger, env, () => {
      const address = app.server.address();
      return typeof address === 'object' && address !== null ? address.port : runtime.config.server.port;
    });
    await app.register(acmePlugin, { prefix: ACME_PREFIX, ...acme.options });
    const acmeSweep = setInterval(() => {
      acme.sweep().catch((error: unknown) => logger.error({ err: error }, 'ACME sweep failed'));
    }, CMP_SWEEP_INTERVAL_MS);
    acmeSweep.unref();
    app.addHook('onClose', async () => {
      clearInterval(acmeSweep);
      await acme.challenges.idle();
    });
  }
  // The admin API under /api/v1, its OpenAPI document and Swagger UI under /docs (src/api).
  await app.register(
    adminApiPlugin,
    apiDependencies(
      runtime.store,
      runtime.revocations,
      runtime.tokenSecrets,
      runtime.clock,
      apiMonitoring(runtime, logger, env),
      // The same derivation the ACME front end checks bindings with, so a key made here binds there.
      new ExternalAccountKeys(await openAcmeKey(runtime.config)),
    ),
  );
  // The dashboard at / (web/dist, built by `npm run build`): one process serves the UI and the API it calls.
  await app.register(
    dashboardPlugin,
    options.dashboardRoot === undefined ? {} : { root: options.dashboardRoot },
  );
  return app;
}

/**
 * The admin API's view of the monitor and alerts: a prober opened on the first "probe now" (whether or not
 * this node runs the probe schedule, as `certfleet monitor probe` works either way) and the configured alert
 * channels, which rules may name.
 */
function apiMonitoring(runtime: Runtime, logger: Logger, env: SecretEnvironment): ApiMonitoring {
  return {
    prober: new LazyProber(
      async () =>
        (
          await openMonitor({
            store: runtime.store,
            settings: runtime.config.monitor,
            clock: runtime.clock,
            log: logger,
            resolveSecret: (reference, purpose) => resolveSecretReference(reference, { env, purpose }),
          })
        ).prober,
    ),
    alertChannels: Object.keys(runtime.config.alerts.channels),
  };
}

/** The EST front end's view of the runtime: labels from configuration, CA certificates and csrattrs per label. */
function estOptions(runtime: Runtime): EstPluginOptions {
  const { config } = runtime;
  const labels = new Map<string, EstLabel>();
  for (const [name, label] of Object.entries(config.est.labels)) {
    const issuerText = label.issuer ?? config.pki.defaultIssuers[label.profile];
    const issuerId = toIssuerId(issuerText);
    if (!issuerId)
      throw new PkiError('CONFIG_INVALID', `/est/labels/${name}/issuer: '${issuerText}' is not an issuer id`);
    labels.set(name, {
      name,
      profile: label.profile,
      issuerId,
      credentials: label.credentials,
      manualApproval: label.manualApproval ?? false,
      serverKeyGeneration: label.serverKeyGeneration ?? false,
    });
  }
  const csrAttrs = new Map<string, Uint8Array>();
  return {
    labels,
    ra: runtime.ra,
    maxBodyBytes: config.est.maxBodyBytes,
    caCertificates: (label) => {
      const issuer = label.issuerId === undefined ? undefined : runtime.issuers.get(label.issuerId);
      if (!issuer) throw new PkiError('UNAVAILABLE', `the issuer of EST label ${label.name} is not online`);
      return [issuer.certificate.der, ...issuer.chain];
    },
    csrAttributes: (label) => {
      let der = csrAttrs.get(label.name);
      if (!der) {
        der = csrAttributesFor(runtime.profiles.profile(label.profile));
        csrAttrs.set(label.name, der);
      }
      return der;
    },
  };
}
