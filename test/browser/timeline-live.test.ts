/**
 * The timeline as the VS Code extension hosts it: the page asks for a snapshot, follows live deltas,
 * shows the end of the run, posts goToSource, and re-reads the theme when VS Code switches it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  openReport,
  openWebview,
  posted,
  postToWebview,
  removeTempPages,
  settle,
} from './chromium';
import { clientX, decodePng, luminance, recordedTrace, taskPoint, timeline } from './timeline-page';
import type { Trace } from '../../src/model/trace';
import type { TraceDelta } from '../../src/protocol/webview';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  removeTempPages();
});

/** The recorded pool trace as it looked at `cutNs` while still running, and the rest as a delta. */
function splitAt(trace: Trace, cutNs: number): { snapshot: Trace; delta: TraceDelta } {
  const before = <T>(items: T[], time: (item: T) => number) => items.filter((i) => time(i) < cutNs);
  const after = <T>(items: T[], time: (item: T) => number) => items.filter((i) => time(i) >= cutNs);
  const runningMeta = {
    ...trace.meta,
    wallNs: cutNs,
    endReason: 'running' as const,
    exitCode: null,
  };
  const snapshot: Trace = {
    ...trace,
    meta: runningMeta,
    tasks: before(trace.tasks, (t) => t.startNs),
    waits: before(trace.waits, (w) => w.startNs),
    messages: before(trace.messages, (m) => m.putNs),
    cores: { ...trace.cores, samples: before(trace.cores.samples, (s) => s.ts) },
  };
  const delta: TraceDelta = {
    meta: { ...runningMeta, wallNs: trace.meta.wallNs },
    counts: trace.counts,
    processes: [],
    channels: [],
    messages: after(trace.messages, (m) => m.putNs),
    tasks: after(trace.tasks, (t) => t.startNs),
    waits: after(trace.waits, (w) => w.startNs),
    managerCalls: [],
    coreSamples: after(trace.cores.samples, (s) => s.ts),
  };
  return { snapshot, delta };
}

const pool = recordedTrace('pool_example');
const taskCount = (view: Awaited<ReturnType<typeof timeline>>) =>
  view.lanes.filter((l) => l.kind === 'process').reduce((n, l) => n + l.total, 0);

test('live: snapshot, deltas append and the view follows the newest time until the user zooms', async () => {
  const { page, errors } = await openWebview(browser);
  assert.deepEqual((await posted(page))[0], { type: 'ready' });
  const cut = pool.tasks[2].startNs + 1;
  const { snapshot, delta } = splitAt(pool, cut);
  await postToWebview(page, { type: 'snapshot', trace: snapshot, live: true });
  let view = await timeline(page);
  assert.equal(view.live, true);
  assert.match(view.header['wall time'], /recording/);
  assert.equal(taskCount(view), snapshot.tasks.length);
  assert.ok(Math.abs(view.visibleRange!.endNs - cut) < 1e3);

  // A collector behind the program says how far; the header says the view lags until it caught up.
  await postToWebview(page, { type: 'delta', delta: { ...delta, pendingBytes: 3 << 20 } });
  view = await timeline(page);
  assert.equal(taskCount(view), pool.tasks.length);
  assert.equal(view.header['catching up'], '3.00 MiB of events not shown yet');
  const caughtUp = {
    ...delta,
    messages: [],
    tasks: [],
    waits: [],
    coreSamples: [],
    pendingBytes: 0,
  };
  await postToWebview(page, { type: 'delta', delta: caughtUp });
  view = await timeline(page);
  assert.equal(view.header['catching up'], undefined);
  assert.equal(view.following, true);
  assert.ok(Math.abs(view.visibleRange!.endNs - pool.meta.wallNs) < 1e3, 'follows the newest time');

  // Once the user zooms, new data no longer moves the view.
  await page.keyboard.press('w');
  await settle(page);
  const zoomed = (await timeline(page)).visibleRange!;
  const later = { ...delta, meta: { ...delta.meta, wallNs: pool.meta.wallNs * 1.5 }, tasks: [] };
  await postToWebview(page, {
    type: 'delta',
    delta: { ...later, messages: [], waits: [], coreSamples: [] },
  });
  view = await timeline(page);
  assert.equal(view.following, false);
  assert.ok(Math.abs(view.visibleRange!.startNs - zoomed.startNs) < 1);
  assert.ok(Math.abs(view.visibleRange!.endNs - zoomed.endNs) < 1);

  await postToWebview(page, { type: 'ended', meta: pool.meta });
  view = await timeline(page);
  assert.equal(view.live, false);
  assert.doesNotMatch(view.header['wall time'], /recording/);
  assert.equal(view.header['result'], 'exit 0');
  assert.deepEqual(errors, []);
  await page.context().close();
});

