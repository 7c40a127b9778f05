/**
 * Level of detail at 1M events (scripts/synthetic-trace.ts, generated inside the page as the render
 * benchmark does): zoomed out and half zoomed, lanes are drawn from their summaries, yet every task in
 * view is still a bar or inside a "many events" mark and the marks are on screen; zoomed in, clicking
 * a bar still selects that task; live, a delta appends at once and the lanes derived from the whole
 * trace (queues, cores) catch up without waiting for the next delta.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { syntheticTrace } from '../../scripts/synthetic-trace';
import { renderTimelineHtml } from '../../src/export/timelineHtml';
import type { Trace } from '../../src/model/trace';
import { launchChromium, removeTempPages, settle, writeTempPage } from './chromium';
import { decodePng, taskPoint, timeline, type TimelineView } from './timeline-page';

const root = path.join(__dirname, '..', '..', '..');
const EVENTS = 1_000_000;
let browser: Browser;
let trace: Trace;

before(async () => {
  browser = await launchChromium();
  trace = syntheticTrace({ events: EVENTS });
});
after(async () => {
  await browser.close();
  removeTempPages();
});

/**
 * The timeline page with the synthetic trace generated and loaded inside it (no 200 MB of JSON).
 * `live` loads only its first 90 % as a live snapshot; `window.rest` holds the rest as a delta.
 */
