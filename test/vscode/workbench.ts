// Driving the VS Code workbench in Chromium as a user does (Way A of the VS Code e2e notes).
import type { Page } from 'playwright-core';
import { runFromPalette, timelineFrame } from './codeServer';

/** Opens a workspace file through Quick Open, as a user would. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tab[data-resource-name="${name}"]`).waitFor();
}

/** The header numbers of the timeline webview, label -> value. */
export async function timelineStats(page: Page): Promise<Map<string, string>> {
  const stats = timelineFrame(page).locator('header.summary .stat');
  const texts = await stats.evaluateAll((nodes) =>
    nodes.map((n) => [
      n.querySelector('.stat-label')?.textContent ?? '',
      n.querySelector('.stat-value')?.textContent ?? '',
    ]),
  );
  return new Map(texts as [string, string][]);
}

/** The part of a canvas element used here (the test code is compiled without the DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

/** How many distinct colours the timeline canvas shows (a blank canvas has one). */
export function canvasColours(page: Page): Promise<number> {
  return timelineFrame(page)
    .locator('canvas')
    .first()
    .evaluate((node) => {
      const canvas = node as unknown as CanvasLike;
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) return 0;
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 16) {
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      }
      return colours.size;
    });
}

/** Runs the command on an open example and waits until the timeline shows the finished run. */
export async function runExampleFromPalette(
  page: Page,
  name: string,
): Promise<Map<string, string>> {
  await openFile(page, name);
  await runFromPalette(page, 'Parallel Profiler: Run with parallel profiler');
  const frame = timelineFrame(page);
  await frame.locator('header.summary .stat-label', { hasText: 'result' }).waitFor({
    timeout: 120_000,
  });
  return timelineStats(page);
}

/** A lane as the webview describes it (`window.__timeline`, the model behind the canvas). */
export interface LaneSummary {
  kind: string;
  label: string;
  pid: number | null;
  bars: number;
  mergedEvents: number;
}

/** The lanes the timeline webview shows. */
export function timelineLanes(page: Page): Promise<LaneSummary[]> {
  return timelineFrame(page)
    .locator('body')
    .evaluate(() => {
      const described = (globalThis as unknown as { __timeline?: { lanes: LaneSummary[] } })
        .__timeline;
      return (described?.lanes ?? []).map(({ kind, label, pid, bars, mergedEvents }) => ({
        kind,
        label,
        pid,
        bars,
        mergedEvents,
      }));
    });
}

/** Clicks the bar of the first task on screen, as a user selecting it. */
export async function clickFirstTask(page: Page): Promise<void> {
  const canvas = timelineFrame(page).locator('canvas').first();
  const position = await canvas.evaluate((node) => {
    const described = (
      globalThis as unknown as {
        __timeline?: { taskPoint(id: number): { x: number; y: number } | null };
      }
    ).__timeline;
    const rect = (
      node as unknown as { getBoundingClientRect(): { left: number; top: number } }
    ).getBoundingClientRect();
    for (let id = 0; id < 1000; id++) {
      const point = described?.taskPoint(id);
      if (point) return { x: point.x - rect.left, y: point.y - rect.top };
    }
    return null;
  });
  if (!position) throw new Error('no task bar is on screen');
  await canvas.click({ position });
}
