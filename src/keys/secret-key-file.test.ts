import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPkiError } from '../core/pki-error.js';
import { loadOrCreateSecretKey, SECRET_KEY_BYTES } from './secret-key-file.js';

async function inTemp(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'certfleet-secret-key-'));
  try {
    await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('made once with mode 0600, then read back unchanged; racing first uses agree', async () => {
  await inTemp(async (dir) => {
    const path = join(dir, 'secrets', 'k.key');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => loadOrCreateSecretKey(path, 'test key')));
    assert.equal(a!.length, SECRET_KEY_BYTES);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await loadOrCreateSecretKey(path, 'test key'), a);
  });
});

test('a key file others can read, or of the wrong size, is refused and left alone', async () => {
  await inTemp(async (dir) => {
    const exposed = join(dir, 'exposed.key');
    await writeFile(exposed, new Uint8Array(SECRET_KEY_BYTES), { mode: 0o644 });
    await chmod(exposed, 0o644);
    await assert.rejects(loadOrCreateSecretKey(exposed, 'test key'), (e) => isPkiError(e, 'CONFIG_INVALID'));
    const short = join(dir, 'short.key');
    await writeFile(short, new Uint8Array(7), { mode: 0o600 });
    await assert.rejects(loadOrCreateSecretKey(short, 'test key'), (e) => isPkiError(e, 'CONFIG_INVALID'));
    assert.equal((await stat(short)).size, 7);
  });
});
