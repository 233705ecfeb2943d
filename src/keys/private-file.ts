import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PkiError, type PkiErrorCode } from '../core/pki-error.js';

/**
 * Files only the owner may touch: key files and secret files. Reading refuses a file that other users can
 * access (like ssh refuses an "UNPROTECTED PRIVATE KEY FILE"); writing creates the file with mode 0600,
 * atomically, and never replaces an existing one.
 */

/** How a caller wants each failure to read; messages name the file by `what` (a redacted URI or a reference). */
export interface PrivateFilePolicy {
  readonly what: string;
  readonly missing: PkiErrorCode;
  /** The file is accessible to group or others. */
  readonly exposed: PkiErrorCode;
  /** Not a regular file, or larger than `maxBytes`. */
  readonly invalid: PkiErrorCode;
  readonly maxBytes: number;
}

/** Group and other permission bits. Like ssh, any of them (not only read) disqualifies the file. */
const OTHERS_MASK = 0o077;

/** POSIX modes mean nothing on Windows (node reports 0o666 for every file), so the check is skipped there. */
const CHECKS_MODE = process.platform !== 'win32';

/** Reads a file that must be private to its owner. The mode is checked on the open descriptor, not the name. */
export async function readPrivateFile(path: string, policy: PrivateFilePolicy): Promise<Buffer> {
  const { what } = policy;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new PkiError(policy.missing, `${what}: the file does not exist`, { cause: error });
    }
    throw ioError(error, `${what}: the file cannot be opened`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new PkiError(policy.invalid, `${what}: not a regular file`);
    const permissions = info.mode & 0o777;
    if (CHECKS_MODE && (permissions & OTHERS_MASK) !== 0) {
      throw new PkiError(
        policy.exposed,
        `${what}: the file is accessible by other users (mode 0${permissions.toString(8)}) and is refused; ` +
          `run chmod 600 ${path}`,
      );
    }
    const buffer = Buffer.alloc(policy.maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > policy.maxBytes) {
        throw new PkiError(policy.invalid, `${what}: larger than ${policy.maxBytes} bytes`);
      }
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Fails fast (CONFLICT) before costly work such as generating an RSA key; `writePrivateFile` decides. */
export async function refuseExisting(path: string, what: string): Promise<void> {
  const info = await stat(path).catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw ioError(error, `${what}: cannot check whether the file exists`);
  });
  if (info) throw new PkiError('CONFLICT', `${what}: the file exists already; certfleet never overwrites it`);
}

/**
 * Writes a new file with mode 0600, creating missing folders with mode 0700. The content goes to a temporary
 * file in the same folder (created with 'wx', fsync'd), which is then hard-linked to its name: `link` fails
 * with EEXIST instead of replacing, so two writers cannot both win and nobody ever sees a half-written file
 * (`rename` would silently replace an existing key). Filesystems without hard links (FAT) cannot hold mode
 * 0600 files either, so there is no fallback.
 */
export async function writePrivateFile(path: string, data: string | Uint8Array, what: string): Promise<void> {
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError(error, `${what}: cannot create folder ${folder}`);
  }
  const temporary = join(folder, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o600).catch((error: unknown) => {
      throw ioError(error, `${what}: cannot create a file in ${folder}`);
    });
    try {
      await handle.chmod(0o600); // the umask may have removed bits; never added any, but be exact
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path).catch((error: unknown) => {
      if (errnoOf(error) === 'EEXIST') {
        throw new PkiError('CONFLICT', `${what}: the file exists already; certfleet never overwrites it`);
      }
      throw ioError(error, `${what}: cannot create the file`);
    });
  } finally {
    await rm(temporary, { force: true });
  }
  await syncFolder(folder);
}

/** Makes the new directory entry durable; some platforms cannot fsync a folder, which is not an error. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the file itself is already fsync'd.
  }
}

function ioError(error: unknown, message: string): PkiError {
  const code = errnoOf(error);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EISDIR' || code === 'ENOTDIR') {
    return new PkiError('CONFIG_INVALID', `${message} (${code})`, { cause: error });
  }
  return new PkiError('UNAVAILABLE', `${message}${code ? ` (${code})` : ''}`, { cause: error });
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
