import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FLEET_STATES, type FleetState } from '../../src/store/fleet-reader.js';
import { eventually, launchChromium, saveScreenshot } from '../helpers/browser.js';
import { type DashboardBuild, ensureDashboardBuild } from './dashboard-build.js';
import { type DashboardFleet, startDashboardFleet } from '../helpers/dashboard-fleet.js';

/** The README's picture of the overview (README.md shows it). */
/**
 * The README's picture of the overview, rewritten only on request (CERTFLEET_UPDATE_SCREENSHOT=1) so that a test
 * run leaves the checkout as it found it; the artifact under test-artifacts/ is written every time.
 */
const README_SCREENSHOT =
  process.env['CERTFLEET_UPDATE_SCREENSHOT'] === '1' ? 'docs/images/dashboard-overview.png' : undefined;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** More devices than a page of the device list holds, so paging is exercised. */
const FACTORY_STOCK = 20;

interface Json {
  readonly [key: string]: unknown;
}

/**
 * The dashboard as an operator uses it: Debian's chromium (headless, through playwright-core) against the real
 * server on a loopback port, serving the dashboard's fresh build and the admin API over real TLS, its store
 * seeded with a fleet in every state (dashboard-fleet.ts). Elements are found by their role, label or data
 * attribute as the dashboard's contract names them, never by layout. Each page's screenshot is kept under
 * test-artifacts/screenshots/.
 */
