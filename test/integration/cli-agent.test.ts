import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.js';
import { readPemAll } from '../../src/pki/pem.js';
import { certfleet } from '../helpers/cli.js';
import { type EstTestServer, startEstServer } from '../helpers/est-server.js';
import { freePort } from '../helpers/free-port.js';

const AGENT_BIN = fileURLToPath(new URL('../../bin/certfleet-agent.js', import.meta.url));

describe('certfleet agent (the command a device runs)', () => {
  let est: EstTestServer;
  let dir: string;

  before(async () => {
    est = await startEstServer();
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-agent-'));
    const idevid = await est.issue('idevid', 'serialNumber=SN-AGENT-1,CN=sensor');
    await writeFile(join(dir, 'idevid.pem'), idevid.certificatePem, { mode: 0o600 });
    await writeFile(join(dir, 'idevid.key'), idevid.keyPem, { mode: 0o600 });
    await writeFile(join(dir, 'root.pem'), est.rootPem);
  });
  after(async () => {
    await est.close();
    await rm(dir, { recursive: true, force: true });
  });

  const args = (estUrl: string) => [
    'agent',
    '--once',
    '--est-url',
    estUrl,
    '--anchor',
    'root.pem',
    '--idevid-cert',
    'idevid.pem',
    '--idevid-key',
    'idevid.key',
    '--state-dir',
    'state',
    '--hook',
    'echo "$CERTFLEET_SERIAL $CERTFLEET_CERT" > hook.out',
  ];

  test('--once onboards, writes the pair 0600 behind the current link, runs the hook; again: nothing due', async () => {
    const first = await certfleet(dir, args(est.estUrl));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /agent\.onboarded/);
    const current = await realpath(join(dir, 'state', 'current'));
    const [leafDer] = readPemAll(
      await readFile(join(current, 'cert.pem'), 'utf8'),
      'CERTIFICATE',
      'agent certificate',
    );
    const leaf = parseCertificate(leafDer!);
    assert.deepEqual(leaf.extensions.subjectAltNames?.names, [
      { type: 'uri', value: 'urn:dev:org:32473-SN-AGENT-1' },
    ]);
    for (const file of ['cert.pem', 'key.pem'])
      assert.equal((await stat(join(current, file))).mode & 0o777, 0o600, file);
    assert.equal(
      (await readFile(join(dir, 'hook.out'), 'utf8')).trim(),
      `${leaf.serial} ${join(dir, 'state', 'current', 'cert.pem')}`,
    );

    const again = await certfleet(dir, args(est.estUrl));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await realpath(join(dir, 'state', 'current')), current, 'the same pair');
  });

  test('a server that cannot be reached: exit 1 with the cause, and the pair in use stays', async () => {
    const before = await realpath(join(dir, 'state', 'current'));
    const closed = `https://127.0.0.1:${await freePort()}/.well-known/est`;
    // Renewal is not due, so the agent would not call the server: make it due by asking for a trust refresh.
    const result = await certfleet(dir, [...args(closed), '--trust-refresh', '1s']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /unreachable/);
    assert.equal(await realpath(join(dir, 'state', 'current')), before);
  });

  test('without an anchor or a pinned root it refuses to start; certfleet-agent --help names every option', async () => {
    const fresh = await certfleet(dir, [
      'agent',
      '--once',
      '--est-url',
      est.estUrl,
      '--idevid-cert',
      'idevid.pem',
      '--idevid-key',
      'idevid.key',
      '--state-dir',
      'fresh-state',
    ]);
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /--anchor|--pin-root/);
    const help = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [AGENT_BIN, '--help'], (error, stdout) =>
        error ? reject(new Error(error.message)) : resolve(stdout),
      ),
    );
    for (const option of [
      '--est-url',
      '--anchor',
      '--pin-root',
      '--idevid-cert',
      '--idevid-key',
      '--state-dir',
      '--once',
      '--hook',
      '--key-algorithm',
      '--renew-at',
      '--jitter',
      '--backoff',
      '--backoff-max',
      '--trust-refresh',
      '--timeout',
    ])
      assert.ok(help.includes(option), option);
  });
});
