#!/usr/bin/env node
// The certfleet command. It runs the compiled CLI from dist/ (built by `npm ci` through the prepare script,
// or `npm run build`) when that build is at least as new as every source file; otherwise it runs the
// TypeScript sources through tsx, so a checkout with edits never runs stale code, only slower.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}dist/cli/main.js`;

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

function builtIsCurrent() {
  const stat = statSync(built, { throwIfNoEntry: false });
  return stat !== undefined && stat.mtimeMs >= newestMtimeMs(`${root}src`);
}

let main;
if (builtIsCurrent()) {
  ({ main } = await import(built));
} else {
  // The asn1 schemas need the legacy decorators of our tsconfig, from whatever folder we run in.
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: `${root}tsconfig.json` });
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
