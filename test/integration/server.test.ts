import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/core/clock.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { testConfig } from '../helpers/test-deployment.js';
import { type RunningServer, serve } from '../../src/server/serve.js';

function get(url: string, ca: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body: Buffer.concat(chunks),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('server', () => {
  let dir: string;
  let server: RunningServer;
  let rootPem: string;
  const lines: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-server-'));
    const config = testConfig(dir, { log: { level: 'silent' } });
    server = await serve(config, systemClock, {}, (line) => lines.push(line));
    rootPem = await readFile(join(dir, 'offline-root', 'root.cert.pem'), 'utf8');
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('first run creates a development PKI and says where', () => {
    assert.ok(lines.some((l) => l.includes('Created a development PKI')));
    assert.ok(lines.some((l) => l.includes(join(dir, 'offline-root'))));
    assert.ok(lines.some((l) => /listening on https:\/\/127\.0\.0\.1:\d+/.test(l)));
  });

  test('serves health and CA certificates over TLS that chains to the development root', async () => {
    const health = await get(`${server.url}/healthz`, rootPem);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body.toString()), { status: 'ok' });
    const pem = await get(`${server.url}/ca/operational.pem`, rootPem);
    assert.equal(pem.status, 200);
    assert.match(pem.body.toString(), /BEGIN CERTIFICATE/);
    const der = await get(`${server.url}/ca/root.cer`, rootPem);
    assert.equal(der.type, 'application/pkix-cert');
    assert.equal(
      parseCertificate(new Uint8Array(der.body)).subjectText,
      'CN=certfleet Development Root CA,O=certfleet development',
    );
    assert.equal((await get(`${server.url}/ca/nope.pem`, rootPem)).status, 404);
    assert.equal((await get(`${server.url}/ca/..%2Fetc.pem`, rootPem)).status, 404);
  });

  test('refuses TLS 1.1 and older (RFC 8996)', async () => {
    const { port } = server;
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        ca: rootPem,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        servername: 'localhost',
      });
      socket.on('secureConnect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (e: Error) => resolve(e.message));
    });
    assert.notEqual(outcome, 'connected');
  });
});

describe('the README quick start', () => {
  test('`certfleet serve` starts from an empty folder and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certfleet-start-'));
    const bin = fileURLToPath(new URL('../../bin/certfleet.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve'], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        CERTFLEET_SERVER_PORT: '0',
        CERTFLEET_SERVER_PUBLIC_HTTP_PORT: '0',
        CERTFLEET_METRICS_PORT: '0',
        CERTFLEET_LOG_LEVEL: 'warn',
      },
    });
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in time:\n${stderr}`)), 60_000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on (https:\/\/\S+)/.exec(stderr);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
      });
      assert.match(stderr, /offline root CA:\s+\S+offline-root/);
      const ca = await readFile(join(dir, 'offline-root', 'root.cert.pem'), 'utf8');
      assert.equal((await get(`${url}/healthz`, ca)).status, 200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
