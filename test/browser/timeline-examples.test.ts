/**
 * The timeline on traces recorded by the real CLI from examples/pool_example.py and
 * examples/queue_example.py, opened as the standalone HTML report from file:// without network.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openReport, removeTempPages, settle } from './chromium';
import {
  clientX,
  decodePng,
  luminance,
  recordedTrace,
  screenshotDir,
  taskPoint,
  timeline,
} from './timeline-page';
import type { Trace } from '../../src/model/trace';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  removeTempPages();
});

const pool = recordedTrace('pool_example');
const queue = recordedTrace('queue_example');

/** Shift+drag from time a to time b (ns) across the first process lane. */
async function selectRange(page: Page, a: number, b: number): Promise<void> {
  const lane = (await timeline(page)).lanes.find((l) => l.kind === 'process')!;
  await page.mouse.move(await clientX(page, a), lane.clientY);
  await page.keyboard.down('Shift');
  await page.mouse.down();
  await page.mouse.move(await clientX(page, (a + b) / 2), lane.clientY);
  await page.mouse.move(await clientX(page, b), lane.clientY);
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await settle(page);
}

/** Zooms to the time the tasks ran (range selection, then F). */
async function zoomToTasks(page: Page, trace: Trace): Promise<[number, number]> {
  const first = Math.min(...trace.tasks.map((t) => t.startNs));
  const last = Math.max(...trace.tasks.map((t) => t.endNs));
  const margin = (last - first) * 0.1;
  await selectRange(page, first - margin, last + margin);
  await page.keyboard.press('f');
  await settle(page);
  return [first, last];
}

