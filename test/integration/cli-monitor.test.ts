import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { certfleetInProcess as run, type CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { opensslCsr } from '../helpers/openssl.js';

/**
 * `certfleet monitor …` on a deployment made by `init`: a TLS server with a certificate the deployment issued
 * (through `cert issue`, for device gw-1), endpoints added one by one and from CSV, probes and their history.
 */
describe('certfleet monitor CLI', () => {
  let dir: string;
  let tls: Server;
  let port: number;
  let closedPort: number;

  const ok = (r: CliResult, what: string): CliResult => {
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    return r;
  };
  const names = async () =>
    (
      JSON.parse(ok(await run(dir, ['monitor', 'list', '--json']), 'list').stdout) as Array<{ name: string }>
    ).map((e) => e.name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-cli-monitor-'));
    ok(await run(dir, ['init']), 'init');
    const csr = await opensslCsr(dir, 'gw', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
    const issued = ok(
      await run(dir, [
        'cert',
        'issue',
        '--profile',
        'tls-server',
        '--csr',
        csr,
        '--device-id',
        'gw-1',
        '--chain',
      ]),
      'cert issue',
    );
    tls = createServer({ cert: issued.stdout, key: await readFile(join(dir, 'gw.key')) }, (socket) =>
      socket.end(),
    );
    tls.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    port = (tls.address() as AddressInfo).port;
    closedPort = await freePort();
  });
  after(async () => {
    tls?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('--help names every subcommand and option', async () => {
    const cases: Array<{ args: string[]; mentions: RegExp[] }> = [
      { args: ['monitor'], mentions: [/add/, /import/, /list/, /remove/, /probe/, /observations/] },
      {
        args: ['monitor', 'add'],
        mentions: [/--host <host>/, /--port <port>/, /--sni <name>/, /--protocol/, /--kind/, /--device <id>/],
      },
      { args: ['monitor', 'import'], mentions: [/name,host,port,sni,protocol,kind,device_id/] },
      { args: ['monitor', 'probe'], mentions: [/--json/] },
    ];
    for (const c of cases) {
      const r = ok(await run(dir, [...c.args, '--help']), c.args.join(' '));
      for (const mention of c.mentions) assert.match(r.stdout, mention, `${c.args.join(' ')}: ${mention}`);
    }
  });

  test('add, then bad additions are refused with a clear error and change nothing', async () => {
    const added = ok(
      await run(dir, [
        'monitor',
        'add',
        'gw',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--sni',
        'localhost',
      ]),
      'add',
    );
    assert.match(added.stdout, /^Added endpoint gw \(127\.0\.0\.1:\d+, tls, service\)\.$/m);
    const before = await names();

    const duplicate = await run(dir, ['monitor', 'add', 'gw', '--host', 'x.example', '--port', '443']);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /an endpoint named 'gw' exists already \[CONFLICT\]/);
    const protocol = await run(dir, [
      'monitor',
      'add',
      'ftp',
      '--host',
      'x.example',
      '--port',
      '21',
      '--protocol',
      'ftp',
    ]);
    assert.equal(protocol.code, 1);
    assert.match(protocol.stderr, /protocol 'ftp' is not one of tls, mqtts, https/);
    const badPort = await run(dir, ['monitor', 'add', 'p0', '--host', 'x.example', '--port', '0']);
    assert.equal(badPort.code, 2);
    const badLabel = await run(dir, [
      'monitor',
      'add',
      'l',
      '--host',
      'x.example',
      '--port',
      '1',
      '--label',
      'nokey',
    ]);
    assert.equal(badLabel.code, 2);
    assert.match(badLabel.stderr, /use key=value/);
    assert.deepEqual(await names(), before);
  });

  test('import adds the good rows, lists each bad line and exits 1', async () => {
    const file = join(dir, 'endpoints.csv');
    await writeFile(
      file,
      [
        'name,host,port,sni,protocol,kind,device_id',
        `closed,127.0.0.1,${closedPort},,tls,service,`,
        'gw,dup.example,443,,tls,,',
        'mail,mail.example.com,25,,smtp-starttls,,',
        'dev-7,10.9.8.7,eighty,,https,device,SN-7',
        '',
      ].join('\n'),
    );
    const r = await run(dir, ['monitor', 'import', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^Imported 2 of 4 row\(s\) from endpoints\.csv\.$/m);
    assert.match(r.stdout, /^line 3: an endpoint named 'gw' exists already$/m);
    assert.match(r.stdout, /^line 5: port 'eighty' is not a number from 1 to 65535$/m);
    assert.match(r.stderr, /2 row\(s\) of endpoints\.csv were not imported \[MALFORMED_INPUT\]/);
    assert.deepEqual((await names()).sort(), ['closed', 'gw', 'mail']);

    const missing = await run(dir, ['monitor', 'import', 'nope.csv']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /CSV file nope\.csv: no such file/);
    await writeFile(join(dir, 'bad-header.csv'), 'name,address,port\nx,y,1\n');
    const header = await run(dir, ['monitor', 'import', join(dir, 'bad-header.csv')]);
    assert.equal(header.code, 1);
    assert.match(header.stderr, /line 1: unknown column 'address'/);
    assert.deepEqual((await names()).sort(), ['closed', 'gw', 'mail']);
  });

  test('list prints a table, --kind filters', async () => {
    const table = ok(await run(dir, ['monitor', 'list']), 'list')
      .stdout.trim()
      .split('\n');
    assert.match(
      table[0] ?? '',
      /^NAME\s+ADDRESS\s+SNI\s+PROTOCOL\s+KIND\s+DEVICE\s+ENABLED\s+FAILURES\s+LAST PROBED$/,
    );
    assert.deepEqual(
      table.slice(1).map((row) => row.split(/\s+/)[0]),
      ['closed', 'gw', 'mail'],
    );
    const devices = ok(await run(dir, ['monitor', 'list', '--kind', 'device']), 'list --kind').stdout;
    assert.match(devices, /No endpoints/);
    assert.equal((await run(dir, ['monitor', 'list', '--kind', 'printer'])).code, 2);
  });

  test('probe prints what each endpoint showed and records it', async () => {
    const r = ok(await run(dir, ['monitor', 'probe', 'gw', 'closed']), 'probe');
    const rows = r.stdout.trim().split('\n');
    assert.match(
      rows[0] ?? '',
      /^ENDPOINT\s+OUTCOME\s+LEFT\s+CHAIN\s+SYSTEM\s+HOSTNAME\s+TLS\s+KEY\s+DEVICE\s+DETAIL$/,
    );
    assert.match(rows[1] ?? '', /^closed\s+refused\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+connection refused$/);
    assert.match(rows[2] ?? '', /^gw\s+ok\s+\d+d\s+valid\s+invalid\s+ok\s+TLSv1\.3\s+ec-p256\s+gw-1$/);

    const json = JSON.parse(
      ok(await run(dir, ['monitor', 'probe', 'gw', '--json']), 'probe --json').stdout,
    ) as Array<{
      endpoint: string;
      outcome: string;
      chainValid: boolean;
      hostnameMatches: boolean;
      linked: { deviceId: string; issuerId: string } | null;
      leaf: { sans: string[] };
    }>;
    assert.equal(json.length, 1);
    assert.equal(json[0]?.endpoint, 'gw');
    assert.equal(json[0]?.chainValid, true);
    assert.equal(json[0]?.linked?.deviceId, 'gw-1');
    assert.deepEqual(json[0]?.leaf.sans, ['dns:localhost', 'ip:127.0.0.1']);

    const unknown = await run(dir, ['monitor', 'probe', 'ghost']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no endpoint named 'ghost' \[NOT_FOUND\]/);
  });

  test('observations lists the history newest first; --json', async () => {
    const rows = ok(await run(dir, ['monitor', 'observations', 'gw']), 'observations')
      .stdout.trim()
      .split('\n');
    assert.match(rows[0] ?? '', /^AT\s+OUTCOME\s+LEFT\s+CHAIN/);
    assert.equal(rows.length, 3, 'two probes of gw');
    const json = JSON.parse(
      ok(await run(dir, ['monitor', 'observations', 'closed', '--json']), 'json').stdout,
    ) as {
      endpoint: { name: string; consecutiveFailures: number };
      observations: Array<{ outcome: string }>;
    };
    assert.equal(json.endpoint.consecutiveFailures, 1);
    assert.deepEqual(
      json.observations.map((o) => o.outcome),
      ['refused'],
    );
    assert.match(
      ok(await run(dir, ['monitor', 'observations', 'mail']), 'none').stdout,
      /No observations of mail yet/,
    );
    assert.equal((await run(dir, ['monitor', 'observations', 'ghost'])).code, 1);
  });

  test('remove deletes an endpoint; removing it again is NOT_FOUND', async () => {
    ok(await run(dir, ['monitor', 'remove', 'mail']), 'remove');
    assert.deepEqual((await names()).sort(), ['closed', 'gw']);
    const again = await run(dir, ['monitor', 'remove', 'mail']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no endpoint named 'mail' \[NOT_FOUND\]/);
    assert.deepEqual((await names()).sort(), ['closed', 'gw']);
  });
});
