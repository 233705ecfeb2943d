import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The dashboard's build (`npm run build:web` writes it): `web/dist/` of the package. This file is
 * src/server/dashboard-plugin.ts when run from the sources (tsx) and dist/server/dashboard-plugin.js when
 * built (tsconfig.build.json: rootDir src, outDir dist), two folders below the package root either way, so
 * one relative URL finds it for `npm start` and for the tests alike.
 */
export const DASHBOARD_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * Only the dashboard's own files run: scripts and styles from this origin (no inline code, no CDN), images
 * from here or data: URLs (an SVG chart, an icon), and the page never framed (clickjacking on the revoke
 * button) nor able to post a form elsewhere. Its API calls go to /api/v1 on the same origin with a bearer
 * token, not a cookie, so there is no ambient credential to forge requests with (no CSRF surface).
 */
export const DASHBOARD_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Vite names what it writes under assets/ by a hash of the content: a new build is a new URL. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** The HTML shell names the current assets, so a browser asks again (a 304 when unchanged) every time. */
export const SHELL_CACHE_CONTROL = 'no-cache';

export interface DashboardPluginOptions {
  /** The built dashboard: index.html and assets/. Default DASHBOARD_ROOT. */
  readonly root?: string;
}

/**
 * Serves the built dashboard at `/` (index.html) and its files (hashed ones under `/assets/`) with the security
 * headers above, on the HTTPS server beside the API. Client-side routes are in the URL's fragment (`#/devices`),
 * so there is no fallback route to index.html: one route per file, made from the folder at start-up (a
 * catch-all would also answer under /api/v1 and take the API's own 404 problems away). Without a build, a
 * warning, once, and no routes: the API works without its dashboard.
 */
export async function dashboardPlugin(app: FastifyInstance, options: DashboardPluginOptions): Promise<void> {
  const root = options.root ?? DASHBOARD_ROOT;
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ dashboardRoot: root }, 'the dashboard is not built: npm run build');
    return;
  }
  const assets = join(root, 'assets') + sep;
  // Encapsulated: the headers go on the dashboard's responses only (Swagger UI at /docs needs inline code).
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(DASHBOARD_HEADERS);
    done();
  });
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    // The routes' own replies only; nothing else here sends files.
    decorateReply: false,
    setHeaders: (reply: FastifyReply, path: string) => {
      reply.header('cache-control', path.startsWith(assets) ? ASSET_CACHE_CONTROL : SHELL_CACHE_CONTROL);
    },
  });
}
