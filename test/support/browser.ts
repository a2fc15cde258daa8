import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestApp } from './test-app.js';

/**
 * A host name that the browser resolves to the test replicas' 127.0.0.1 but that, unlike localhost, is not a
 * "potentially trustworthy" origin: the page loaded through it is served as over plain HTTP on a LAN. Every
 * other name under `.test` reaches 127.0.0.1 too, each a site of its own to the browser (pages on other sites).
 */
export const REMOTE_HOST = 'dashboard.test';

/**
 * Our own flags, not the package's `args` (those turn off web security and site isolation, which the
 * tests of cross-origin behaviour rely on): headless, sandbox-free (CI runs as root) and quiet: no GPU,
 * no QUIC, no background traffic to Google, which this machine's closed network refuses.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP *.test 127.0.0.1',
];

/**
 * The browser comes through `npm install`: the devDependency `@sparticuz/chromium` ships a Chromium build
 * inside the package, which global-setup.mjs unpacks into node_modules/.cache and names in CHROMIUM_PATH
 * (set it yourself to use another Chromium, e.g. Debian's /usr/bin/chromium). playwright-core downloads
 * no browser of its own, so a fresh machine needs none installed by hand.
 */
export function chromiumExecutablePath(): string {
  const path = process.env.CHROMIUM_PATH;
  if (!path)
    throw new Error('CHROMIUM_PATH is unset: the browser tests run under npm test, whose global setup unpacks it');
  return path;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutablePath(), args: CHROMIUM_ARGS });
}

/** The address a browser can reach a test replica at (startTestApp listens on a random port). */
export function baseUrlOf(app: TestApp, host = '127.0.0.1'): string {
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  return `http://${host}:${port}`;
}

export interface DashboardPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page and Content-Security-Policy refusals: a working page has none. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * Opens the dashboard in a fresh browser context (its own sessionStorage and cookies). A failed
 * request is not a problem here: the page is expected to handle those, and the tests check how it does.
 */
export async function openDashboard(
  browser: Browser,
  app: TestApp,
  {
    viewport = { width: 1280, height: 800 },
    host,
    prepare,
  }: {
    viewport?: { width: number; height: number };
    /** The host name to load the page from; 127.0.0.1 by default. */
    host?: string;
    /** Runs before the page loads, e.g. to route requests. */
    prepare?: (context: BrowserContext) => Promise<unknown>;
  } = {},
): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport, baseURL: baseUrlOf(app, host) });
  await prepare?.(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto('/');
  return { context, page, problems, close: () => context.close() };
}

/** The one DOM global the in-page function below uses (test/ is type-checked without the DOM library). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

/** The text of the status cell of a task's row ('' while the row is not shown). */
export async function rowStatus(page: Page, id: string): Promise<string> {
  const cell = page.locator(`tr[data-task-id="${id}"] td[data-cell="status"]`);
  return (await cell.count()) === 0 ? '' : ((await cell.textContent()) ?? '').trim();
}

/**
 * Waits, in the page, until a task's row shows a status (icon and word, e.g. "✓ succeeded"). Checked on
 * every animation frame, so a short-lived status is still seen if the page ever rendered it.
 */
export async function waitForRowStatus(page: Page, id: string, status: string, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(
    ({ id, status }) => {
      const cell = document.querySelector(`tr[data-task-id="${id}"] td[data-cell="status"]`);
      return cell?.textContent?.trim().endsWith(status) ?? false;
    },
    { id, status },
    { timeout: timeoutMs },
  );
}
