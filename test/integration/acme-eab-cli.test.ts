import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK } from 'jose';
import { externalAccountBindingJws } from '../../src/protocols/acme/client/external-account-binding.js';
import {
  ExternalAccountKeys,
  verifyExternalAccountBinding,
} from '../../src/protocols/acme/external-account-binding.js';
import { decodeBase64url } from '../../src/protocols/acme/wire/base64url.js';
import type { PublicJwk } from '../../src/protocols/acme/wire/jws-request.js';
import { openAcmeKey } from '../../src/server/acme-setup.js';
import { loadConfig } from '../../src/server/load-config.js';
import { openStore } from '../../src/store/open-store.js';
import { certfleetInProcess as run, type CliResult } from '../helpers/cli.js';

/** `certfleet acme eab create|list|revoke`, on the deployment `certfleet init` makes. */
describe('certfleet acme eab', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-acme-eab-'));
    const init = await run(dir, ['init']);
    assert.equal(init.code, 0, init.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const ok = (r: CliResult, what: string): CliResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };

  async function stored() {
    const store = await openStore(`sqlite:${join(dir, 'data', 'certfleet.db')}`);
    try {
      return {
        keys: await store.acmeAccounts.listExternalAccountKeys(),
        audit: await store.auditHistory.page({ limit: 1000 }),
      };
    } finally {
      await store.close();
    }
  }

  /** A newAccount binding made with what the command printed, checked as the ACME server checks it. */
  async function bindingVerifies(keyId: string, hmacKey: string): Promise<boolean> {
    const { config } = await loadConfig({ env: {}, cwd: dir });
    const accountJwk = (await exportJWK(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
    )) as PublicJwk;
    const url = 'https://localhost:8443/acme/new-account';
    const binding = externalAccountBindingJws(
      { keyId, hmacKey: decodeBase64url(hmacKey, 'hmacKey') },
      accountJwk,
      url,
    );
    const keys = new ExternalAccountKeys(await openAcmeKey(config));
    return verifyExternalAccountBinding(binding, { url, accountJwk }, keys).then(
      (kid) => kid === keyId,
      () => false,
    );
  }

  test('help names the three commands and how a client uses the pair', async () => {
    const help = ok(await run(dir, ['acme', 'eab', '--help']), 'help').stdout;
    for (const command of ['create', 'list', 'revoke'])
      assert.match(help, new RegExp(`^  ${command}\\b`, 'm'));
    const createHelp = ok(await run(dir, ['acme', 'eab', 'create', '--help']), 'create help').stdout;
    assert.match(createHelp, /--label <text>/);
    assert.match(createHelp, /--eab-kid <key id> --eab-hmac-key <HMAC key>/);
    assert.match(ok(await run(dir, ['acme', '--help']), 'acme help').stdout, /^ {2}eab\b/m);
    for (const command of ['create', 'list', 'revoke']) {
      const usage = ok(await run(dir, ['acme', 'eab', command, '--help']), `${command} help`).stdout;
      assert.match(usage, new RegExp(`^Usage: certfleet acme eab ${command}`, 'm'));
    }
    assert.match(
      ok(await run(dir, ['acme', 'eab', 'revoke', '--help']), 'revoke help').stdout,
      /bound already keeps working/,
    );
  });

  test('a fresh install has none; create prints the key id and HMAC key once, and they bind', async () => {
    assert.match(ok(await run(dir, ['acme', 'eab', 'list']), 'list').stdout, /^No external account keys\./);
    const created = ok(await run(dir, ['acme', 'eab', 'create', '--label', 'Site Berlin']), 'create');
    const printed = /^Key ID: +(eab_[0-9a-f]{16})\nHMAC key: +([A-Za-z0-9_-]{43})\n$/.exec(created.stdout);
    assert.ok(printed, created.stdout);
    const [, keyId, hmacKey] = printed as unknown as [string, string, string];
    assert.match(created.stderr, /shown this once/);
    assert.ok(await bindingVerifies(keyId, hmacKey), 'the printed pair binds on this deployment');
    assert.equal(
      await bindingVerifies(keyId, `${hmacKey.slice(0, -2)}AA`),
      false,
      'another MAC key does not',
    );

    const { keys, audit } = await stored();
    assert.deepEqual(
      keys.map((key) => [key.keyId, key.label, key.boundAccountId, key.revokedAt]),
      [[keyId, 'Site Berlin', null, null]],
    );
    const event = audit.find((e) => e.event === 'acme-eab-key.created');
    assert.equal(event?.actor, 'operator:cli');
    assert.equal(event?.subject, `acme-eab-key:${keyId}`);
    assert.ok(!JSON.stringify(audit).includes(hmacKey), 'the HMAC key is not audited');

    const list = ok(await run(dir, ['acme', 'eab', 'list']), 'list').stdout;
    assert.match(list, /^KEY ID\s+STATE\s+CREATED\s+ACCOUNT\s+BOUND\s+REVOKED\s+SCOPE\s+LABEL$/m);
    assert.match(list, new RegExp(`^${keyId}\\s+unused\\s+\\S+Z\\s+-\\s+-\\s+-\\s+-\\s+Site Berlin$`, 'm'));
    assert.ok(!list.includes(hmacKey));

    const scoped = ok(
      await run(dir, [
        'acme',
        'eab',
        'create',
        '--dns-names',
        '*.site.test, gw.example.net',
        '--ip-ranges',
        '10.0.0.0/8',
      ]),
      'create with a scope',
    );
    const scopedId = /Key ID: +(eab_[0-9a-f]{16})/.exec(scoped.stdout)?.[1];
    assert.ok(scopedId);
    assert.match(
      ok(await run(dir, ['acme', 'eab', 'list']), 'list').stdout,
      new RegExp(`^${scopedId}\\s+unused.*\\*\\.site\\.test,gw\\.example\\.net,10\\.0\\.0\\.0/8\\s+-$`, 'm'),
    );
    const refused = await run(dir, ['acme', 'eab', 'create', '--ip-ranges', '10.0.0.0/40']);
    assert.equal(refused.code, 1, refused.stderr);
  });

  test('revoke marks the key revoked once; a second revoke changes nothing; unknown ids fail', async () => {
    const created = ok(await run(dir, ['acme', 'eab', 'create']), 'create');
    const keyId = /Key ID: +(eab_[0-9a-f]{16})/.exec(created.stdout)?.[1];
    assert.ok(keyId);
    const revoked = ok(await run(dir, ['acme', 'eab', 'revoke', keyId]), 'revoke');
    assert.equal(revoked.stdout, `Revoked external account key ${keyId}.\n`);
    const again = ok(await run(dir, ['acme', 'eab', 'revoke', keyId]), 'revoke again');
    assert.match(again.stdout, /was revoked already on \S+Z; nothing changed\./);
    assert.match(
      ok(await run(dir, ['acme', 'eab', 'list']), 'list').stdout,
      new RegExp(`^${keyId}\\s+revoked\\s+\\S+Z\\s+-\\s+-\\s+\\S+Z\\s+-\\s+-$`, 'm'),
    );
    const { audit } = await stored();
    assert.equal(audit.filter((e) => e.event === 'acme-eab-key.revoked').length, 1);

    for (const unknown of ['eab_0000000000000000', 'not-a-key-id']) {
      const refused = await run(dir, ['acme', 'eab', 'revoke', unknown]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /no external account key .* \[NOT_FOUND\]/);
    }
  });

  test('usage errors exit 2; a multi-line label is refused and nothing is stored', async () => {
    const before = (await stored()).keys.length;
    assert.equal((await run(dir, ['acme', 'eab', 'revoke'])).code, 2);
    assert.equal((await run(dir, ['acme', 'eab', 'create', '--bogus'])).code, 2);
    const multiLine = await run(dir, ['acme', 'eab', 'create', '--label', 'one\ntwo']);
    assert.equal(multiLine.code, 1);
    assert.match(multiLine.stderr, /one line .* \[MALFORMED_INPUT\]/);
    assert.equal((await stored()).keys.length, before);
  });
});
