/**
 * Headless Chromium for the browser tests and the render benchmark, and pages that load the timeline
 * the way the HTML report does (from a file:// URL, everything inlined).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { renderHtmlReport } from '../../src/export/html';
import type { Trace } from '../../src/model/trace';

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
