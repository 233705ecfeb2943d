import { metricsConfigProblems } from './metrics/metrics-config-problems.js';
import { resolveAlertPaths } from '../alerts/alert-channels.js';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { PkiError } from '../core/pki-error.js';
import { lifetimeProblems } from '../pki/profiles/profile-set.js';
import { type Config, ConfigSchema } from './config-schema.js';

export const CONFIG_ENV_PREFIX = 'CERTFLEET_';
export const CONFIG_FILE_ENV = 'CERTFLEET_CONFIG';
export const DEFAULT_CONFIG_FILE = 'certfleet.json';
/** CERTFLEET_* variables that are not configuration overrides. */
const NON_CONFIG_ENV = new Set([CONFIG_FILE_ENV, 'CERTFLEET_DEBUG']);

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or null when none exists and defaults apply. */
  readonly file: string | null;
  /** Relative paths in the configuration were resolved against this folder. */
  readonly baseDir: string;
}

export interface LoadConfigOptions {
  /** An explicit `--config` path; it must exist. */
  readonly path?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/**
 * Reads the configuration file (if any), applies `CERTFLEET_*` environment overrides, fills defaults and
 * validates. Every problem is reported at once as CONFIG_INVALID, each with the JSON path it concerns.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const explicit = options.path ?? options.env[CONFIG_FILE_ENV];
  const file = resolve(options.cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let raw: unknown = {};
  let found = true;
  try {
    raw = parseJson(await readFile(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof PkiError) throw error;
    if (explicit !== undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PkiError('CONFIG_INVALID', `cannot read configuration file ${file}`, { cause: error });
    }
    found = false;
  }
  const withEnv = applyEnvironment(raw, options.env);
  const config = validateConfig(withEnv, found ? file : 'configuration');
  const baseDir = found ? dirname(file) : options.cwd;
  return { config: resolvePaths(config, baseDir), file: found ? file : null, baseDir };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PkiError('CONFIG_INVALID', `${file}: not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/** Validates a configuration object (defaults filled in); the message lists every error with its JSON path. */
export function validateConfig(input: unknown, source: string): Config {
  const value = Value.Default(ConfigSchema, structuredClone(input ?? {}));
  const all = [...Value.Errors(ConfigSchema, value)];
  // A union reports each failed alternative ("must be equal to constant") besides its own error; keep the latter.
  const unionPaths = new Set(all.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const errors = all.filter(
    (e) => e.keyword !== 'boolean' && !(e.keyword === 'const' && unionPaths.has(e.instancePath)),
  );
  const problems = errors.map((e) => {
    const path = e.instancePath === '' ? '/' : e.instancePath;
    const extra = e.keyword === 'additionalProperties' ? `: ${describeExtra(e.params)}` : '';
    return { path, message: `${e.message}${extra}` };
  });
  // Rules the schema cannot state: each configured lifetime within its profile's bounds.
  if (problems.length === 0) {
    problems.push(
      ...lifetimeProblems((value as Config).pki),
      ...metricsConfigProblems((value as Config).metrics),
    );
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.path}: ${p.message}`);
    throw new PkiError('CONFIG_INVALID', `${source} is invalid:\n  ${lines.join('\n  ')}`, {
      details: { path: problems[0]?.path ?? '/' },
    });
  }
  return value as Config;
}

function describeExtra(params: unknown): string {
  const names = (params as { additionalProperties?: unknown }).additionalProperties;
  return Array.isArray(names) ? `unknown key(s) ${names.map(String).join(', ')}` : 'unknown key';
}

/** `server.tls.certFile` → `CERTFLEET_SERVER_TLS_CERT_FILE`. */
export function environmentName(path: readonly string[]): string {
  return (
    CONFIG_ENV_PREFIX +
    path
      .map((p) =>
        p
          .replace(/[A-Z]/g, (c) => `_${c}`)
          .replace(/-/g, '_')
          .toUpperCase(),
      )
      .join('_')
  );
}

interface Leaf {
  readonly path: readonly string[];
  readonly schema: TSchema;
}

function leaves(schema: TSchema, path: readonly string[] = []): Leaf[] {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!properties) return [{ path, schema }];
  return Object.entries(properties).flatMap(([key, child]) => leaves(child, [...path, key]));
}

/** The environment variables that override configuration, for `--help` and errors. */
export function environmentNames(): string[] {
  return leaves(ConfigSchema).map((leaf) => environmentName(leaf.path));
}

function applyEnvironment(raw: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  const known = new Map(leaves(ConfigSchema).map((leaf) => [environmentName(leaf.path), leaf]));
  const unknown = Object.keys(env).filter(
    (name) => name.startsWith(CONFIG_ENV_PREFIX) && !NON_CONFIG_ENV.has(name) && !known.has(name),
  );
  if (unknown.length > 0) {
    throw new PkiError(
      'CONFIG_INVALID',
      `unknown environment variable(s) ${unknown.join(', ')}; known: ${[...known.keys()].join(', ')}`,
    );
  }
  const result = (typeof raw === 'object' && raw !== null ? structuredClone(raw) : {}) as Record<
    string,
    unknown
  >;
  for (const [name, leaf] of known) {
    const text = env[name];
    if (text === undefined) continue;
    let target = result;
    for (const key of leaf.path.slice(0, -1)) {
      const next = target[key];
      target[key] = typeof next === 'object' && next !== null ? next : {};
      target = target[key] as Record<string, unknown>;
    }
    const type = (leaf.schema as { type?: unknown }).type;
    target[leaf.path[leaf.path.length - 1] ?? ''] =
      type === 'integer' || type === 'number' ? numberOrText(text) : text;
  }
  return result;
}

function numberOrText(text: string): number | string {
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

function resolvePaths(config: Config, baseDir: string): Config {
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const fileRef = (ref: string) =>
    ref.startsWith('file:') ? `file:${path(ref.slice('file:'.length))}` : ref;
  const url = config.store.url;
  const sqlite =
    url.startsWith('sqlite:') && url !== 'sqlite::memory:'
      ? `sqlite:${path(url.slice('sqlite:'.length))}`
      : url;
  return {
    ...config,
    dataDir: path(config.dataDir),
    store: { url: sqlite },
    pki: { ...config.pki, offlineRootDir: path(config.pki.offlineRootDir) },
    server: {
      ...config.server,
      tls: {
        certFile: path(config.server.tls.certFile),
        keyFile: path(config.server.tls.keyFile),
        passphraseSource: fileRef(config.server.tls.passphraseSource),
      },
    },
    monitor: {
      ...config.monitor,
      extraTrustAnchorFiles: config.monitor.extraTrustAnchorFiles.map(path),
      clientCredentials: Object.fromEntries(
        Object.entries(config.monitor.clientCredentials).map(([name, files]) => [
          name,
          {
            ...files,
            certFile: path(files.certFile),
            keyFile: path(files.keyFile),
            ...(files.passphraseSource === undefined
              ? {}
              : { passphraseSource: fileRef(files.passphraseSource) }),
          },
        ]),
      ),
    },
    alerts: resolveAlertPaths(config.alerts, baseDir),
    metrics: {
      ...config.metrics,
      ...(config.metrics.bearerTokenSource === undefined
        ? {}
        : { bearerTokenSource: fileRef(config.metrics.bearerTokenSource) }),
    },
  };
}
