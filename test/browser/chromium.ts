/**
 * Headless Chromium for the browser tests and the render benchmark, and pages that load the timeline
 * the way the HTML report does (from a file:// URL, everything inlined).
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { renderHtmlReport } from '../../src/export/html';
import { renderTimelineHtml } from '../../src/export/timelineHtml';
import type { Trace } from '../../src/model/trace';
import type { FromWebview, ToWebview } from '../../src/protocol/webview';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...extraArgs],
  });
}

let tempDir: string | null = null;

/** Writes `html` to a temporary file and returns its file:// URL. */
export function writeTempPage(name: string, html: string): string {
  tempDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pp-timeline-'));
  const file = path.join(tempDir, name);
  fs.writeFileSync(file, html);
  return `file://${file}`;
}

export function removeTempPages(): void {
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  tempDir = null;
}

/** Opens the HTML report of `trace` from file:// with all network requests failing. */
export async function openReport(
  browser: Browser,
  trace: Trace,
  options: BrowserContextOptions = {},
): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url().startsWith('file://') ? route.continue() : route.abort();
  });
  const url = writeTempPage(
    `report-${Math.random().toString(36).slice(2)}.html`,
    renderHtmlReport(trace),
  );
  await page.goto(url);
  await page.waitForFunction('window.__timeline && window.__timeline.loaded');
  await settle(page);
  return { page, errors, requests };
}

/** Waits until the timeline has drawn the latest state (two animation frames). */
export async function settle(page: Page): Promise<void> {
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/**
 * Opens the page the VS Code extension shows (script and style by URI, no inlined trace) with an
 * `acquireVsCodeApi` standing in for the webview host: messages the page posts land in
 * `window.__posted`, its saved state in `window.__state` (starting as `savedState`), and `postToWebview` delivers host messages the way VS Code does (window message).
 */
export async function openWebview(
  browser: Browser,
  options: BrowserContextOptions = {},
  savedState: unknown = undefined,
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await context.addInitScript(`
    window.__posted = [];
    window.__state = ${JSON.stringify(savedState ?? null)};
    window.acquireVsCodeApi = () => ({
      postMessage: (message) => window.__posted.push(message),
      getState: () => window.__state ?? undefined,
      setState: (state) => { window.__state = state; },
    });`);
  const dist = path.join(__dirname, '..', '..', '..', 'dist');
  const html = renderTimelineHtml({
    scriptUri: pathToFileURL(path.join(dist, 'webview.js')).href,
    styleUri: pathToFileURL(path.join(dist, 'webview.css')).href,
    cspSource: 'file:',
    nonce: randomBytes(18).toString('base64url'),
  });
  await page.goto(writeTempPage(`webview-${Math.random().toString(36).slice(2)}.html`, html));
  await page.waitForFunction('window.__posted.length > 0');
  return { page, errors };
}

export async function postToWebview(page: Page, message: ToWebview): Promise<void> {
  await page.evaluate((m) => {
    (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(
      m,
      '*',
    );
  }, message);
  await page.waitForFunction('window.__timeline && window.__timeline.loaded');
  await settle(page);
}

export function posted(page: Page): Promise<FromWebview[]> {
  return page.evaluate('window.__posted') as Promise<FromWebview[]>;
}
