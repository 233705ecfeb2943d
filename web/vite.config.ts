import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: `npm run build:web` writes web/dist, which the server serves at `/`. Preact's JSX
 * goes through Vite's own transformer (oxc), so no Babel preset. The page runs under
 * `Content-Security-Policy: default-src 'self'`, so the build must not inline scripts: the module-preload
 * polyfill (an inline helper in some set-ups) is off, and assets are always files, never data: URLs in scripts.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npx vite --config web/vite.config.ts` serves the sources with hot reload and passes /api to a running
  // server; trust its development root with NODE_EXTRA_CA_CERTS=offline-root/root.cert.pem.
  server: {
    proxy: {
      '/api': { target: process.env.CERTFLEET_API_URL ?? 'https://localhost:8443', changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
