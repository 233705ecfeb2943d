#!/usr/bin/env node
// The device agent on its own: `certfleet-agent --est-url … --state-dir …` is `certfleet agent …` without
// loading any server code. Like bin/certfleet.js it runs the compiled build when current, else the sources.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}dist/agent/agent-command.js`;

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const stat = statSync(built, { throwIfNoEntry: false });
let agentCommand;
if (stat !== undefined && stat.mtimeMs >= newestMtimeMs(`${root}src`)) {
  ({ agentCommand } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: `${root}tsconfig.json` });
  ({ agentCommand } = await import('../src/agent/agent-command.ts'));
}
const command = agentCommand().name('certfleet-agent');
try {
  await command.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  process.stderr.write(`certfleet-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
