import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PkiError } from '../core/pki-error.js';

/** Largest input file a command reads (CSRs, certificates); anything bigger is not what the user meant. */
const MAX_INPUT_BYTES = 1024 * 1024;

/** Reads a file named on the command line, turning I/O failures into one clear line. */
export async function readInputFile(cwd: string, path: string, what: string): Promise<Uint8Array> {
  const absolute = resolve(cwd, path);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a folder'
            : 'cannot be read';
    throw new PkiError('NOT_FOUND', `${what} ${path}: ${why}`, { cause: error });
  }
  if (bytes.length > MAX_INPUT_BYTES)
    throw new PkiError('PAYLOAD_TOO_LARGE', `${what} ${path} is larger than 1 MiB`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
