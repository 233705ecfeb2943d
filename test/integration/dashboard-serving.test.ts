import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { systemClock } from '../../src/core/clock.js';
import {
  ASSET_CACHE_CONTROL,
  DASHBOARD_CSP,
  DASHBOARD_ROOT,
  SHELL_CACHE_CONTROL,
} from '../../src/server/dashboard-plugin.js';
import { ensureDevelopmentPki } from '../../src/server/development-pki.js';
import { buildHttpServer, type HttpsServer } from '../../src/server/http-server.js';
import { openRuntime, type Runtime } from '../../src/server/runtime.js';
import { testConfig } from '../helpers/test-deployment.js';

/** The CSP of the issue, word for word: the test does not read it back from the code it checks. */
const EXPECTED_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; " +
  "base-uri 'none'; form-action 'self'";

const INDEX_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>certfleet</title>' +
  '<script type="module" src="/assets/index-3f2a1b9c.js"></script>' +
  '<link rel="stylesheet" href="/assets/index-5e6d7c8b.css"></head><body><div id="app"></div></body></html>';
const SCRIPT = 'document.getElementById("app").textContent = "certfleet";\n';
const STYLE = 'body { font-family: system-ui, sans-serif; }\n';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** JSON log lines written by a server, for the warning. */
function capturingLogger(lines: Array<Record<string, unknown>>) {
  return pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
}

/**
 * The dashboard served by the HTTPS server itself: a built dashboard stood in for by a temporary folder (an
 * index.html and hashed assets), fetched over real TLS on 127.0.0.1, checking content types, cache headers and
 * the security headers; and a server whose dashboard is not built, which warns once and serves the API alone.
 */
