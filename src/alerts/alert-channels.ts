import { isAbsolute, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { AlertChannel } from './alert-channel.js';
import type { AlertChannelConfig, AlertsConfig } from './alerts-config-schema.js';
import { EmailChannel } from './email-channel.js';
import { SlackChannel } from './slack-channel.js';
import { WebhookChannel } from './webhook-channel.js';

/** What building the channels needs from outside src/alerts (secrets are resolved by keys/, files read by the caller). */
export interface AlertChannelDependencies {
  /** keys/secret-reference.ts's resolveSecretReference, bound to the environment. */
  readonly resolveSecret: (reference: string, purpose: string) => Promise<string>;
  readonly readTextFile: (path: string) => Promise<string>;
  readonly clock: Clock;
}

export const DEFAULT_SMTP_PORT = 587;

/**
 * The configured channels by name, secrets resolved. A reference that does not resolve, or a CA file that
 * cannot be read, is CONFIG_INVALID naming the channel (never the secret).
 */
export async function createAlertChannels(
  config: Pick<AlertsConfig, 'channels' | 'timeoutSeconds'>,
  deps: AlertChannelDependencies,
): Promise<Map<string, AlertChannel>> {
  const channels = new Map<string, AlertChannel>();
  for (const [name, channel] of Object.entries(config.channels)) {
    channels.set(name, await createChannel(name, channel, config.timeoutSeconds * 1000, deps));
  }
  return channels;
}

async function createChannel(
  name: string,
  config: AlertChannelConfig,
  timeoutMs: number,
  deps: AlertChannelDependencies,
): Promise<AlertChannel> {
  const purpose = (field: string) => `alerts.channels.${name}.${field}`;
  switch (config.type) {
    case 'slack':
      return new SlackChannel({
        name,
        timeoutMs,
        webhookUrl: await deps.resolveSecret(config.webhookUrlSource, purpose('webhookUrlSource')),
      });
    case 'webhook':
      return new WebhookChannel({
        name,
        timeoutMs,
        url: config.url,
        secret: await deps.resolveSecret(config.secretSource, purpose('secretSource')),
        clock: deps.clock,
      });
    case 'email': {
      const password =
        config.passwordSource === undefined
          ? undefined
          : await deps.resolveSecret(config.passwordSource, purpose('passwordSource'));
      let ca: string | undefined;
      if (config.caFile !== undefined) {
        try {
          ca = await deps.readTextFile(config.caFile);
        } catch (error) {
          throw new PkiError('CONFIG_INVALID', `${purpose('caFile')}: cannot read ${config.caFile}`, {
            cause: error,
          });
        }
      }
      return new EmailChannel({
        name,
        timeoutMs,
        host: config.host,
        port: config.port ?? DEFAULT_SMTP_PORT,
        secure: config.secure ?? false,
        from: config.from,
        to: config.to,
        ...(config.user === undefined ? {} : { user: config.user }),
        ...(password === undefined ? {} : { password }),
        ...(ca === undefined ? {} : { ca }),
      });
    }
  }
}

/**
 * The alerts section with its relative paths (caFile, `file:` secret references) resolved against `baseDir`,
 * the configuration file's folder, as load-config.ts does for the other sections.
 */
export function resolveAlertPaths(config: AlertsConfig, baseDir: string): AlertsConfig {
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const ref = (r: string) => (r.startsWith('file:') ? `file:${path(r.slice('file:'.length))}` : r);
  const channels: Record<string, AlertChannelConfig> = {};
  for (const [name, channel] of Object.entries(config.channels)) {
    switch (channel.type) {
      case 'slack':
        channels[name] = { ...channel, webhookUrlSource: ref(channel.webhookUrlSource) };
        break;
      case 'webhook':
        channels[name] = { ...channel, secretSource: ref(channel.secretSource) };
        break;
      case 'email':
        channels[name] = {
          ...channel,
          ...(channel.passwordSource === undefined ? {} : { passwordSource: ref(channel.passwordSource) }),
          ...(channel.caFile === undefined ? {} : { caFile: path(channel.caFile) }),
        };
        break;
    }
  }
  return { ...config, channels };
}
