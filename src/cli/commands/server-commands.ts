import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ensureDevelopmentPki } from '../../server/development-pki.js';
import { DEFAULT_CONFIG_FILE, environmentNames } from '../../server/load-config.js';
import { openRuntime } from '../../server/runtime.js';
import { serve } from '../../server/serve.js';
import type { CliContext } from '../cli-context.js';

const STARTER_CONFIG = {
  dataDir: './data',
  store: { url: 'sqlite:./data/certfleet.db' },
  pki: { offlineRootDir: './offline-root' },
  server: { host: '127.0.0.1', port: 8443 },
};

export function serverCommands(context: () => CliContext): Command[] {
  const serveCommand = new Command('serve')
    .description('run the server (creates a development PKI on first run)')
    .action(async () => {
      const ctx = context();
      const config = await ctx.config();
      const running = await serve(config, ctx.io.clock, ctx.io.env, (line) => ctx.note(line));
      const signal = await ctx.io.stopSignal();
      ctx.note(`${signal}: shutting down`);
      await running.close();
    });

  const init = new Command('init')
    .description(
      `write a starter ${DEFAULT_CONFIG_FILE} if none exists, create the store and a development PKI`,
    )
    .action(async () => {
      const ctx = context();
      const loaded = await ctx.loadedConfig();
      if (loaded.file === null) {
        const file = resolve(ctx.io.cwd, DEFAULT_CONFIG_FILE);
        await writeFile(file, JSON.stringify(STARTER_CONFIG, null, 2) + '\n', { flag: 'wx' });
        ctx.out(`Wrote ${file}`);
      }
      const report = await ensureDevelopmentPki(loaded.config, ctx.io.clock, ctx.io.env);
      ctx.out(report.createdHierarchy ? 'Created a development PKI:' : 'The PKI exists already:');
      ctx.out(`  offline root CA: ${report.offlineRootDir}  (the server never reads it)`);
      ctx.out(`  data folder:     ${report.dataDir}`);
      if (report.rootFingerprintSha256 !== undefined)
        ctx.out(`  root SHA-256:    ${report.rootFingerprintSha256}`);
    });

  const config = new Command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate the configuration, open the store and every online issuer key')
    .action(async () => {
      const ctx = context();
      const loaded = await ctx.loadedConfig();
      ctx.out(`Configuration: ${loaded.file ?? '(no file; defaults and environment)'} is valid`);
      const runtime = await openRuntime(loaded.config, ctx.io.clock, ctx.io.env);
      try {
        ctx.out(`Store: ${runtime.store.engine} (${redactUrl(loaded.config.store.url)}) opened`);
        ctx.out(`Online issuers with usable keys: ${[...runtime.issuers.keys()].join(', ') || 'none'}`);
      } finally {
        await runtime.close();
      }
    });
  config
    .command('env')
    .description('list the environment variables that override configuration')
    .action(() => {
      const ctx = context();
      for (const name of environmentNames()) ctx.out(name);
    });

  return [init, serveCommand, config];
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
