import type { Clock } from '../core/clock.js';
import type { SecretEnvironment } from '../keys/secret-reference.js';
import type { Config } from './config-schema.js';
import { ensureDevelopmentPki } from './development-pki.js';
import { buildHttpServer } from './http-server.js';
import { createLogger } from './logger.js';
import { openRuntime, type Runtime } from './runtime.js';

export interface RunningServer {
  /** The node's runtime (store, CA, RA), for whoever embeds the server. */
  readonly runtime: Runtime;
  /** e.g. `https://127.0.0.1:8443` */
  readonly url: string;
  readonly port: number;
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
  const runtime = await openRuntime(config, clock, env);
  try {
    const app = await buildHttpServer(runtime, logger, env);
    await app.listen({ host: config.server.host, port: config.server.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    const url = `https://${host}:${port}`;
    say(`certfleet is listening on ${url} (store: ${runtime.store.engine})`);
    return {
      runtime,
      url,
      port,
      close: async () => {
        await app.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
