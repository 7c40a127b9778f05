/**
 * Level of detail on a synthetic trace (scripts/synthetic-trace.ts): sub-pixel spans are merged into
 * "many events" marks but never dropped, arrows are limited to the selection when there are many,
 * filters dim what does not match, and missing core data is said out loud.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { syntheticTrace } from '../../scripts/synthetic-trace';
import { launchChromium, openReport, removeTempPages, settle } from './chromium';
import { timeline } from './timeline-page';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  removeTempPages();
});

const trace = syntheticTrace({ events: 20_000, workers: 8, cpuCount: 4 });

test('zoomed out, every task is drawn as a bar or inside a "many events" mark', async () => {
  const { page, errors } = await openReport(browser, trace);
  const view = await timeline(page);
  const processes = view.lanes.filter((l) => l.kind === 'process');
  assert.equal(processes.length, trace.processes.length);
  const drawn = processes.reduce((n, l) => n + l.bars + l.mergedEvents, 0);
  assert.equal(drawn, trace.tasks.length);
  assert.ok(
    processes.some((l) => l.mergedMarks > 0),
    'dense lanes are merged',
  );
  assert.equal(view.lanes.filter((l) => l.kind === 'core').length, 4);
  // Zoomed in, the same bookkeeping holds for what is visible.
  for (let i = 0; i < 12; i++) await page.keyboard.press('w');
  await settle(page);
  const zoomed = await timeline(page);
  const { startNs, endNs } = zoomed.visibleRange!;
  const visible = trace.tasks.filter((t) => t.endNs >= startNs && t.startNs <= endNs).length;
  const shown = zoomed.lanes
    .filter((l) => l.kind === 'process')
    .reduce((n, l) => n + l.bars + l.mergedEvents, 0);
  assert.equal(shown, visible);
  assert.ok(visible > 0 && visible < trace.tasks.length);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('with many messages, arrows are drawn only for the selected process', async () => {
  const { page } = await openReport(browser, trace);
  let view = await timeline(page);
  assert.equal(view.arrowsDrawn, 0);
  assert.equal(view.arrowsHidden, trace.messages.length);
  assert.match(view.status, /arrows hidden/);
  const worker = view.lanes.find((l) => l.kind === 'process' && l.label.includes('Worker-3'))!;
  const canvas = (await page.locator('canvas').boundingBox())!;
  await page.mouse.click(canvas.x + 60, worker.clientY);
  await page.mouse.move(canvas.x + 60, canvas.y + canvas.height - 5);
  await settle(page);
  view = await timeline(page);
  assert.equal(view.selection?.kind, 'process');
  const involved = trace.messages.filter(
    (m) => m.sendPid === worker.pid || m.recvPid === worker.pid,
  );
  assert.equal(view.arrowsDrawn, involved.length);
  assert.equal(view.arrowsHidden, trace.messages.length - involved.length);
  await page.context().close();
});

test('the filter keeps matching functions and processes and the legend sets it', async () => {
  const { page } = await openReport(browser, trace);
  const count = (match: (t: (typeof trace.tasks)[number]) => boolean) =>
    trace.tasks.filter(match).length;
  assert.equal((await timeline(page)).filterMatches, trace.tasks.length);
  await page.locator('.legend-item', { hasText: 'checksum' }).click();
  let view = await timeline(page);
  assert.equal(view.filter, 'checksum');
  assert.equal(
    view.filterMatches,
    count((t) => t.fn.name === 'checksum'),
  );
  const worker = trace.processes.find((p) => p.name === 'SpawnPoolWorker-3')!;
  await page.locator('.filter').fill('worker-3');
  view = await timeline(page);
  assert.equal(
    view.filterMatches,
    count((t) => t.pid === worker.pid),
  );
  await page.locator('.filter').fill('');
  assert.equal((await timeline(page)).filterMatches, trace.tasks.length);
  await page.context().close();
});

test('without core data there are no core lanes and the panel says why', async () => {
  const reason = 'no /proc on this platform (darwin)';
  const withoutCores = {
    ...syntheticTrace({ events: 2_000, workers: 4 }),
  };
  withoutCores.cores = { ...withoutCores.cores, available: false, reason, samples: [] };
  const { page } = await openReport(browser, withoutCores);
  const view = await timeline(page);
  assert.equal(view.lanes.filter((l) => l.kind === 'core' || l.kind === 'parallelism').length, 0);
  assert.ok(view.notices.some((n) => n.includes(reason)));
  assert.match(view.header['achieved parallelism'], /tasks running/);
  await page.context().close();
});
