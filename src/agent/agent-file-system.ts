import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The file operations the credential store uses, as an interface so that tests (and the fleet simulator) can make
 * any one of them fail: a full disk in the middle of a swap must leave the previous pair in place.
 */
export interface AgentFileSystem {
  /** UTF-8 content; rejects with ENOENT when missing. */
  readText: (path: string) => Promise<string>;
  /** Creates or truncates `path` with `mode`, writes `data`, fsyncs and closes. Not atomic by itself. */
  writeDurable: (path: string, data: string, mode: number) => Promise<void>;
  rename: (from: string, to: string) => Promise<void>;
  symlink: (target: string, path: string) => Promise<void>;
  /** The link's target as written; rejects with ENOENT when missing. */
  readlink: (path: string) => Promise<string>;
  /** Creates the folder and missing parents with `mode`, and sets `mode` on the folder itself. */
  mkdir: (path: string, mode: number) => Promise<void>;
  /** Entry names; an empty list for a missing folder. */
  readdir: (path: string) => Promise<string[]>;
  /** Removes a file, link or folder tree; a missing one is not an error. */
  remove: (path: string) => Promise<void>;
  /** Makes the folder's entries durable after a rename. */
  syncDirectory: (path: string) => Promise<void>;
}

export const nodeFileSystem: AgentFileSystem = {
  readText: (path) => readFile(path, 'utf8'),
  writeDurable: async (path, data, mode) => {
    const handle = await open(path, 'w', mode);
    try {
      await handle.chmod(mode); // the umask may have removed bits from `mode`; never let it add any
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => rename(from, to),
  symlink: (target, path) => symlink(target, path),
  readlink: (path) => readlink(path),
  mkdir: async (path, mode) => {
    await mkdir(path, { recursive: true, mode });
    await chmod(path, mode);
  },
  readdir: async (path) => {
    try {
      return await readdir(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return [];
      throw error;
    }
  },
  remove: (path) => rm(path, { recursive: true, force: true }),
  syncDirectory: async (path) => {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch {
      return; // some platforms cannot open a folder for fsync; the files themselves are fsync'd
    }
    try {
      await handle.sync();
    } catch {
      // EINVAL on filesystems without directory fsync: best effort, as above.
    } finally {
      await handle.close();
    }
  },
};

/** The marker of every temporary name the store writes; whatever carries it after a crash is debris. */
const TEMPORARY = /\.tmp-[0-9a-f]{16}$/;

export function temporaryNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(8).toString('hex')}`);
}

export function isTemporaryName(name: string): boolean {
  return TEMPORARY.test(name);
}

/** Writes `path` so that readers see the old content or the new, never a part: temporary file, fsync, rename. */
export async function writeFileAtomic(
  fs: AgentFileSystem,
  path: string,
  data: string,
  mode: number,
): Promise<void> {
  const temporary = temporaryNameFor(path);
  try {
    await fs.writeDurable(temporary, data, mode);
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.remove(temporary).catch(() => undefined);
    throw error;
  }
  await fs.syncDirectory(dirname(path));
}

/** Points the symlink `path` at `target` in one step: a temporary link renamed over it (rename(2) is atomic). */
export async function replaceSymlink(fs: AgentFileSystem, path: string, target: string): Promise<void> {
  const temporary = temporaryNameFor(path);
  try {
    await fs.symlink(target, temporary);
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.remove(temporary).catch(() => undefined);
    throw error;
  }
  await fs.syncDirectory(dirname(path));
}

export function errnoOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
