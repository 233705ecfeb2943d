import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(REPOSITORY, 'web');
/** Where `npm run build:web` writes, and what serve() serves at `/` (src/server/dashboard-plugin.ts). */
const SHELL = join(WEB, 'dist', 'index.html');

export interface DashboardBuild {
  /**
   * Throws if web/dist was rebuilt since (another `npm run build:web` in the same checkout): the server made
   * its routes from the files it found at start-up, so the page it serves now names assets it does not have.
   */
  assertUnchanged(): Promise<void>;
}

/**
 * Makes sure web/dist holds a build of the dashboard as web/ is now: runs `npm run build:web` (package.json)
 * when there is no build, or when a source (web/src, web/index.html, web/vite.config.ts) is newer than it. The
 * server serves web/dist only (src/server/dashboard-plugin.ts), so the tests build there, as an operator would.
 */
export async function ensureDashboardBuild(): Promise<DashboardBuild> {
  await buildIfStale();
  const builtMs = await modifiedMs(SHELL);
  return {
    async assertUnchanged() {
      if ((await modifiedMs(SHELL)) !== builtMs) {
        throw new Error(
          'web/dist was rebuilt while the browser tests ran (npm run build:web elsewhere?): run again',
        );
      }
    },
  };
}

async function buildIfStale(): Promise<void> {
  const built = await modifiedMs(SHELL);
  const newest = Math.max(
    await newestModifiedMs(join(WEB, 'src')),
    await modifiedMs(join(WEB, 'index.html')),
    await modifiedMs(join(WEB, 'vite.config.ts')),
  );
  if (built !== 0 && built >= newest) return;
  try {
    await run('npm', ['run', '--silent', 'build:web'], { cwd: REPOSITORY, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build:web failed:\n${stdout}${stderr}`, { cause: error });
  }
  if ((await modifiedMs(SHELL)) === 0) throw new Error(`npm run build:web wrote no ${SHELL}`);
}

/** 0 when the file does not exist. */
async function modifiedMs(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function newestModifiedMs(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, await modifiedMs(join(entry.parentPath, entry.name)));
  }
  return newest;
}
