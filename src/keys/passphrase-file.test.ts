import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPkiError } from '../core/pki-error.js';
import { createPassphraseFile } from './passphrase-file.js';
import { resolveSecretReference } from './secret-reference.js';

let folder = '';
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'certfleet-passfile-'));
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

test('writes 32 random bytes as base64url, mode 0600 in a new 0700 folder, and returns its reference', async () => {
  const path = join(folder, 'secrets', 'nested', 'ca.pass');
  const reference = await createPassphraseFile(path);
  assert.equal(reference, `file:${path}`);
  const secret = await resolveSecretReference(reference);
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(secret, 'base64url').length, 32);
  assert.equal(await readFile(path, 'utf8'), `${secret}\n`);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(folder, 'secrets'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(folder, 'secrets', 'nested'))).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(join(folder, 'secrets', 'nested')), ['ca.pass'], 'no temporary file left');
  assert.notEqual(
    await resolveSecretReference(await createPassphraseFile(join(folder, 'other.pass'))),
    secret,
  );
});

test('refuses to overwrite, even when two callers race', async () => {
  const path = join(folder, 'race.pass');
  const results = await Promise.allSettled([createPassphraseFile(path), createPassphraseFile(path)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const refusal = results.find((r) => r.status === 'rejected');
  assert.ok(refusal && isPkiError(refusal.reason, 'CONFLICT'));
  const before = await readFile(path, 'utf8');
  await assert.rejects(createPassphraseFile(path), (e) => isPkiError(e, 'CONFLICT'));
  assert.equal(await readFile(path, 'utf8'), before);
  assert.deepEqual(
    (await readdir(folder)).filter((name) => name.endsWith('.tmp')),
    [],
  );
});