describe('dashboard in chromium, against a seeded server', { timeout: 180_000 }, () => {
  let build: DashboardBuild;
  let fleet: DashboardFleet;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Uncaught errors in any page (a crash, a Content-Security-Policy refusal): each test ends with none. */
  const pageErrors: string[] = [];

  before(async () => {
    build = await ensureDashboardBuild();
    fleet = await startDashboardFleet({ factoryStock: FACTORY_STOCK });
    browser = await launchChromium({ trust: fleet.listenerCertificatePem });
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await build.assertUnchanged();
    assert.deepEqual(pageErrors.splice(0), [], 'errors in the page');
  });
  after(async () => {
    await browser?.close();
    await fleet?.close();
  });

  /** A fresh browser context (nothing in sessionStorage) on the dashboard's login page. */
  async function openDashboard(viewport = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text())) {
        pageErrors.push(`${page.url()}: ${message.text()}`);
      }
    });
    await page.goto(`${fleet.url}/`);
    return page;
  }

  async function signIn(scope: 'admin' | 'read' = 'admin', viewport = DESKTOP): Promise<Page> {
    const page = await openDashboard(viewport);
    await page.getByLabel('API token').fill(fleet.tokens[scope]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Overview').waitFor();
    return page;
  }

  const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });
  const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

  async function goTo(page: Page, link: string, title = link): Promise<void> {
    await mainNav(page).getByRole('link', { name: link, exact: true }).click();
    await heading(page, title).waitFor();
  }

  /** The device ids in the device list as shown, in order. */
  async function listedDevices(page: Page): Promise<string[]> {
    return page
      .locator('[data-device-id]')
      .evaluateAll((rows: Array<{ getAttribute(name: string): string | null }>) =>
        rows.map((row) => row.getAttribute('data-device-id') ?? ''),
      );
  }

  /** Waits until the device list shows exactly `expected` (it re-fetches after each change of filter). */
  async function expectListed(page: Page, expected: readonly string[]): Promise<void> {
    await eventually(async () => assert.deepEqual(await listedDevices(page), expected));
  }

  /** The count the overview shows for one state. */
  async function shownCount(page: Page, state: FleetState): Promise<number> {
    const cell = page.locator(`tr[data-state="${state}"] [data-count]`);
    const text = (await cell.getAttribute('data-count')) || (await cell.textContent()) || '';
    const count = Number(text.replace(/[^\d]/g, ''));
    assert.ok(/\d/.test(text), `${state}: '${text}' is not a count`);
    return count;
  }

  async function apiJson(path: string): Promise<Json> {
    const response = await fleet.api(path);
    assert.equal(response.status, 200, `GET ${path}: ${JSON.stringify(response.body)}`);
    return response.body as Json;
  }

  async function fleetCounts(): Promise<Record<string, number>> {
    return (await apiJson('/api/v1/fleet/status'))['counts'] as Record<string, number>;
  }

  /** Every device id the API lists for `query`, all pages. */
  async function apiDeviceIds(query: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await apiJson(
        `/api/v1/devices?limit=500&${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      ids.push(...(page['items'] as Array<{ id: string }>).map((d) => d.id));
      cursor = page['next'] as string | null;
    } while (cursor !== null);
    return ids;
  }

  test('the seeded fleet has every state, as the API counts it', async () => {
    const counts = await fleetCounts();
    for (const state of FLEET_STATES) {
      assert.equal(counts[state], fleet.seeded[state].length, `${state}: ${JSON.stringify(counts)}`);
      assert.ok((counts[state] ?? 0) > 0, `${state} is seeded`);
    }
  });

  test('no token or a wrong one is refused with a message and kept nowhere; the admin token signs in', async () => {
    const page = await openDashboard();
    const signInButton = page.getByRole('button', { name: 'Sign in' });
    const refused = async () => {
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.notEqual(((await alert.textContent()) ?? '').trim(), '', 'the refusal says why');
      assert.equal(await mainNav(page).count(), 0, 'no navigation without a session');
      assert.equal(await page.getByLabel('API token').isVisible(), true);
      assert.deepEqual(await sessionValues(page), [], 'nothing is stored');
    };
    await signInButton.click();
    await refused();

    await page.getByLabel('API token').fill('cft_0123456789abcdef_not-a-real-secret-not-a-real-secret-000');
    const answered = page.waitForResponse((response) => response.url().endsWith('/api/v1/session'));
    await page.getByLabel('API token').press('Enter');
    assert.equal((await answered).status(), 401);
    await refused();

    await page.getByLabel('API token').fill(fleet.tokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Overview').waitFor();
    assert.deepEqual(await mainNav(page).getByRole('link').allTextContents(), [
      'Overview',
      'Devices',
      'Endpoints',
      'Alerts',
      'Trust',
      'Audit log',
    ]);
    assert.ok((await sessionValues(page)).includes(fleet.tokens.admin), 'kept in sessionStorage');
    await page.reload();
    await heading(page, 'Overview').waitFor();
  });

  test('the overview counts each state as GET /fleet/status does, and shows every section', async () => {
    const page = await signIn();
    const expected = await fleetCounts();
    await eventually(async () => {
      for (const state of FLEET_STATES) assert.equal(await shownCount(page, state), expected[state], state);
    });
    for (const name of [
      'Devices by state',
      'Expiry timeline',
      'At risk',
      'Enrollment failures (24 h)',
      'Endpoints failing probes',
    ]) {
      await page.getByRole('heading', { name, exact: true }).waitFor();
    }
    // The at-risk list links each device at risk, the refused renewals are counted by cause, and the
    // endpoint that does not answer is named.
    for (const id of fleet.seeded.at_risk) await page.getByRole('link', { name: id, exact: true }).waitFor();
    for (const cause of ['renewal.key-reuse', 'renewal.subject']) await shown(page, cause);
    await page.getByRole('link', { name: 'broker-offline', exact: true }).waitFor();
    // The expiry timeline is drawn, stacked by state and, after the toggle, by issuer.
    const timeline = page.locator('section', {
      has: page.getByRole('heading', { name: 'Expiry timeline', exact: true }),
    });
    await timeline.locator('svg').first().waitFor();
    await timeline.getByRole('img', { name: /by state/i }).waitFor();
    await timeline.getByRole('radio', { name: 'issuer' }).check();
    await timeline.getByRole('img', { name: /by issuer.*operational/i }).waitFor();
    await timeline.getByRole('radio', { name: 'state' }).check();
    await timeline.getByRole('img', { name: /by state/i }).waitFor();
    await page.waitForLoadState('networkidle');
    await saveScreenshot(page, 'overview', README_SCREENSHOT);
  });

  test('devices: the state, product line and id-prefix filters show only matching rows', async () => {
    const page = await signIn();
    await goTo(page, 'Devices');
    await page.getByLabel('State').selectOption('expired');
    await expectListed(page, [...fleet.seeded.expired].sort());

    await page.getByLabel('Product line').selectOption('sensor-1');
    await expectListed(page, await apiDeviceIds('state=expired&productLine=sensor-1'));
    assert.equal((await listedDevices(page)).length, 1, 'one of the two expired devices is a sensor');

    await page.getByLabel('Product line').selectOption({ index: 0 });
    await page.getByLabel('State').selectOption('at_risk');
    await expectListed(page, [...fleet.seeded.at_risk].sort());

    await page.getByLabel('State').selectOption({ index: 0 });
    await page.getByLabel('Search devices').fill('SN-101');
    await expectListed(page, ['SN-1010', 'SN-1011', 'SN-1012']);

    // Nothing matches: an empty list, not an error (and no page error, checked after the test).
    await page.getByLabel('Search devices').fill('no-such-device');
    await expectListed(page, []);
  });

  test('devices: next and previous page follow the API cursor', async () => {
    const page = await signIn();
    await goTo(page, 'Devices');
    await eventually(async () => assert.ok((await listedDevices(page)).length > 0));
    const first = await listedDevices(page);
    const all = await apiDeviceIds('');
    assert.ok(all.length > first.length, `${all.length} devices fit one page of ${first.length}`);
    assert.deepEqual(first, all.slice(0, first.length));

    await page.getByRole('button', { name: 'Next page' }).click();
    await eventually(async () =>
      assert.deepEqual(await listedDevices(page), all.slice(first.length, 2 * first.length)),
    );
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expectListed(page, first);
  });

  test('device detail: its state, certificate history and enrollment events', async () => {
    const page = await signIn();
    await goTo(page, 'Devices');
    await page.getByLabel('Search devices').fill('SN-1001');
    await expectListed(page, ['SN-1001']);
    await page.getByRole('link', { name: 'SN-1001', exact: true }).click();
    await heading(page, 'SN-1001').waitFor();
    await eventually(async () =>
      assert.equal((await page.getByTestId('device-state').textContent())?.trim(), 'healthy'),
    );
    await page.getByRole('heading', { name: 'Certificates', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Enrollment events', exact: true }).waitFor();
    const device = await apiJson('/api/v1/devices/SN-1001');
    const inUse = (device['certificateInUse'] as { serial: string } | null)?.serial;
    assert.ok(inUse !== undefined, JSON.stringify(device));
    await shown(page, inUse);
    await shown(page, 'simpleenroll');
    await page.waitForLoadState('networkidle');
    await saveScreenshot(page, 'device-detail');
  });

  test('revoke: Cancel changes nothing; Confirm revokes the certificate in use and the state becomes revoked', async () => {
    const id = 'SN-1003';
    const before = await apiJson(`/api/v1/devices/${id}`);
    assert.equal(before['state'], 'healthy');
    const serial = (before['certificateInUse'] as { serial: string }).serial;
    const certificateStatus = async () =>
      (await apiJson(`/api/v1/certificates/${serial}`))['status'] as string;
    assert.equal(await certificateStatus(), 'issued');

    const page = await signIn();
    await page.goto(`${fleet.url}/#/devices/${id}`);
    await heading(page, id).waitFor();
    const state = page.getByTestId('device-state');
    await eventually(async () => assert.equal((await state.textContent())?.trim(), 'healthy'));

    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await apiJson(`/api/v1/devices/${id}`))['state'], 'healthy', 'Cancel revokes nothing');
    assert.equal(await certificateStatus(), 'issued');

    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await certificateStatus(), 'revoked', 'the certificate in use is revoked');
    await eventually(async () =>
      assert.equal((await state.textContent())?.trim(), 'revoked', 'the state shown after the revocation'),
    );
    assert.equal((await apiJson(`/api/v1/devices/${id}`))['state'], 'revoked', 'the API agrees');
  });

  test('a read token sees everything and no action button', async () => {
    const page = await signIn('read');
    await page.goto(`${fleet.url}/#/devices/SN-1002`);
    await heading(page, 'SN-1002').waitFor();
    await eventually(async () =>
      assert.equal((await page.getByTestId('device-state').textContent())?.trim(), 'healthy'),
    );
    await page.getByRole('heading', { name: 'Enrollment events', exact: true }).waitFor();
    for (const name of ['Revoke', 'Decommission', 'New enrollment token']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button`);
    }
  });

  test('the overview refreshes on its own when the fleet changes', async () => {
    const page = await signIn();
    const before = await shownCountWhenLoaded(page, 'decommissioned');
    const response = await fleet.api('/api/v1/devices/SN-1005/decommission', { method: 'POST' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    // No reload: the page re-fetches every 10 s while visible (and at once when the window gets focus).
    await eventually(async () => assert.equal(await shownCount(page, 'decommissioned'), before + 1), {
      timeoutMs: 13_000,
      intervalMs: 250,
    });
  });

  async function shownCountWhenLoaded(page: Page, state: FleetState): Promise<number> {
    const expected = (await fleetCounts())[state] ?? -1;
    await eventually(async () => assert.equal(await shownCount(page, state), expected));
    return expected;
  }

  test('sign out forgets the token', async () => {
    const page = await signIn();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await mainNav(page).count(), 0);
    assert.ok(!(await sessionValues(page)).includes(fleet.tokens.admin), 'the token is gone');
    await page.reload();
    await page.getByLabel('API token').waitFor();
  });

  test('keyboard: the skip link comes first and moves to the content; Tab reaches every nav link', async () => {
    const page = await signIn();
    await page.reload();
    await heading(page, 'Overview').waitFor();
    await page.keyboard.press('Tab');
    const skip = page.locator(':focus');
    assert.match((await skip.textContent()) ?? '', /skip/i, 'the first stop is the skip link');
    await page.keyboard.press('Enter');
    await eventually(async () => {
      assert.equal(await page.locator('main:focus, main :focus').count(), 1, 'focus is in the main content');
    });
    await heading(page, 'Overview').waitFor();

    await page.reload();
    await heading(page, 'Overview').waitFor();
    const reached = new Set<string>();
    for (let presses = 0; presses < 30 && reached.size < 6; presses++) {
      await page.keyboard.press('Tab');
      const link = mainNav(page).locator('a:focus');
      if ((await link.count()) === 1) reached.add(((await link.textContent()) ?? '').trim());
    }
    assert.deepEqual([...reached].sort(), [
      'Alerts',
      'Audit log',
      'Devices',
      'Endpoints',
      'Overview',
      'Trust',
    ]);
    // The last one reached is focused: Enter follows it.
    const focused = ((await mainNav(page).locator('a:focus').textContent()) ?? '').trim();
    await page.keyboard.press('Enter');
    await heading(page, focused).waitFor();
  });

  test('on a 390 × 844 phone no page scrolls sideways (wide tables scroll in their own box)', async () => {
    const page = await signIn('admin', PHONE);
    await eventually(async () => assert.ok((await shownCount(page, 'healthy')) > 0));
    await page.waitForLoadState('networkidle');
    await saveScreenshot(page, 'overview-phone');
    const tooWide: string[] = [];
    const measure = async (name: string) => {
      const widths = await page.evaluate<{ page: number; viewport: number }>(
        '({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })',
      );
      if (widths.page > widths.viewport) tooWide.push(`${name}: ${widths.page} px`);
    };
    await measure('Overview');
    for (const [hash, title, shows] of [
      ['#/devices', 'Devices', 'SN-1001'],
      ['#/devices/SN-1001', 'SN-1001', 'simpleenroll'],
      ['#/endpoints', 'Endpoints', 'broker-offline'],
      ['#/alerts', 'Alerts', 'tls-expiry-30d'],
      ['#/trust', 'Trust', 'Operational CA'],
      ['#/audit', 'Audit log', 'endpoint.added'],
    ] as const) {
      await page.goto(`${fleet.url}/${hash}`);
      await heading(page, title).waitFor();
      await shown(page, shows);
      await measure(title);
    }
    assert.deepEqual(tooWide, [], `wider than the ${PHONE.width} px viewport`);
  });

  test('every page renders its data; a screenshot of each', async () => {
    const page = await signIn();
    const pages: Array<{ link: string; shot: string; shows: RegExp[] }> = [
      { link: 'Devices', shot: 'devices', shows: [/SN-1001/] },
      { link: 'Endpoints', shot: 'endpoints', shows: [/certfleet-api/, /broker-offline/] },
      { link: 'Alerts', shot: 'alerts', shows: [/tls-expiry-30d/, /fleet-at-risk-above-2/] },
      { link: 'Trust', shot: 'trust', shows: [/Development Root CA/, /Operational CA/, /Factory CA/] },
      { link: 'Audit log', shot: 'audit-log', shows: [/cert\.revoked/, /device\.decommissioned/] },
    ];
    for (const entry of pages) {
      await goTo(page, entry.link);
      for (const text of entry.shows) await shown(page, text);
      await page.waitForLoadState('networkidle');
      await saveScreenshot(page, entry.shot);
    }
    // The trust page is a tree: the intermediates are items of a list inside the root's item.
    await goTo(page, 'Trust');
    const root = page.getByRole('listitem').filter({ hasText: 'Development Root CA' });
    for (const name of ['Operational CA', 'Factory CA']) {
      await root.getByRole('listitem').filter({ hasText: name }).first().waitFor();
    }
  });
});

/** Waits until `text` is shown in the page's main region (visible: a datalist's options do not count). */
async function shown(page: Page, text: string | RegExp): Promise<void> {
  await page.locator('main').getByText(text).filter({ visible: true }).first().waitFor();
}

/** Every value the page keeps in sessionStorage. */
async function sessionValues(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    'Array.from({ length: sessionStorage.length }, (_, i) => sessionStorage.getItem(sessionStorage.key(i)) ?? "")',
  );
}