test('pool example: 4 worker lanes, 5 task bars, one lane per core', async () => {
  const { page, errors } = await openReport(browser, pool);
  const view = await timeline(page);
  const workers = view.lanes.filter((l) => l.kind === 'process' && l.label.includes('PoolWorker'));
  assert.equal(workers.length, 4);
  assert.deepEqual(
    view.lanes.filter((l) => l.kind === 'core').map((l) => l.cpu),
    Array.from({ length: pool.cores.cpuCount }, (_, i) => i),
  );
  const processLanes = view.lanes.filter((l) => l.kind === 'process');
  assert.equal(
    processLanes[0].label,
    `MainProcess (${pool.processes.find((p) => p.role === 'main')!.pid})`,
  );
  // Zoomed out, every task is still drawn: as its own bar or inside a "many events" mark.
  const represented = processLanes.reduce((n, l) => n + l.bars + l.mergedEvents, 0);
  assert.equal(represented, 5);
  await zoomToTasks(page, pool);
  const zoomed = await timeline(page);
  assert.equal(
    zoomed.lanes.filter((l) => l.kind === 'process').reduce((n, l) => n + l.bars, 0),
    5,
  );
  assert.ok(zoomed.header['tasks'].startsWith('5'));
  assert.ok(zoomed.lanes.some((l) => l.kind === 'parallelism'));
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('queue example: 5 arrows from producer to consumer', async () => {
  const { page, errors } = await openReport(browser, queue);
  const view = await timeline(page);
  assert.equal(view.arrowsDrawn, 5);
  assert.equal(view.arrowsHidden, 0);
  const channel = view.lanes.find((l) => l.kind === 'channel')!;
  assert.equal(channel.total, 5);
  const producer = queue.messages[0].sendPid;
  const consumer = queue.messages[0].recvPid!;
  assert.ok(queue.messages.every((m) => m.sendPid === producer && m.recvPid === consumer));
  // Clicking a message in the channel lane shows who sent it to whom.
  await page.mouse.click(await clientX(page, queue.messages[0].putNs), channel.clientY);
  const selected = (await timeline(page)).selection!;
  assert.equal(selected.kind, 'message');
  assert.equal(selected.fields['sendPid'], String(producer));
  assert.equal(selected.fields['recvPid'], String(consumer));
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('keyboard, wheel and drag zoom and pan the visible range; F fits', async () => {
  const { page } = await openReport(browser, pool);
  const range = async () => (await timeline(page)).visibleRange!;
  const full = await range();
  assert.ok(Math.abs(full.startNs) < 1e3 && Math.abs(full.endNs - pool.meta.wallNs) < 1e3);
  await page.keyboard.press('w');
  await settle(page);
  const zoomed = await range();
  const span = (r: typeof full) => r.endNs - r.startNs;
  assert.ok(Math.abs(span(full) / span(zoomed) - 1.5) < 0.01, `zoom x1.5: ${span(zoomed)}`);
  await page.keyboard.press('d');
  await settle(page);
  const panned = await range();
  assert.ok(panned.startNs > zoomed.startNs);
  assert.ok(Math.abs(span(panned) - span(zoomed)) < 1);
  await page.keyboard.press('a');
  await settle(page);
  assert.ok((await range()).startNs < panned.startNs);
  const lane = (await timeline(page)).lanes.find((l) => l.kind === 'process')!;
  const x = await clientX(page, (zoomed.startNs + zoomed.endNs) / 2);
  await page.mouse.move(x, lane.clientY);
  await page.mouse.wheel(0, -300);
  await settle(page);
  const wheeled = await range();
  assert.ok(span(wheeled) < span(zoomed));
  await page.mouse.down();
  await page.mouse.move(x - 200, lane.clientY, { steps: 4 });
  await page.mouse.up();
  await settle(page);
  const dragged = await range();
  assert.ok(dragged.startNs > wheeled.startNs, 'dragging left shows later times');
  await page.keyboard.press('f');
  await settle(page);
  assert.deepEqual(await range(), full);
  await page.context().close();
});

test('clicking a task bar opens its details', async () => {
  const { page } = await openReport(browser, pool);
  await zoomToTasks(page, pool);
  const longest = [...pool.tasks].sort((a, b) => b.endNs - b.startNs - (a.endNs - a.startNs))[0];
  const point = await taskPoint(page, longest.id);
  await page.keyboard.press('Escape');
  await page.mouse.click(point.x, point.y);
  const view = await timeline(page);
  assert.equal(view.selection?.kind, 'task');
  assert.equal(view.selection?.fields['id'], String(longest.id));
  assert.equal(view.selection?.fields['pid'], String(longest.pid));
  assert.match(view.selection?.fields['fn'] ?? '', /"name":"square"/);
  const panel = await page.locator('.details').innerText();
  assert.match(panel, /Task square/);
  await page.keyboard.press('Escape');
  assert.equal((await timeline(page)).selection, null);
  await page.context().close();
});

test('a range selection gives per-process busy times that agree with the trace', async () => {
  const { page } = await openReport(browser, pool);
  const [first, last] = await zoomToTasks(page, pool);
  // A range that cuts through some tasks.
  await selectRange(page, first + (last - first) * 0.05, last - (last - first) * 0.3);
  const range = (await timeline(page)).range!;
  assert.ok(range.endNs > range.startNs);
  for (const process of pool.processes) {
    const row = range.rows.find((r) => r.pid === process.pid)!;
    const inside = pool.tasks.filter(
      (t) => t.pid === process.pid && t.endNs > range.startNs && t.startNs < range.endNs,
    );
    const busy = inside.reduce(
      (sum, t) => sum + Math.min(t.endNs, range.endNs) - Math.max(t.startNs, range.startNs),
      0,
    );
    assert.ok(Math.abs(row.busyNs - busy) < 1, `${process.pid}: ${row.busyNs} vs ${busy}`);
    assert.equal(row.tasks, inside.length);
    assert.ok(Math.abs(row.percent - (100 * busy) / (range.endNs - range.startNs)) < 1e-6);
  }
  assert.ok(range.rows.some((r) => r.busyNs > 0));
  const table = await page.locator('.range table').innerText();
  assert.match(table, /ForkPoolWorker-1/);
  await page.context().close();
});

test('the HTML report works from file:// with the network disabled', async () => {
  const { page, errors, requests } = await openReport(browser, queue);
  assert.deepEqual(
    requests.filter((url) => !url.startsWith('file://')),
    [],
  );
  const view = await timeline(page);
  assert.equal(view.lanes.filter((l) => l.kind === 'process').length, queue.processes.length);
  assert.match(view.header['wall time'], /s$/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('screenshots of the examples in light and dark theme', async () => {
  fs.mkdirSync(screenshotDir, { recursive: true });
  for (const [name, trace] of [
    ['pool', pool],
    ['queue', queue],
  ] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page } = await openReport(browser, trace, { colorScheme });
      if (trace.tasks.length) {
        await zoomToTasks(page, trace);
      } else {
        const children = trace.processes.filter((p) => p.role !== 'main');
        const from = Math.min(...children.map((p) => p.createdNs ?? Infinity));
        const to = Math.max(...children.map((p) => p.exitNs ?? 0));
        await selectRange(page, from - (to - from) * 0.1, to + (to - from) * 0.1);
        await page.keyboard.press('f');
      }
      await page.keyboard.press('Escape');
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      await settle(page);
      const file = path.join(screenshotDir, `${name}-${colorScheme}.png`);
      const png = decodePng(await page.screenshot({ path: file }));
      const background = luminance(png.pixel(700, png.height - 5));
      if (colorScheme === 'dark') assert.ok(background < 0.3, `dark background ${background}`);
      else assert.ok(background > 0.7, `light background ${background}`);
      if (trace.tasks.length) {
        // The longest task's bar is painted in a colour distinct from the background.
        const longest = [...trace.tasks].sort(
          (a, b) => b.endNs - b.startNs - (a.endNs - a.startNs),
        )[0];
        const point = await taskPoint(page, longest.id);
        const bar = luminance(png.pixel(point.x, point.y));
        assert.ok(Math.abs(bar - background) > 0.1, `bar ${bar} vs background ${background}`);
      }
      await page.context().close();
    }
  }
});
