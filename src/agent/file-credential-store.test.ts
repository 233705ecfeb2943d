import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificate } from '../../test/helpers/pki-fixtures.js';
import { encodePem } from '../pki/pem.js';
import { type AgentFileSystem, nodeFileSystem } from './agent-file-system.js';
import { keyToPem, loadCredential } from './credential-pair.js';
import { type CredentialGeneration, INITIAL_AGENT_STATE } from './credential-store.js';
import { FileCredentialStore } from './file-credential-store.js';

const issuer = makeTestCertificate({ subject: 'Issuing CA', ca: true, pathLength: 0 });

function generation(notBefore = new Date('2025-01-01T00:00:00Z')): CredentialGeneration {
  const leaf = makeTestCertificate({ subject: 'device-1', issuer, notBefore });
  return {
    serial: leaf.cert.serial,
    certificatePem: encodePem('CERTIFICATE', leaf.cert.der) + encodePem('CERTIFICATE', issuer.cert.der),
    keyPem: keyToPem(leaf.key),
  };
}

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-agent-files-'));
  dirs.push(dir);
  return join(dir, 'state');
}

function storeAt(dir: string, fs?: AgentFileSystem): FileCredentialStore {
  return new FileCredentialStore(dir, {
    idevidCertFile: join(dir, '..', 'idevid.pem'),
    idevidKeyFile: join(dir, '..', 'idevid.key'),
    ...(fs ? { fs } : {}),
  });
}

/** What a consumer (a broker client) does: resolve `current` once, read both files from there. */
async function consumerReads(dir: string): Promise<string> {
  const folder = await realpath(join(dir, 'current'));
  const pair = {
    certificatePem: await readFile(join(folder, 'cert.pem'), 'utf8'),
    keyPem: await readFile(join(folder, 'key.pem'), 'utf8'),
  };
  return loadCredential(pair, 'current').leaf.serial;
}

async function debris(dir: string): Promise<string[]> {
  const top = await readdir(dir);
  const generations = await readdir(join(dir, 'generations')).catch(() => []);
  return [...top, ...generations].filter((name) => name.includes('.tmp-'));
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/**
 * node:fs with every call recorded and numbered, failing with ENOSPC from call `failAt` on: only that call, or
 * (crash) that call and everything after it, including the store's own clean-up, as if power were cut.
 */
function scriptedFs(
  options: { failAt?: number; crash?: boolean; afterEach?: () => Promise<void> } = {},
): AgentFileSystem & { calls: string[] } {
  const calls: string[] = [];
  let dead = false;
  const wrap =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const index = calls.length;
      calls.push(`${name} ${String(args[args.length === 3 ? 0 : args.length - 1])}`);
      if (dead || index === options.failAt) {
        if (options.crash) dead = true;
        throw Object.assign(new Error(`ENOSPC: no space left on device, ${name}`), { code: 'ENOSPC' });
      }
      try {
        return await call(...args);
      } finally {
        await options.afterEach?.();
      }
    };
  const base = nodeFileSystem;
  return {
    calls,
    readText: wrap('readText', base.readText),
    writeDurable: wrap('writeDurable', base.writeDurable),
    rename: wrap('rename', base.rename),
    symlink: wrap('symlink', base.symlink),
    readlink: wrap('readlink', base.readlink),
    mkdir: wrap('mkdir', base.mkdir),
    readdir: wrap('readdir', base.readdir),
    remove: wrap('remove', base.remove),
    syncDirectory: wrap('syncDirectory', base.syncDirectory),
  };
}

