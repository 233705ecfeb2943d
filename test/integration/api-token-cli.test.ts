import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certfleetInProcess as run, type CliResult } from '../helpers/cli.js';

/** `certfleet api-token create|list|revoke`, on the deployment `certfleet init` makes. */
describe('certfleet api-token', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-api-token-'));
    const init = await run(dir, ['init']);
    assert.equal(init.code, 0, init.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const ok = (r: CliResult, what: string): CliResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };

  async function stored() {
    const { openStore } = await import('../../src/store/open-store.js');
    const store = await openStore(`sqlite:${join(dir, 'data', 'certfleet.db')}`);
    try {
      return {
        tokens: await store.apiTokens.list({ limit: 1000 }),
        audit: await store.auditHistory.page({ limit: 1000 }),
      };
    } finally {
      await store.close();
    }
  }

  test('a fresh install has none; create prints the token once on stdout, and it verifies', async () => {
    assert.match(ok(await run(dir, ['api-token', 'list']), 'list').stdout, /^No API tokens\./);
    const created = ok(
      await run(dir, ['api-token', 'create', 'first-admin', '--scope', 'admin', '--expires', '90d']),
      'create',
    );
    const token = created.stdout.trim();
    assert.match(token, /^cft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.match(
      created.stderr,
      /API token 'first-admin' \([0-9a-f]{16}\), scope admin, expires \S+Z \(90d\)\./,
    );
    assert.match(created.stderr, /shown this once/);

    const { openStore } = await import('../../src/store/open-store.js');
    const store = await openStore(`sqlite:${join(dir, 'data', 'certfleet.db')}`);
    try {
      const record = await store.apiTokens.verify(token, new Date());
      assert.equal(record?.name, 'first-admin');
      assert.equal(record?.scope, 'admin');
    } finally {
      await store.close();
    }
    const { audit } = await stored();
    const event = audit.find((e) => e.event === 'api-token.created');
    assert.equal(event?.actor, 'operator:cli');
    assert.equal(event?.subject, 'api-token:first-admin');
    assert.ok(!JSON.stringify(audit).includes(token.slice(22)), 'the secret is not audited');

    const list = ok(await run(dir, ['api-token', 'list']), 'list').stdout;
    assert.match(list, /^NAME\s+ID\s+SCOPE\s+STATE/);
    assert.match(list, /first-admin\s+[0-9a-f]{16}\s+admin\s+active/);
    assert.ok(!list.includes(token.slice(22)));
  });

  test('bad names, scopes, durations and a taken name are refused; nothing is stored', async () => {
    const before = JSON.stringify((await stored()).tokens);
    const bad: Array<[string[], number]> = [
      [['api-token', 'create', 'x', '--scope', 'root'], 2],
      [['api-token', 'create', 'x'], 2],
      [['api-token', 'create', 'x', '--scope', 'read', '--expires', 'soon'], 2],
      [['api-token', 'create', 'has space', '--scope', 'read'], 1],
      [['api-token', 'create', 'first-admin', '--scope', 'read'], 1],
      [['api-token', 'create', 'cli', '--scope', 'read'], 1],
    ];
    for (const [args, code] of bad) {
      const r = await run(dir, args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '', 'no token printed');
    }
    assert.equal(JSON.stringify((await stored()).tokens), before);
  });

  test('revoke by name; again changes nothing; unknown is refused', async () => {
    ok(await run(dir, ['api-token', 'create', 'ci', '--scope', 'read']), 'create ci');
    const revoked = ok(await run(dir, ['api-token', 'revoke', 'ci']), 'revoke');
    assert.match(revoked.stdout, /^Revoked API token 'ci' \([0-9a-f]{16}\)\.$/m);
    const again = ok(await run(dir, ['api-token', 'revoke', 'ci']), 'revoke again');
    assert.match(again.stdout, /was revoked already on \S+Z; nothing changed\./);
    const unknown = await run(dir, ['api-token', 'revoke', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no API token 'nobody' \[NOT_FOUND\]/);
    assert.match(
      ok(await run(dir, ['api-token', 'list']), 'list').stdout,
      /ci\s+[0-9a-f]{16}\s+read\s+revoked/,
    );
    const events = (await stored()).audit.filter((e) => e.event === 'api-token.revoked');
    assert.equal(events.length, 1);
  });
});