describe('the dashboard on the HTTPS server', () => {
  let dir: string;
  let runtime: Runtime;
  let built: HttpsServer;
  let unbuilt: HttpsServer;
  let ca: string;
  const builtLogs: Array<Record<string, unknown>> = [];
  const unbuiltLogs: Array<Record<string, unknown>> = [];

  const portOf = (server: HttpsServer) => {
    const address = server.server.address();
    assert.ok(address !== null && typeof address === 'object');
    return address.port;
  };

  /** One request; the path goes on the wire as written (not normalised as a URL would be). */
  const fetch = (
    server: HttpsServer,
    path: string,
    options: { method?: string; headers?: Record<string, string> } = {},
  ) =>
    new Promise<Answer>((done, fail) => {
      const req = request(
        {
          hostname: '127.0.0.1',
          port: portOf(server),
          path,
          method: options.method ?? 'GET',
          headers: options.headers ?? {},
          ca,
          servername: 'localhost',
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end();
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-dashboard-'));
    const config = testConfig(join(dir, 'deployment'), { log: { level: 'silent' } });
    await ensureDevelopmentPki(config, systemClock, {});
    runtime = await openRuntime(config, systemClock, {});
    ca = await readFile(join(dir, 'deployment', 'offline-root', 'root.cert.pem'), 'utf8');

    const web = join(dir, 'web-dist');
    await mkdir(join(web, 'assets'), { recursive: true });
    await writeFile(join(web, 'index.html'), INDEX_HTML);
    await writeFile(join(web, 'assets', 'index-3f2a1b9c.js'), SCRIPT);
    await writeFile(join(web, 'assets', 'index-5e6d7c8b.css'), STYLE);
    await writeFile(join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

    built = await buildHttpServer(runtime, capturingLogger(builtLogs), {}, { dashboardRoot: web });
    await built.listen({ host: '127.0.0.1', port: 0 });
    unbuilt = await buildHttpServer(
      runtime,
      capturingLogger(unbuiltLogs),
      {},
      {
        dashboardRoot: join(dir, 'never-built'),
      },
    );
    await unbuilt.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await built?.close();
    await unbuilt?.close();
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const assertSecurityHeaders = (answer: Answer, what: string) => {
    assert.equal(answer.headers['content-security-policy'], EXPECTED_CSP, what);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
    assert.equal(answer.headers['referrer-policy'], 'no-referrer', what);
  };

  test('the CSP constant is the one the issue asks for', () => {
    assert.equal(DASHBOARD_CSP, EXPECTED_CSP);
  });

  test('/ is index.html: HTML, not cached without asking, with the security headers', async () => {
    const answer = await fetch(built, '/');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, INDEX_HTML);
    assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(answer.headers['cache-control'], SHELL_CACHE_CONTROL);
    assert.equal(answer.headers['cache-control'], 'no-cache');
    assert.ok(answer.headers['etag'], 'an ETag to revalidate with');
    assertSecurityHeaders(answer, '/');
    const named = await fetch(built, '/index.html');
    assert.equal(named.body, INDEX_HTML);
    assert.equal(named.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(named, '/index.html');
  });

  test('revalidating the shell: 304 with the same headers', async () => {
    const first = await fetch(built, '/');
    const again = await fetch(built, '/', { headers: { 'if-none-match': String(first.headers['etag']) } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assertSecurityHeaders(again, '304');
  });

  test('hashed assets: their types, cached for a year as immutable', async () => {
    const script = await fetch(built, '/assets/index-3f2a1b9c.js');
    assert.equal(script.status, 200);
    assert.equal(script.body, SCRIPT);
    assert.match(String(script.headers['content-type']), /^(text|application)\/javascript; charset=utf-8$/);
    assert.equal(script.headers['cache-control'], ASSET_CACHE_CONTROL);
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertSecurityHeaders(script, 'script');
    const style = await fetch(built, '/assets/index-5e6d7c8b.css');
    assert.equal(style.body, STYLE);
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(style.headers['cache-control'], 'public, max-age=31536000, immutable');
    const head = await fetch(built, '/assets/index-3f2a1b9c.js', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(SCRIPT)));
  });

  test('other files of the build are served, but not cached as if hashed', async () => {
    const icon = await fetch(built, '/favicon.svg');
    assert.equal(icon.status, 200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(icon, 'icon');
  });

  test('nothing outside the build, nothing made up; the API keeps its own answers', async () => {
    assert.equal((await fetch(built, '/assets/index-0000.js')).status, 404);
    assert.equal((await fetch(built, '/devices')).status, 404);
    for (const path of [
      '/assets/../index.html',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/index.html',
    ]) {
      const answer = await fetch(built, path);
      assert.ok(answer.status === 404 || answer.status === 403, `${path}: ${answer.status}`);
    }
    // No catch-all: an unknown API path is still the API's problem+json, without the dashboard's headers.
    const api = await fetch(built, '/api/v1/nothing');
    assert.equal(api.status, 401);
    assert.equal(api.headers['content-type'], 'application/problem+json');
    assert.equal(api.headers['content-security-policy'], undefined);
    // Swagger UI needs its inline code: the dashboard's CSP is not put on it.
    const docs = await fetch(built, '/docs');
    assert.equal(docs.status, 200);
    assert.equal(docs.headers['content-security-policy'], undefined);
    assert.equal((await fetch(built, '/healthz')).status, 200);
    assert.deepEqual(
      builtLogs.filter((line) => line['msg'] === 'the dashboard is not built: npm run build'),
      [],
    );
  });

  test('not built: one warning, no dashboard routes, the API and health check as before', async () => {
    const warnings = unbuiltLogs.filter(
      (line) => line['msg'] === 'the dashboard is not built: npm run build',
    );
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.['level'], 40);
    assert.equal(warnings[0]?.['dashboardRoot'], join(dir, 'never-built'));
    assert.equal((await fetch(unbuilt, '/')).status, 404);
    assert.equal((await fetch(unbuilt, '/healthz')).status, 200);
    assert.equal((await fetch(unbuilt, '/api/v1/session')).status, 401);
    assert.equal(
      unbuiltLogs.filter((line) => line['msg'] === 'the dashboard is not built: npm run build').length,
      1,
    );
  });

  test('the default root is web/dist of the package, from the sources as from dist/', () => {
    const packageRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
    assert.equal(DASHBOARD_ROOT, join(packageRoot, 'web', 'dist') + sep);
  });
});
