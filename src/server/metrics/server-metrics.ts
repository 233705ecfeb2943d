import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { PkiError } from '../../core/pki-error.js';
import { FleetStatus } from '../../fleet/fleet-status.js';
import { resolveSecretReference, type SecretEnvironment } from '../../keys/secret-reference.js';
import { parseCertificate } from '../../pki/certificate.js';
import type { Config } from '../config-schema.js';
import type { Runtime, RuntimeHooks } from '../runtime.js';
import { CertificateExpiryMetrics } from './certificate-expiry-metrics.js';
import { CountingEnrollmentRecorder } from './counting-enrollment-recorder.js';
import { EnrollmentMetrics } from './enrollment-metrics.js';
import { FleetMetrics } from './fleet-metrics.js';
import { metricsConfigProblems } from './metrics-config-problems.js';
import { buildMetricsHttpServer, type MetricsHttpServer } from './metrics-http-server.js';
import type { ProbeMetricsSource } from './probe-metrics-source.js';
import { ProbeMetrics } from './probe-metrics.js';
import { type WatchedCertificate, watchedCertificate, WatchedCertificates } from './watched-certificates.js';

/** What feeds the metrics besides the runtime: the external monitor, once wired. */
export interface MetricsSources {
  readonly probes?: ProbeMetricsSource;
}

type RefreshSource = 'fleet' | 'certificates' | 'probes';

/** A bearer token is sent in a header: visible ASCII only. */
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * The metrics of one server, in a registry of its own (never prom-client's global one, so tests and two servers
 * in one process keep apart). Made in two steps because the enrollment counter must wrap the RA's recorder
 * before the runtime opens (see runtimeHooks), while the other series read the opened runtime's store:
 * 1. `ServerMetrics.prepare`: checks the settings, resolves the token, registers the process metrics
 *    (`certfleet_process_*`, `certfleet_nodejs_*`) and `certfleet_enrollments_total`;
 * 2. `buildServer`: registers the fleet, certificate and probe series and returns the listener, not yet
 *    listening.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly enrollments: EnrollmentMetrics;
  private readonly refreshFailures: Counter<'source'>;
  private built = false;

  private constructor(
    readonly config: Config['metrics'],
    private readonly bearerToken: string | undefined,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'certfleet_' });
    this.enrollments = new EnrollmentMetrics(this.registry);
    this.refreshFailures = new Counter({
      name: 'certfleet_metrics_refresh_failures_total',
      help: 'Failed refreshes of store-backed series (their samples are absent until a refresh succeeds).',
      labelNames: ['source'],
      registers: [this.registry],
    });
  }

  /**
   * The metrics `config.metrics` asks for, or undefined when they are disabled. A listener off loopback without
   * a token, or a token that cannot be resolved, is CONFIG_INVALID: the server refuses to start.
   */
  static async prepare(config: Config, env: SecretEnvironment): Promise<ServerMetrics | undefined> {
    const { metrics } = config;
    const problems = metricsConfigProblems(metrics);
    if (problems.length > 0) {
      const lines = problems.map((p) => `${p.path}: ${p.message}`);
      throw new PkiError('CONFIG_INVALID', `configuration is invalid:\n  ${lines.join('\n  ')}`, {
        details: { path: problems[0]?.path ?? '/metrics' },
      });
    }
    if (!metrics.enabled) return undefined;
    const token =
      metrics.bearerTokenSource === undefined
        ? undefined
        : await resolveSecretReference(metrics.bearerTokenSource, {
            env,
            purpose: 'metrics.bearerTokenSource',
          });
    if (token !== undefined && !TOKEN.test(token)) {
      throw new PkiError(
        'CONFIG_INVALID',
        'metrics.bearerTokenSource: the token must be visible ASCII characters, without spaces',
        { details: { path: '/metrics/bearerTokenSource' } },
      );
    }
    return new ServerMetrics(metrics, token);
  }

  /** For openRuntime: the RA's recorder, counting what it commits into `certfleet_enrollments_total`. */
  get runtimeHooks(): RuntimeHooks {
    return { enrollmentRecorder: (inner) => new CountingEnrollmentRecorder(inner, this.enrollments) };
  }

  /**
   * Registers the series read from the opened runtime (fleet, watched certificates, probes when a source is
   * given) and returns the `/metrics` listener for the caller to start. Once per ServerMetrics.
   */
  async buildServer(
    runtime: Runtime,
    logger: Logger,
    sources: MetricsSources = {},
  ): Promise<MetricsHttpServer> {
    if (this.built) throw new PkiError('INTERNAL', 'the metrics listener was built already');
    this.built = true;
    const { clock } = runtime;
    const refreshSeconds = this.config.refreshSeconds;
    const failed = (source: RefreshSource) => (error: unknown) => {
      this.refreshFailures.inc({ source });
      logger.warn({ err: error, source }, 'metrics refresh failed');
    };
    new FleetMetrics(this.registry, {
      fleet: new FleetStatus(runtime.store.fleet),
      clock,
      refreshSeconds,
      onRefreshFailure: failed('fleet'),
    });
    new CertificateExpiryMetrics(this.registry, {
      certificates: new WatchedCertificates({
        issuers: runtime.store.issuers,
        certificates: runtime.store.certificates,
        fixed: [await serverTlsCertificate(runtime)],
      }),
      clock,
      refreshSeconds,
      onRefreshFailure: failed('certificates'),
    });
    if (sources.probes !== undefined) {
      new ProbeMetrics(this.registry, {
        source: sources.probes,
        clock,
        refreshSeconds,
        onRefreshFailure: failed('probes'),
      });
    }
    return buildMetricsHttpServer({ registry: this.registry, bearerToken: this.bearerToken, logger });
  }
}

/**
 * The certificate the HTTPS listener presents (the first of its certificate file, read as the listener read
 * it at start), named by our issuer's id when we issued it.
 */
async function serverTlsCertificate(runtime: Runtime): Promise<WatchedCertificate> {
  const certificate = parseCertificate(await readFile(runtime.config.server.tls.certFile));
  const issuer = runtime.directory.issuerOf(certificate)?.record.id ?? certificate.issuerText;
  return watchedCertificate(certificate, 'tls-server', issuer);
}
