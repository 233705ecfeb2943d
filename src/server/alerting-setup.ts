import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { createAlertChannels } from '../alerts/alert-channels.js';
import { combinedAlertFacts } from '../alerts/alert-facts.js';
import { Alerting } from '../alerts/alerting.js';
import { EndpointAlertFacts } from '../alerts/endpoint-alert-facts.js';
import { FleetAlertFacts } from '../alerts/fleet-alert-facts.js';
import { WatchedCertificateFacts } from '../alerts/watched-certificate-facts.js';
import { FleetStatus } from '../fleet/fleet-status.js';
import { resolveSecretReference, type SecretEnvironment } from '../keys/secret-reference.js';
import type { Runtime } from './runtime.js';

/**
 * Alerting on this node, over what the server knows: the monitored endpoints' latest observations, our own CA
 * and code-signing certificates, and the fleet view (under its default at-risk policy). Channels are built, and
 * their secrets resolved, before anything starts, so a bad channel stops the server at start-up.
 */
export async function createAlerting(
  runtime: Runtime,
  env: SecretEnvironment,
  logger: Logger,
): Promise<Alerting> {
  const { config, store, clock } = runtime;
  const channels = await createAlertChannels(config.alerts, {
    resolveSecret: (reference, purpose) => resolveSecretReference(reference, { env, purpose }),
    readTextFile: (path) => readFile(path, 'utf8'),
    clock,
  });
  const facts = combinedAlertFacts([
    new EndpointAlertFacts(store.observations),
    new WatchedCertificateFacts(store.certificates, store.issuers),
    new FleetAlertFacts(new FleetStatus(store.fleet)),
  ]);
  return new Alerting({
    rules: store.alertRules,
    states: store.alertStates,
    deliveries: store.alertDeliveries,
    facts,
    channels,
    config: config.alerts,
    clock,
    log: logger.child({ module: 'alerts' }),
  });
}
