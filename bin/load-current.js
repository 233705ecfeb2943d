// Shared by the executables: import the compiled module from dist/ (built by `npm ci` through the prepare
// script, or `npm run build`) when that build is at least as new as every source file; otherwise import the
// TypeScript source through tsx, so a checkout with edits never runs stale code, only slower.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

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

/** `module` is a path under src/ without extension, e.g. `cli/main`. */
export async function loadCurrent(module) {
  const built = `${root}dist/${module}.js`;
  const stat = statSync(built, { throwIfNoEntry: false });
  if (stat !== undefined && stat.mtimeMs >= newestMtimeMs(`${root}src`)) return import(built);
  // The asn1 schemas need the legacy decorators of our tsconfig, from whatever folder we run in.
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: `${root}tsconfig.json` });
  return import(`${root}src/${module}.ts`);
}
