import { createHash, X509Certificate } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; scripts/ensure-test-deps.sh installs it when missing. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

/** Screenshots the browser tests leave behind (test-artifacts/ is gitignored; CI keeps it as an artifact). */
export const SCREENSHOT_DIR = join(REPOSITORY, 'test-artifacts', 'screenshots');

/** The browser the tests drive: `CHROMIUM_PATH`, or Debian's. */
export function chromiumPath(): string {
  return process.env['CHROMIUM_PATH'] ?? DEBIAN_CHROMIUM;
}

/**
 * Launches the system's chromium, headless, through playwright-core (which brings no browser of its own). A
 * missing browser is an error, not a skip: in CI a test that silently does nothing would pass (STYLE.md).
 * `trust` is the HTTPS listener's certificate: chromium accepts that one key without a CA in its store,
 * and still refuses any other certificate, so the tests talk real TLS to the real listener.
 */
export async function launchChromium(options: { trust?: string } = {}): Promise<Browser> {
  const executablePath = chromiumPath();
  try {
    await access(executablePath, constants.X_OK);
  } catch (error) {
    throw new Error(
      `no chromium at ${executablePath}: run scripts/ensure-test-deps.sh (installs Debian's chromium) or set CHROMIUM_PATH`,
      { cause: error },
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    // Chromium refuses to start as root with its sandbox on (the sandbox needs an unprivileged user), and CI
    // and these machines run the tests as root: only then is it off. Playwright adds --no-sandbox unless
    // chromiumSandbox is true, so a non-root run keeps the sandbox.
    chromiumSandbox: !runsAsRoot(),
    args:
      options.trust === undefined ? [] : [`--ignore-certificate-errors-spki-list=${spkiPin(options.trust)}`],
  });
}

function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Chromium's pin of a certificate's key: base64 of the SHA-256 of its SubjectPublicKeyInfo. */
function spkiPin(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png` and returns its path. `copyTo`
 * (relative to the repository) keeps a copy elsewhere too, e.g. the README's picture under docs/images/.
 */
export async function saveScreenshot(page: Page, name: string, copyTo?: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`'${name}' is not a screenshot name (a-z, 0-9, -)`);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  if (copyTo !== undefined) {
    const target = join(REPOSITORY, copyTo);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(path, target);
  }
  return path;
}

/**
 * Runs `check` until it passes, then returns what it returned; after `timeoutMs` throws its last error. A page
 * renders when its fetches answer, so its state is asserted once it is there, not after a guessed sleep.
 */
export async function eventually<T>(
  check: () => Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const { timeoutMs = 5000, intervalMs = 100 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
