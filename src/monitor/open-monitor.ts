import { readFile } from 'node:fs/promises';
import type { LookupFunction } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Clock } from '../core/clock.js';
import { PkiError } from '../core/pki-error.js';
import type { Store } from '../store/store.js';
import { ChainJudge } from './chain-judge.js';
import { type ClientCredentials, EndpointProber } from './endpoint-prober.js';
import { MonitorSchedule, type MonitorScheduleLog, type ScheduleTimers } from './monitor-schedule.js';
import type { ClientCredential } from './probe-target.js';
import { createTlsProbes } from './tls-probes.js';
import { readTrustAnchorFiles } from './trust-anchor-files.js';

/** The `monitor` section of the configuration (server/config-schema.ts), as the monitor reads it. */
export interface MonitorSettings {
  readonly enabled: boolean;
  readonly intervalSeconds: number;
  readonly concurrency: number;
  readonly connectTimeoutMs: number;
  readonly probeTimeoutMs: number;
  readonly maxHandshakeBytes: number;
  readonly sampleShare: number;
  readonly extraTrustAnchorFiles: readonly string[];
  readonly keepObservationsDays: number;
  readonly clientCredentials: Readonly<
    Record<
      string,
      { readonly certFile: string; readonly keyFile: string; readonly passphraseSource?: string }
    >
  >;
  readonly defaultClientCredential?: string;
}

/** The monitor, wired: `prober` probes one endpoint now, `schedule` probes them all every interval. */
export interface Monitor {
  readonly prober: EndpointProber;
  readonly schedule: MonitorSchedule;
}

export interface OpenMonitorOptions {
  readonly store: Pick<Store, 'endpoints' | 'observations' | 'issuers' | 'certificates'>;
  readonly settings: MonitorSettings;
  readonly clock: Clock;
  readonly log: MonitorScheduleLog;
  /** Resolves a secret reference (`env:…`, `file:…`) for an encrypted client key; `purpose` opens its errors. */
  readonly resolveSecret: (reference: string, purpose: string) => Promise<string>;
  /** Relative file paths in the settings resolve against this folder (default: the working directory). */
  readonly baseDir?: string;
  readonly lookup?: LookupFunction;
  readonly random?: () => number;
  readonly timers?: ScheduleTimers;
}

/**
 * Reads what the monitor needs from files (extra trust anchors, client certificates) and wires the prober and
 * the schedule. A file that cannot be used is CONFIG_INVALID now, not a failed probe later.
 */
export async function openMonitor(options: OpenMonitorOptions): Promise<Monitor> {
  const { settings, store, clock } = options;
  const path = (p: string) => (isAbsolute(p) ? p : resolve(options.baseDir ?? process.cwd(), p));
  const extraAnchors = await readTrustAnchorFiles(settings.extraTrustAnchorFiles.map(path));
  const credentials = await loadClientCredentials(settings, path, options.resolveSecret);
  const prober = new EndpointProber({
    probes: createTlsProbes(options.lookup),
    judge: new ChainJudge({ issuers: store.issuers, certificates: store.certificates, extraAnchors, clock }),
    clock,
    bounds: {
      connectTimeoutMs: settings.connectTimeoutMs,
      probeTimeoutMs: settings.probeTimeoutMs,
      maxHandshakeBytes: settings.maxHandshakeBytes,
    },
    credentials,
  });
  const schedule = new MonitorSchedule(
    {
      endpoints: store.endpoints,
      observations: store.observations,
      prober,
      clock,
      log: options.log,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
    },
    {
      intervalSeconds: settings.intervalSeconds,
      concurrency: settings.concurrency,
      sampleShare: settings.sampleShare,
      keepObservationsDays: settings.keepObservationsDays,
    },
  );
  return { prober, schedule };
}

async function loadClientCredentials(
  settings: MonitorSettings,
  path: (p: string) => string,
  resolveSecret: OpenMonitorOptions['resolveSecret'],
): Promise<ClientCredentials> {
  const byName = new Map<string, ClientCredential>();
  for (const [name, files] of Object.entries(settings.clientCredentials)) {
    const where = `/monitor/clientCredentials/${name}`;
    const read = async (file: string, what: string) => {
      try {
        return await readFile(path(file), 'utf8');
      } catch (error) {
        throw new PkiError('CONFIG_INVALID', `${where}: cannot read the ${what} ${file}`, { cause: error });
      }
    };
    const credential: ClientCredential = {
      certificatePem: await read(files.certFile, 'certificate file'),
      keyPem: await read(files.keyFile, 'key file'),
      ...(files.passphraseSource === undefined
        ? {}
        : { passphrase: await resolveSecret(files.passphraseSource, `${where}/passphraseSource`) }),
    };
    try {
      // Fails now on a certificate and key that do not match or a wrong passphrase.
      createSecureContext({
        cert: credential.certificatePem,
        key: credential.keyPem,
        ...(credential.passphrase === undefined ? {} : { passphrase: credential.passphrase }),
      });
    } catch (error) {
      throw new PkiError('CONFIG_INVALID', `${where}: the certificate and key cannot be used together`, {
        cause: error,
      });
    }
    byName.set(name, credential);
  }
  const defaultName = settings.defaultClientCredential;
  if (defaultName !== undefined && !byName.has(defaultName)) {
    throw new PkiError(
      'CONFIG_INVALID',
      `/monitor/defaultClientCredential: '${defaultName}' is not in monitor.clientCredentials`,
    );
  }
  return defaultName === undefined ? { byName } : { byName, defaultName };
}
