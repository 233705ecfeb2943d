import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../src/core/clock.js';
import type { Config } from '../../src/server/config-schema.js';
import { DEVELOPMENT_HIERARCHY, setUpHierarchy } from '../../src/server/hierarchy-setup.js';
import { validateConfig } from '../../src/server/load-config.js';
import { openRuntime, type Runtime } from '../../src/server/runtime.js';
import { openStore } from '../../src/store/open-store.js';

export interface TestDeployment {
  readonly dir: string;
  readonly config: Config;
  readonly runtime: Runtime;
  /** Closes the runtime and removes the folder. */
  dispose(): Promise<void>;
}

/**
 * A deployment in a temporary folder: configuration, a store (SQLite in the folder unless `storeUrl` is
 * given), the development hierarchy made by our own ceremony code, and an open runtime (CA + RA).
 */
export async function createTestDeployment(
  options: { storeUrl?: string; clock?: Clock; config?: Record<string, unknown> } = {},
): Promise<TestDeployment> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-deploy-'));
  try {
    return await createIn(dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function createIn(
  dir: string,
  options: { storeUrl?: string; clock?: Clock; config?: Record<string, unknown> },
): Promise<TestDeployment> {
  const config = testConfig(dir, {
    ...(options.storeUrl === undefined ? {} : { storeUrl: options.storeUrl }),
    ...options.config,
  });
  const clock = options.clock ?? systemClock;
  const store = await openStore(config.store.url);
  try {
    await setUpHierarchy(config, store, DEVELOPMENT_HIERARCHY, clock, {});
  } finally {
    await store.close();
  }
  const runtime = await openRuntime(config, clock, {});
  return {
    dir,
    config,
    runtime,
    async dispose() {
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A validated configuration with every path inside `dir`, the listener on a free port, and any top-level
 * `overrides` (`storeUrl` replaces the SQLite file).
 */
export function testConfig(
  dir: string,
  overrides: { storeUrl?: string } & Record<string, unknown> = {},
): Config {
  const { storeUrl, ...rest } = overrides;
  return validateConfig(
    {
      dataDir: join(dir, 'data'),
      store: { url: storeUrl ?? `sqlite:${join(dir, 'data', 'certfleet.db')}` },
      pki: { offlineRootDir: join(dir, 'offline-root') },
      server: {
        port: 0,
        publicHttp: { port: 0 },
        tls: {
          certFile: join(dir, 'data', 'tls', 'server.cert.pem'),
          keyFile: join(dir, 'data', 'tls', 'server.key.pem'),
          passphraseSource: `file:${join(dir, 'data', 'secrets', 'server-tls.pass')}`,
        },
      },
      metrics: { port: 0 },
      ...rest,
    },
    'test configuration',
  );
}