describe('FileCredentialStore', () => {
  test('layout: generations/<serial>/{key,cert}.pem behind a relative current link; 0600 files, 0700 folders', async () => {
    const dir = await stateDir();
    const store = storeAt(dir);
    const [a, b] = [generation(), generation()];
    await store.install(a);
    await store.install(b);
    await store.writeState({ consecutiveFailures: 1 });
    await store.setTrustAnchorsPem('ANCHORS');

    assert.equal(await readlink(join(dir, 'current')), join('generations', b.serial));
    assert.equal(await readlink(join(dir, 'previous')), join('generations', a.serial));
    assert.deepEqual((await readdir(join(dir, 'generations'))).sort(), [a.serial, b.serial].sort());
    assert.equal(await readFile(join(dir, 'current', 'cert.pem'), 'utf8'), b.certificatePem);
    assert.equal(await readFile(join(dir, 'current', 'key.pem'), 'utf8'), b.keyPem);
    assert.equal(await mode(dir), 0o700);
    assert.equal(await mode(join(dir, 'generations')), 0o700);
    assert.equal(await mode(join(dir, 'generations', b.serial)), 0o700);
    for (const file of ['key.pem', 'cert.pem']) {
      assert.equal(await mode(join(dir, 'generations', b.serial, file)), 0o600, file);
    }
    assert.equal(await mode(join(dir, 'state.json')), 0o600);
    assert.equal(await mode(join(dir, 'trust-anchors.pem')), 0o600);
    assert.deepEqual(await debris(dir), []);

    // Older generations are pruned once a newer one is in.
    const c = generation();
    await store.install(c);
    assert.deepEqual((await readdir(join(dir, 'generations'))).sort(), [b.serial, c.serial].sort());
  });

  test('the pair switches atomically: at every file operation of an install a reader gets one whole pair', async () => {
    const dir = await stateDir();
    const [a, b] = [generation(), generation()];
    await storeAt(dir).install(a);
    const seen: string[] = [];
    const fs = scriptedFs({ afterEach: async () => void seen.push(await consumerReads(dir)) });
    await storeAt(dir, fs).install(b);
    assert.ok(seen.length > 5, 'observed after each operation');
    // Old pair until one rename, new pair from then on; never anything else.
    const switchAt = seen.indexOf(b.serial);
    assert.ok(switchAt > 0);
    assert.ok(seen.slice(0, switchAt).every((serial) => serial === a.serial));
    assert.ok(seen.slice(switchAt).every((serial) => serial === b.serial));
    assert.equal(fs.calls[switchAt], `rename ${join(dir, 'current')}`);
  });

  test('a write failure at any point of an install leaves a working pair, before and after a restart', async () => {
    // How many operations an install takes, with previous and current in place.
    const probeDir = await stateDir();
    await storeAt(probeDir).install(generation());
    await storeAt(probeDir).install(generation());
    const probe = scriptedFs();
    const probeStore = storeAt(probeDir, probe);
    await probeStore.current(); // opening (recovery) is not part of the count
    const opened = probe.calls.length;
    await probeStore.install(generation());
    const operations = probe.calls.length - opened;
    assert.ok(operations >= 10, `${operations} operations`);

    for (const crash of [false, true]) {
      for (let k = 0; k < operations; k++) {
        const dir = await stateDir();
        const [a, b, c] = [generation(), generation(), generation()];
        await storeAt(dir).install(a);
        await storeAt(dir).install(b);
        const failing = scriptedFs({ failAt: k + opened, crash });
        const victim = storeAt(dir, failing);
        await victim.current();
        const installed = await victim.install(c).then(
          () => true,
          (error: unknown) => {
            assert.match(String(error), /ENOSPC|credential store/);
            return false;
          },
        );
        const label = `${crash ? 'crash' : 'failure'} at operation ${k} (${failing.calls[k + opened] ?? '?'})`;
        const expected = installed ? c.serial : b.serial;
        // The switch may have happened before a later step (pruning) failed; then the new pair is whole.
        const now = await consumerReads(dir);
        assert.ok(now === expected || (!installed && now === c.serial && crash), label);

        const restarted = storeAt(dir);
        const current = await restarted.current();
        assert.ok(current, label);
        assert.equal(loadCredential(current, 'current').leaf.serial, now, label);
        assert.deepEqual(await debris(dir), [], label);
        const kept = (await readdir(join(dir, 'generations'))).sort();
        assert.ok(kept.includes(now), label);
        assert.ok(kept.length <= 2, `${label}: ${kept.join(', ')}`);
      }
    }
  });

  test('recovery: temporary debris and an orphan generation are removed, the current pair stays', async () => {
    const dir = await stateDir();
    const [a, b, orphan] = [generation(), generation(), generation()];
    await storeAt(dir).install(a);
    await storeAt(dir).install(b);
    await writeFile(join(dir, '.state.json.tmp-0123456789abcdef'), '{"consecutiveFail');
    await mkdir(join(dir, 'generations', '.ff.tmp-0123456789abcdef'));
    await writeFile(join(dir, 'generations', '.ff.tmp-0123456789abcdef', 'key.pem'), '-----BEGIN');
    await symlink(join('generations', orphan.serial), join(dir, '.current.tmp-0123456789abcdef'));
    await mkdir(join(dir, 'generations', orphan.serial));
    await writeFile(join(dir, 'generations', orphan.serial, 'key.pem'), orphan.keyPem);
    await writeFile(join(dir, 'generations', orphan.serial, 'cert.pem'), orphan.certificatePem);

    const store = storeAt(dir);
    assert.equal((await store.current())?.serial, b.serial);
    assert.equal((await store.previous())?.serial, a.serial);
    assert.deepEqual(await debris(dir), []);
    assert.deepEqual((await readdir(join(dir, 'generations'))).sort(), [a.serial, b.serial].sort());
  });

  test('recovery: a current link to a missing or half-written generation falls back to the previous pair', async () => {
    for (const damage of ['missing', 'truncated certificate', 'key of another pair', 'not a link'] as const) {
      const dir = await stateDir();
      const [a, b] = [generation(), generation()];
      await storeAt(dir).install(a);
      await storeAt(dir).install(b);
      const folder = join(dir, 'generations', b.serial);
      if (damage === 'missing') await rm(folder, { recursive: true });
      if (damage === 'truncated certificate')
        await writeFile(join(folder, 'cert.pem'), b.certificatePem.slice(0, 200));
      if (damage === 'key of another pair') await writeFile(join(folder, 'key.pem'), generation().keyPem);
      if (damage === 'not a link') {
        await rm(join(dir, 'current'));
        await writeFile(join(dir, 'current'), 'junk');
      }
      const store = storeAt(dir);
      assert.equal((await store.current())?.serial, a.serial, damage);
      assert.equal(await store.previous(), undefined, damage);
      assert.ok((await lstat(join(dir, 'current'))).isSymbolicLink(), damage);
      assert.equal(await consumerReads(dir), a.serial, damage);
    }
  });

  test('recovery: with no link left, the newest complete generation becomes current', async () => {
    const dir = await stateDir();
    const older = generation(new Date('2025-01-01T00:00:00Z'));
    const newer = generation(new Date('2025-02-01T00:00:00Z'));
    await storeAt(dir).install(newer);
    await storeAt(dir).install(older);
    await rm(join(dir, 'current'));
    await rm(join(dir, 'previous'));
    assert.equal((await storeAt(dir).current())?.serial, newer.serial);
  });

  test('a damaged state file reads as a fresh state; a missing IDevID reads as none', async () => {
    const dir = await stateDir();
    const store = storeAt(dir);
    await store.writeState({ consecutiveFailures: 2 });
    await writeFile(join(dir, 'state.json'), '{"consecutiveFailures": 2, "retryAt": ');
    assert.deepEqual(await storeAt(dir).readState(), INITIAL_AGENT_STATE);
    assert.equal(await store.idevid(), undefined);
  });
});