async function zoomToTasks(page: Page): Promise<void> {
  const lane = (await timeline(page)).lanes.find((l) => l.kind === 'process')!;
  const first = Math.min(...pool.tasks.map((t) => t.startNs));
  const last = Math.max(...pool.tasks.map((t) => t.endNs));
  await page.mouse.move(await clientX(page, first - 1e6), lane.clientY);
  await page.keyboard.down('Shift');
  await page.mouse.down();
  await page.mouse.move(await clientX(page, last + 1e6), lane.clientY, { steps: 3 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await page.keyboard.press('f');
  await settle(page);
}

test('go to source posts the function of the selected task to the host', async () => {
  const { page } = await openWebview(browser);
  await postToWebview(page, { type: 'snapshot', trace: pool, live: false });
  await zoomToTasks(page);
  const task = pool.tasks[4];
  const point = await taskPoint(page, task.id);
  await page.mouse.click(point.x, point.y);
  await page.locator('.go-to-source').click();
  await page.keyboard.press('Escape');
  await page.mouse.click(point.x, point.y);
  await page.keyboard.press('Enter');
  const sources = (await posted(page)).filter((m) => m.type === 'goToSource');
  const expected = { type: 'goToSource', file: task.fn.file, line: task.fn.line };
  assert.deepEqual(sources, [expected, expected]);
  await page.context().close();
});

test('the webview shows the same lanes as the HTML report', async () => {
  const { page } = await openWebview(browser);
  await postToWebview(page, { type: 'snapshot', trace: pool, live: false });
  const report = await openReport(browser, pool);
  const lanes = async (p: Page) => (await timeline(p)).lanes.map((l) => [l.kind, l.label, l.total]);
  assert.deepEqual(await lanes(page), await lanes(report.page));
  await report.page.context().close();
  await page.context().close();
});

test('the visible range and filter survive the webview being hidden (getState/setState)', async () => {
  const first = await openWebview(browser);
  await postToWebview(first.page, { type: 'snapshot', trace: pool, live: false });
  await first.page.keyboard.press('w');
  await first.page.keyboard.press('d');
  await first.page.locator('.filter').fill('square');
  await settle(first.page);
  const saved = (await first.page.evaluate('window.__state')) as { startNs: number; endNs: number };
  const shown = (await timeline(first.page)).visibleRange!;
  assert.deepEqual([saved.startNs, saved.endNs], [shown.startNs, shown.endNs]);
  await first.page.context().close();

  const { page } = await openWebview(browser, {}, saved);
  await postToWebview(page, { type: 'snapshot', trace: pool, live: false });
  const view = await timeline(page);
  assert.equal(view.filter, 'square');
  assert.equal(view.following, false);
  assert.ok(Math.abs(view.visibleRange!.startNs - saved.startNs) < 1);
  assert.ok(Math.abs(view.visibleRange!.endNs - saved.endNs) < 1);
  await page.context().close();
});

test('a VS Code theme switch re-reads the colours', async () => {
  const { page } = await openWebview(browser);
  await postToWebview(page, { type: 'snapshot', trace: pool, live: false });
  const background = async () => {
    const png = decodePng(await page.screenshot());
    const lane = (await timeline(page)).lanes.at(-1)!;
    return luminance(png.pixel(700, lane.clientY + 60));
  };
  const setTheme = (kind: string, colour: string) =>
    page.evaluate(
      ([kind, colour]) => {
        const body = (globalThis as unknown as { document: { body: HTMLLike } }).document.body;
        body.style.setProperty('--vscode-editor-background', colour);
        body.className = kind;
      },
      [kind, colour],
    );
  await setTheme('vscode-dark', '#1e1e1e');
  await settle(page);
  assert.ok((await background()) < 0.2);
  await setTheme('vscode-light', '#ffffff');
  await settle(page);
  assert.ok((await background()) > 0.9);
  await page.context().close();
});

interface HTMLLike {
  className: string;
  style: { setProperty(name: string, value: string): void };
}