async function openGenerated(live = false): Promise<Page> {
  const generator = await esbuild.build({
    entryPoints: [path.join(root, 'scripts/synthetic-trace.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'Synthetic',
    platform: 'browser',
    target: 'es2022',
  });
  const html = renderTimelineHtml({
    scriptUri: '',
    styleUri: '',
    cspSource: '',
    nonce: 'level-of-detail-nonce-0123',
    inlineScript: fs.readFileSync(path.join(root, 'dist/webview.js'), 'utf8'),
    inlineStyle: fs.readFileSync(path.join(root, 'dist/webview.css'), 'utf8'),
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(writeTempPage('lod.html', html));
  await page.evaluate(`${generator.outputFiles[0].text};
    let trace = Synthetic.syntheticTrace({ events: ${EVENTS} });
    if (${live}) {
      const cut = trace.meta.wallNs * 0.9;
      const split = (items, time) => [items.filter((i) => time(i) < cut), items.filter((i) => time(i) >= cut)];
      const [tasks, laterTasks] = split(trace.tasks, (t) => t.startNs);
      const [waits, laterWaits] = split(trace.waits, (w) => w.startNs);
      const [messages, laterMessages] = split(trace.messages, (m) => m.putNs);
      const [samples, laterSamples] = split(trace.cores.samples, (c) => c.ts);
      const meta = { ...trace.meta, wallNs: cut, endReason: 'running', exitCode: null };
      window.rest = { meta: { ...meta, wallNs: trace.meta.wallNs }, counts: trace.counts, processes: [],
        channels: [], tasks: laterTasks, waits: laterWaits, messages: laterMessages, managerCalls: [],
        coreSamples: laterSamples };
      window.finalMeta = trace.meta;
      trace = { ...trace, meta, tasks, waits, messages, cores: { ...trace.cores, samples } };
    }
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'snapshot', trace, live: ${live} } }));
    0`);
  // diagnose() runs after the first frame and holds the page for a few seconds at this size.
  await page.waitForFunction('window.__timeline.timings.diagnosisMs > 0', null, { timeout: 0 });
  await settle(page);
  return page;
}

/** Per process lane: tasks drawn (bars plus merged) and the tasks overlapping the visible range. */
function drawnAndVisible(view: TimelineView): { pid: number; drawn: number; visible: number }[] {
  const { startNs, endNs } = view.visibleRange!;
  return view.lanes
    .filter((lane) => lane.kind === 'process' && lane.visible)
    .map((lane) => ({
      pid: lane.pid!,
      drawn: lane.bars + lane.mergedEvents,
      visible: trace.tasks.filter(
        (t) => t.pid === lane.pid && t.endNs >= startNs && t.startNs <= endNs,
      ).length,
    }));
}

test('at 1M events every task in view is drawn or merged, zoomed out and half zoomed, and marks show', async () => {
  const page = await openGenerated();
  const view = await timeline(page);
  const workers = view.lanes.filter((l) => l.kind === 'process' && l.label.includes('Worker'));
  const perLane = trace.tasks.length / workers.length;
  const onScreen = workers.filter((l) => l.visible);
  assert.ok(onScreen.length >= 20, `${onScreen.length} worker lanes on screen`);
  assert.ok(perLane > 4 * 1400, `${perLane} tasks a lane: dense enough for the summaries`);
  for (const lane of drawnAndVisible(view))
    assert.equal(lane.drawn, lane.visible, `pid ${lane.pid}`);
  assert.ok(onScreen.every((l) => l.mergedMarks > 0));
  // Every pixel column of a worker lane holds work: the marks fill the lane, none is dropped.
  const png = decodePng(await page.screenshot());
  const canvas = (await page.locator('canvas').boundingBox())!;
  const background = png.pixel(canvas.x + 2, workers[0].clientY - 12);
  const row = workers[3].clientY - 4;
  let painted = 0;
  const from = Math.ceil(canvas.x + 200);
  const to = Math.floor(canvas.x + canvas.width - 20);
  for (let x = from; x < to; x++) {
    if (png.pixel(x, row).some((v, i) => Math.abs(v - background[i]) > 24)) painted++;
  }
  assert.ok(painted / (to - from) > 0.95, `${painted} of ${to - from} columns painted`);
  // Half zoomed: windows cut through summary buckets, and counts stay exact.
  await page.keyboard.press('w');
  await settle(page);
  const zoomed = await timeline(page);
  for (const lane of drawnAndVisible(zoomed)) {
    assert.equal(lane.drawn, lane.visible, `pid ${lane.pid}`);
    assert.ok(lane.visible > 0 || lane.drawn === 0);
  }
  assert.ok(zoomed.visibleRange!.endNs - zoomed.visibleRange!.startNs < trace.meta.wallNs * 0.7);
  await page.context().close();
});

test('at 1M events, zoomed in, clicking a task bar selects that task', async () => {
  const page = await openGenerated();
  for (let i = 0; i < 14; i++) await page.keyboard.press('w');
  await settle(page);
  const { startNs, endNs } = (await timeline(page)).visibleRange!;
  const middle = (startNs + endNs) / 2;
  const worker = trace.processes.find((p) => p.name === 'SpawnPoolWorker-3')!;
  const target = trace.tasks
    .filter((t) => t.pid === worker.pid && t.startNs > startNs && t.endNs < endNs)
    .sort(
      (a, b) =>
        Math.abs((a.startNs + a.endNs) / 2 - middle) - Math.abs((b.startNs + b.endNs) / 2 - middle),
    )[0];
  assert.ok(target, 'a task of worker 3 in view');
  const point = await taskPoint(page, target.id);
  await page.mouse.click(point.x, point.y);
  const view = await timeline(page);
  assert.equal(view.selection?.kind, 'task');
  assert.equal(view.selection?.fields['id'], String(target.id));
  assert.equal(view.selection?.fields['pid'], String(worker.pid));
  await page.context().close();
});

test('live at 1M events: a delta appends tasks at once, queue and core lanes catch up soon after', async () => {
  const page = await openGenerated(true);
  const messagesIn = (view: Awaited<ReturnType<typeof timeline>>): number =>
    view.lanes.filter((l) => l.kind === 'channel').reduce((n, l) => n + l.total, 0);
  const messagesShown = async (): Promise<number> => messagesIn(await timeline(page));
  // Two deltas at once: the first may re-derive the queue lanes (their last derivation may be
  // old enough), the second cannot: re-deriving from 1M events is spaced by its cost, not done
  // per delta.
  await page.evaluate(`{
    const rest = window.rest;
    const half = Math.floor(rest.messages.length / 2);
    const first = { ...rest, messages: rest.messages.slice(0, half) };
    const none = { processes: [], channels: [], tasks: [], waits: [], managerCalls: [], coreSamples: [] };
    const second = { ...rest, ...none, messages: rest.messages.slice(half) };
    for (const delta of [first, second])
      window.dispatchEvent(new MessageEvent('message', { data: { type: 'delta', delta } }));
  }`);
  const view = await timeline(page);
  const tasks = view.lanes.filter((l) => l.kind === 'process').reduce((n, l) => n + l.total, 0);
  assert.equal(tasks, trace.tasks.length, 'tasks appended by the delta itself');
  assert.ok(messagesIn(view) < trace.messages.length, 'the queue lanes wait for their turn');
  // Polled from here: the page's CSP forbids the eval a string predicate of waitForFunction needs.
  const deadline = Date.now() + 60_000;
  while ((await messagesShown()) < trace.messages.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.evaluate(
    "window.dispatchEvent(new MessageEvent('message', { data: { type: 'ended', meta: window.finalMeta } }))",
  );
  assert.equal(await messagesShown(), trace.messages.length);
  assert.equal((await timeline(page)).live, false);
  await page.context().close();
});
