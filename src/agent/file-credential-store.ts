import { basename, join } from 'node:path';
import { PkiError } from '../core/pki-error.js';
import {
  type AgentFileSystem,
  errnoOf,
  isTemporaryName,
  nodeFileSystem,
  replaceSymlink,
  temporaryNameFor,
  writeFileAtomic,
} from './agent-file-system.js';
import { isWorkingCredential, loadCredential } from './credential-pair.js';
import {
  type AgentState,
  type CredentialGeneration,
  type CredentialPair,
  type CredentialStore,
  INITIAL_AGENT_STATE,
} from './credential-store.js';
import { parseAgentState } from './agent-state.js';

export interface FileCredentialStoreOptions {
  /** The birth certificate (leaf, then its chain) and its key, PEM; read, never written. */
  readonly idevidCertFile: string;
  readonly idevidKeyFile: string;
  /** The file operations; node:fs by default. Tests inject failures here. */
  readonly fs?: AgentFileSystem;
}

const PRIVATE_FILE = 0o600;
const PRIVATE_FOLDER = 0o700;
const SERIAL = /^[0-9a-f]{1,64}$/;

/**
 * The device's credentials on disk. Each certificate generation gets its own folder and a `current` symlink names
 * the one in use, so that key and certificate switch together:
 *
 * ```
 * <stateDir>/                      0700
 *   current  -> generations/<serial>   what consumers (a broker client) read: current/cert.pem, current/key.pem
 *   previous -> generations/<serial>   the pair before, kept until the next install
 *   generations/<serial>/key.pem     0600  PKCS#8 PEM
 *   generations/<serial>/cert.pem    0600  leaf, then intermediates
 *   trust-anchors.pem                0600
 *   state.json                       0600  the agent's schedule and counters
 * ```
 *
 * An install writes the new generation into a temporary folder (files fsync'd), renames it into place, points
 * `previous` at the old generation and then replaces `current` by renaming a temporary symlink over it: a reader
 * that resolves `current` once sees the old pair or the new, never a mix. Any failure before that last rename
 * leaves the old pair current. On start the store removes temporary debris, points `current` back at the last
 * complete pair if it names none, and drops generations no link names (an install interrupted before its switch).
 * Readers should resolve the link once (realpath) and read both files from that folder.
 */
export class FileCredentialStore implements CredentialStore {
  readonly #dir: string;
  readonly #options: FileCredentialStoreOptions;
  readonly #fs: AgentFileSystem;
  #ready: Promise<void> | undefined;

  constructor(stateDir: string, options: FileCredentialStoreOptions) {
    this.#dir = stateDir;
    this.#options = options;
    this.#fs = options.fs ?? nodeFileSystem;
  }

