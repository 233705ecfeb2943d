import type { Clock } from '../core/clock.js';
import type { SecretEnvironment } from '../keys/secret-reference.js';
import type { Config } from './config-schema.js';
import { ensureDevelopmentPki } from './development-pki.js';
import { buildHttpServer } from './http-server.js';
import { createLogger } from './logger.js';
import { openRuntime, type Runtime } from './runtime.js';
import type { Server } from 'node:net';
import { CrlSchedule } from '../revocation/crl-schedule.js';
import { buildPublicHttpServer } from './public-http-server.js';
import { type Monitor, openMonitor } from '../monitor/open-monitor.js';
import { resolveSecretReference } from '../keys/secret-reference.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { MonitorProbeSource } from './metrics/monitor-probe-source.js';
import type { Alerting } from '../alerts/alerting.js';
import { createAlerting } from './alerting-setup.js';

export interface RunningServer {
  /** The node's runtime (store, CA, RA), for whoever embeds the server. */
  readonly runtime: Runtime;
  /** e.g. `https://127.0.0.1:8443` */
  readonly url: string;
  readonly port: number;
  /** The plain-HTTP listener for CRLs, OCSP and CA certificates, e.g. `http://127.0.0.1:8080`. */
  readonly publicUrl: string;
  readonly crlSchedule: CrlSchedule;
  /** The external TLS monitor (its prober and schedule); null when monitor.enabled is false. */
  readonly monitor: Monitor | null;
  /** Alert rules and deliveries (idle when alerts.enabled is false). */
  readonly alerting: Alerting;
  /** Prometheus metrics, e.g. `http://127.0.0.1:9464/metrics`; null when metrics.enabled is false. */
  readonly metricsUrl: string | null;
  close(): Promise<void>;
}

/**
 * Starts a node: on first run creates the development PKI (printing where), then opens the runtime and the
 * HTTPS listener. `say` receives the lines meant for the operator's terminal.
 */
export async function serve(
  config: Config,
  clock: Clock,
  env: SecretEnvironment,
  say: (line: string) => void,
): Promise<RunningServer> {
  // Before anything is created: a metrics listener off loopback without a token refuses to start.
  const metrics = await ServerMetrics.prepare(config, env);
  const report = await ensureDevelopmentPki(config, clock, env);
  if (report.createdHierarchy) {
    say(`Created a development PKI (first run):`);
    say(`  offline root CA:     ${report.offlineRootDir}  (keep it offline; the server never reads it)`);
    say(`  online issuers/keys: ${report.dataDir}`);
    if (report.rootFingerprintSha256 !== undefined)
      say(`  root SHA-256:        ${report.rootFingerprintSha256}`);
  }
  if (report.createdServerCertificate)
    say(`Issued a TLS certificate for the listener: ${config.server.tls.certFile}`);

  const logger = createLogger(config.log.level);
  if (config.pki.allowShortLifetimes) {
    logger.warn(
      { lifetimes: config.pki.lifetimes },
      'pki.allowShortLifetimes is on: certificates may live for as little as a minute; for simulations and tests only',
    );
  }
  const runtime = await openRuntime(config, clock, env, metrics?.runtimeHooks);
  const crlSchedule = new CrlSchedule(
    runtime.crlPublisher,
    () => [...runtime.issuers.keys()],
    { checkIntervalSeconds: config.revocation.crlCheckIntervalSeconds, coalesceMs: 500 },
    logger,
  );
  runtime.revoker.onRevoked((ids) => crlSchedule.revoked(ids));
  const servers: Array<{ close(): Promise<unknown> }> = [];
  // Background work started after the listeners, stopped before them (also when start-up fails half-way).
  const stoppables: Array<() => Promise<void>> = [];
  try {
    const app = await buildHttpServer(runtime, logger, env);
    servers.push(app);
    await app.listen({ host: config.server.host, port: config.server.port });
    const publicApp = await buildPublicHttpServer(runtime, logger);
    servers.push(publicApp);
    await publicApp.listen({ host: config.server.publicHttp.host, port: config.server.publicHttp.port });
    const metricsApp = await metrics?.buildServer(runtime, logger, {
      probes: new MonitorProbeSource(runtime.store.observations),
    });
    if (metricsApp) {
      servers.push(metricsApp);
      await metricsApp.listen({ host: config.metrics.host, port: config.metrics.port });
    }
    crlSchedule.start();
    const monitor = config.monitor.enabled
      ? await openMonitor({
          store: runtime.store,
          settings: config.monitor,
          clock,
          log: logger,
          resolveSecret: (reference, purpose) => resolveSecretReference(reference, { env, purpose }),
        })
      : null;
    monitor?.schedule.start();
    if (monitor) stoppables.push(() => monitor.schedule.stop());
    const alerting = await createAlerting(runtime, env, logger);
    stoppables.push(() => alerting.stop());
    await alerting.start();
    const url = urlOf('https', config.server.host, app.server.address(), config.server.port);
    const publicUrl = urlOf(
      'http',
      config.server.publicHttp.host,
      publicApp.server.address(),
      config.server.publicHttp.port,
    );
    say(`certfleet is listening on ${url} (store: ${runtime.store.engine}); CRLs and OCSP on ${publicUrl}`);
    const metricsUrl = metricsApp
      ? `${urlOf('http', config.metrics.host, metricsApp.server.address(), config.metrics.port)}/metrics`
      : null;
    if (metricsUrl !== null) say(`Prometheus metrics on ${metricsUrl}`);
    return {
      runtime,
      url,
      port: Number(new URL(url).port),
      publicUrl,
      crlSchedule,
      monitor,
      alerting,
      metricsUrl,
      close: async () => {
        for (const stop of stoppables.reverse()) await stop();
        await crlSchedule.stop();
        for (const server of servers.reverse()) await server.close();
        await runtime.close();
      },
    };
  } catch (error) {
    for (const stop of stoppables.reverse()) await stop();
    for (const server of servers.reverse()) await server.close();
    await runtime.close();
    throw error;
  }
}

function urlOf(
  scheme: string,
  host: string,
  address: ReturnType<Server['address']>,
  fallbackPort: number,
): string {
  const port = typeof address === 'object' && address !== null ? address.port : fallbackPort;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
