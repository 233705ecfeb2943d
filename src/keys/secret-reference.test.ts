import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inspect } from 'node:util';
import { isPkiError } from '../core/pki-error.js';
import { resolveSecretReference } from './secret-reference.js';

let folder = '';
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'certfleet-secret-'));
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function secretFile(name: string, content: string, mode = 0o600): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, content, { mode });
  await chmod(path, mode);
  return path;
}

/** For cases with no secret to leak. */
const NONE = '\u0000no secret\u0000';

/** Asserts a CONFIG_INVALID whose message and whole inspected form (causes included) hold no `secret`. */
async function refused(reference: string, secret: string, pattern: RegExp, env = {}): Promise<void> {
  await assert.rejects(
    resolveSecretReference(reference, { env }),
    (e) => {
      assert.ok(isPkiError(e, 'CONFIG_INVALID'), inspect(e));
      assert.match(e.message, pattern);
      assert.ok(!inspect(e, { depth: Infinity }).includes(secret), `leaks the secret: ${e.message}`);
      return true;
    },
    reference,
  );
}

test('env: references read the environment given', async () => {
  const env = { CERTFLEET_TEST_PASSPHRASE: 'correct horse battery staple' };
  assert.equal(
    await resolveSecretReference('env:CERTFLEET_TEST_PASSPHRASE', { env }),
    'correct horse battery staple',
  );
});

test('env: references that are unset, empty or not a name are CONFIG_INVALID naming the reference', async () => {
  await refused('env:CERTFLEET_UNSET', NONE, /env:CERTFLEET_UNSET.*not set/);
  await refused('env:CERTFLEET_EMPTY', NONE, /env:CERTFLEET_EMPTY.*empty/, { CERTFLEET_EMPTY: '' });
  await refused('env:hunter2!', 'hunter2', /variable name/);
});

test('file: references return the content less one trailing newline', async () => {
  const cases: Array<[string, string]> = [
    ['s3cret\n', 's3cret'],
    ['s3cret\r\n', 's3cret'],
    ['s3cret', 's3cret'],
    ['  spaced secret  \n', '  spaced secret  '],
    ['ünïcödé\n', 'ünïcödé'],
  ];
  for (const [index, [content, secret]] of cases.entries()) {
    const path = await secretFile(`trim-${index}.pass`, content);
    assert.equal(await resolveSecretReference(`file:${path}`), secret, JSON.stringify(content));
  }
});

test('file: references accept file:/// and paths relative to the working directory', async () => {
  const path = await secretFile('forms.pass', 'formed\n');
  assert.equal(await resolveSecretReference(`file://${path}`), 'formed');
  assert.equal(await resolveSecretReference(`file:${relative(process.cwd(), path)}`), 'formed');
});

test('a secret file other users can access is refused, telling the operator to chmod 600', async () => {
  for (const mode of [0o644, 0o640, 0o604, 0o620, 0o660, 0o700]) {
    const path = await secretFile(`exposed-${mode.toString(8)}.pass`, 'exposed-secret\n', mode);
    if (mode === 0o700) {
      // Owner-only execute bits are harmless; only group and other bits count.
      assert.equal(await resolveSecretReference(`file:${path}`), 'exposed-secret');
      continue;
    }
    await refused(`file:${path}`, 'exposed-secret', /other users.*chmod 600/);
  }
});

test('missing, empty, multi-line, oversized and non-regular secret files are CONFIG_INVALID', async () => {
  await refused(`file:${join(folder, 'absent.pass')}`, NONE, /absent\.pass.*does not exist/);
  await refused(`file:${await secretFile('empty.pass', '')}`, NONE, /empty/);
  await refused(`file:${await secretFile('newline.pass', '\n')}`, NONE, /empty/);
  await refused(`file:${await secretFile('lines.pass', 'line-one\nline-two\n')}`, 'line-one', /one line/);
  await refused(`file:${await secretFile('big.pass', 'b'.repeat(5000))}`, 'bbbb', /larger than/);
  const directory = join(folder, 'a-folder');
  await mkdir(directory, { mode: 0o700 });
  await refused(`file:${directory}`, NONE, /not a regular file/);
});

test('other reference forms are CONFIG_INVALID listing the supported ones, without echoing bare text', async () => {
  await refused('vault:secret/ca', NONE, /env:.*file:/);
  await refused('hunter2-bare', 'hunter2', /env:.*file:/);
  await refused(`file:${await secretFile('query.pass', 'q\n')}?mode=x`, NONE, /no query attributes/);
});

test('the purpose opens the message', async () => {
  await assert.rejects(
    resolveSecretReference('env:CERTFLEET_UNSET', {
      env: {},
      purpose: 'passphrase-source of key file:/k.pem',
    }),
    (e) => isPkiError(e, 'CONFIG_INVALID') && e.message.startsWith('passphrase-source of key file:/k.pem: '),
  );
});