  /** `<stateDir>/current`: the folder holding the pair in use. */
  get currentDir(): string {
    return join(this.#dir, 'current');
  }

  async idevid(): Promise<CredentialPair | undefined> {
    try {
      const [certificatePem, keyPem] = await Promise.all([
        this.#fs.readText(this.#options.idevidCertFile),
        this.#fs.readText(this.#options.idevidKeyFile),
      ]);
      return { certificatePem, keyPem };
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw storeError(error, 'cannot read the IDevID');
    }
  }

  async current(): Promise<CredentialGeneration | undefined> {
    await this.#open();
    return this.#readLinked('current');
  }

  async previous(): Promise<CredentialGeneration | undefined> {
    await this.#open();
    return this.#readLinked('previous');
  }

  async install(generation: CredentialGeneration): Promise<void> {
    if (!SERIAL.test(generation.serial)) {
      throw new PkiError('MALFORMED_INPUT', `credential store: '${generation.serial}' is not a hex serial`);
    }
    if (!isWorkingCredential(generation)) {
      throw new PkiError(
        'MALFORMED_INPUT',
        `credential store: generation ${generation.serial} is not a working pair`,
      );
    }
    await this.#open();
    const before = await this.#linkedSerial('current');
    if (before === generation.serial) {
      throw new PkiError('CONFLICT', `credential store: generation ${generation.serial} is current already`);
    }
    const folder = this.#generationDir(generation.serial);
    try {
      await this.#writeGeneration(generation, folder);
      if (before !== undefined)
        await replaceSymlink(this.#fs, this.#link('previous'), generationTarget(before));
      await replaceSymlink(this.#fs, this.#link('current'), generationTarget(generation.serial));
    } catch (error) {
      const linked = await this.#linkedSerial('current').catch(() => null);
      // The switch happened and only a later folder fsync failed: readers already see the new, complete pair.
      if (linked !== generation.serial) {
        // `current` names the old pair: the new folder is debris. When the link cannot even be read, the folder
        // is left for the next start to prune: removing a folder that `current` names would break the device.
        if (linked !== null) await this.#fs.remove(folder).catch(() => undefined);
        throw storeError(error, `cannot install generation ${generation.serial}`);
      }
    }
    await this.#prune([generation.serial, ...(before === undefined ? [] : [before])]);
  }

  async restorePrevious(): Promise<void> {
    await this.#open();
    const previous = await this.#linkedSerial('previous');
    if (previous === undefined) throw new PkiError('NOT_FOUND', 'credential store: no previous generation');
    try {
      await replaceSymlink(this.#fs, this.#link('current'), generationTarget(previous));
    } catch (error) {
      throw storeError(error, 'cannot restore the previous generation');
    }
  }

  async trustAnchorsPem(): Promise<string | undefined> {
    await this.#open();
    return this.#readOptional(join(this.#dir, 'trust-anchors.pem'), 'cannot read the trust anchors');
  }

  async setTrustAnchorsPem(pem: string): Promise<void> {
    await this.#open();
    try {
      await writeFileAtomic(this.#fs, join(this.#dir, 'trust-anchors.pem'), pem, PRIVATE_FILE);
    } catch (error) {
      throw storeError(error, 'cannot write the trust anchors');
    }
  }

  async readState(): Promise<AgentState> {
    await this.#open();
    const text = await this.#readOptional(join(this.#dir, 'state.json'), 'cannot read the agent state');
    return text === undefined ? INITIAL_AGENT_STATE : parseAgentState(text);
  }

  async writeState(state: AgentState): Promise<void> {
    await this.#open();
    try {
      await writeFileAtomic(
        this.#fs,
        join(this.#dir, 'state.json'),
        `${JSON.stringify(state, null, 2)}\n`,
        PRIVATE_FILE,
      );
    } catch (error) {
      throw storeError(error, 'cannot write the agent state');
    }
  }

  /** Creates the folders and recovers from an interrupted write; runs once, again after a failure. */
  #open(): Promise<void> {
    this.#ready ??= this.#recover().catch((error: unknown) => {
      this.#ready = undefined;
      throw storeError(error, 'cannot open the state folder');
    });
    return this.#ready;
  }

  async #recover(): Promise<void> {
    const fs = this.#fs;
    const generations = join(this.#dir, 'generations');
    await fs.mkdir(this.#dir, PRIVATE_FOLDER);
    await fs.mkdir(generations, PRIVATE_FOLDER);
    for (const folder of [this.#dir, generations]) {
      for (const name of await fs.readdir(folder)) {
        if (isTemporaryName(name)) await fs.remove(join(folder, name));
      }
    }

    let current = await this.#completeLinked('current');
    let previous = await this.#completeLinked('previous');
    if (current === undefined) {
      current = previous ?? (await this.#newestComplete());
      if (current === undefined) await fs.remove(this.#link('current'));
      else await replaceSymlink(fs, this.#link('current'), generationTarget(current));
    }
    if (previous === current) previous = undefined;
    if (previous === undefined) await fs.remove(this.#link('previous'));
    await this.#prune([current, previous].filter((serial) => serial !== undefined));
  }

  async #writeGeneration(generation: CredentialGeneration, folder: string): Promise<void> {
    const temporary = temporaryNameFor(folder);
    try {
      await this.#fs.mkdir(temporary, PRIVATE_FOLDER);
      await this.#fs.writeDurable(join(temporary, 'key.pem'), generation.keyPem, PRIVATE_FILE);
      await this.#fs.writeDurable(join(temporary, 'cert.pem'), generation.certificatePem, PRIVATE_FILE);
      await this.#fs.syncDirectory(temporary);
      await this.#fs.remove(folder); // an orphan of an interrupted install with this serial
      await this.#fs.rename(temporary, folder);
      await this.#fs.syncDirectory(join(this.#dir, 'generations'));
    } catch (error) {
      await this.#fs.remove(temporary).catch(() => undefined);
      throw error;
    }
  }

  /** Removes every generation not in `keep`. Best effort: a leftover folder is pruned on the next start. */
  async #prune(keep: readonly string[]): Promise<void> {
    const generations = join(this.#dir, 'generations');
    try {
      for (const name of await this.#fs.readdir(generations)) {
        if (!keep.includes(name)) await this.#fs.remove(join(generations, name));
      }
    } catch {
      // The install itself is complete; pruning again later is harmless.
    }
  }

  async #readLinked(link: 'current' | 'previous'): Promise<CredentialGeneration | undefined> {
    const serial = await this.#linkedSerial(link);
    if (serial === undefined) return undefined;
    try {
      return await this.#readGeneration(serial);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw storeError(error, `cannot read the ${link} pair`);
    }
  }

  async #readGeneration(serial: string): Promise<CredentialGeneration> {
    const folder = this.#generationDir(serial);
    const [certificatePem, keyPem] = await Promise.all([
      this.#fs.readText(join(folder, 'cert.pem')),
      this.#fs.readText(join(folder, 'key.pem')),
    ]);
    return { serial, certificatePem, keyPem };
  }

  /** The serial a link names, from its target `generations/<serial>`; undefined when there is no link. */
  async #linkedSerial(link: 'current' | 'previous'): Promise<string | undefined> {
    let target: string;
    try {
      target = await this.#fs.readlink(this.#link(link));
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'EINVAL') return undefined;
      throw storeError(error, `cannot read the ${link} link`);
    }
    const serial = basename(target);
    return SERIAL.test(serial) ? serial : undefined;
  }

  async #completeLinked(link: 'current' | 'previous'): Promise<string | undefined> {
    const serial = await this.#linkedSerial(link);
    return serial !== undefined && (await this.#isComplete(serial)) ? serial : undefined;
  }

  async #isComplete(serial: string): Promise<boolean> {
    try {
      return isWorkingCredential(await this.#readGeneration(serial));
    } catch {
      return false;
    }
  }

  /** The complete generation with the latest notBefore: the fallback when no link names a complete pair. */
  async #newestComplete(): Promise<string | undefined> {
    let newest: { serial: string; notBeforeMs: number } | undefined;
    for (const name of await this.#fs.readdir(join(this.#dir, 'generations'))) {
      if (!SERIAL.test(name) || !(await this.#isComplete(name))) continue;
      const { leaf } = loadCredential(await this.#readGeneration(name), `generation ${name}`);
      const notBeforeMs = leaf.notBefore.getTime();
      if (!newest || notBeforeMs > newest.notBeforeMs) newest = { serial: name, notBeforeMs };
    }
    return newest?.serial;
  }

  async #readOptional(path: string, doing: string): Promise<string | undefined> {
    try {
      return await this.#fs.readText(path);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw storeError(error, doing);
    }
  }

  #link(name: 'current' | 'previous'): string {
    return join(this.#dir, name);
  }

  #generationDir(serial: string): string {
    return join(this.#dir, 'generations', serial);
  }
}

/** Link targets are relative, so the state folder can be moved or mounted elsewhere. */
function generationTarget(serial: string): string {
  return join('generations', serial);
}

function storeError(error: unknown, doing: string): PkiError {
  if (error instanceof PkiError) return error;
  const code = errnoOf(error);
  return new PkiError('UNAVAILABLE', `credential store: ${doing}${code ? ` (${code})` : ''}`, {
    cause: error,
  });
}
