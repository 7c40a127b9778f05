/**
 * Trace strings are untrusted: names with markup or `</script>` are shown as text and run nothing,
 * in the inlined JSON of the HTML report as much as in the canvas and panels.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium, openReport, removeTempPages, settle } from './chromium';
import { clientX, recordedTrace, taskPoint, timeline } from './timeline-page';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  removeTempPages();
});

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '</script><script>window.__pwned=2</script>';
const COMMENT = '<!--<script>window.__pwned=3</script>';

test('names with markup and </script> are rendered as text and run nothing', async () => {
  const trace = recordedTrace('pool_example');
  const worker = trace.processes.find((p) => p.role === 'pool-worker')!;
  worker.name = SCRIPT;
  for (const task of trace.tasks) task.fn = { ...task.fn, name: IMG, module: COMMENT };
  trace.tasks[0].ok = false;
  trace.tasks[0].error = { type: IMG, message: SCRIPT };
  trace.channels[0].label = IMG;
  trace.meta.warnings = [`${IMG} ${SCRIPT}`];
  const { page, errors } = await openReport(browser, trace);
  assert.equal(await page.evaluate('window.__pwned'), undefined);
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.locator('script').count(), 2, 'only the trace JSON and the bundle');
  const view = await timeline(page);
  assert.ok(view.notices.includes(`${IMG} ${SCRIPT}`));
  assert.ok(view.lanes.some((l) => l.label === `${SCRIPT} (${worker.pid})`));
  assert.ok(view.lanes.some((l) => l.kind === 'channel' && l.label.startsWith(IMG)));
  assert.match(await page.locator('.legend').innerText(), /<img src=x onerror="window.__pwned=1">/);

  // Details and tooltips show the text as it is.
  const first = trace.tasks.reduce((a, b) => (a.startNs < b.startNs ? a : b));
  const last = trace.tasks.reduce((a, b) => (a.endNs > b.endNs ? a : b));
  const lane = view.lanes.find((l) => l.kind === 'process')!;
  await page.mouse.move(await clientX(page, first.startNs - 1e6), lane.clientY);
  await page.keyboard.down('Shift');
  await page.mouse.down();
  await page.mouse.move(await clientX(page, last.endNs + 1e6), lane.clientY, { steps: 3 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await page.keyboard.press('f');
  await settle(page);
  const point = await taskPoint(page, trace.tasks[0].id);
  await page.mouse.move(point.x, point.y);
  await settle(page);
  assert.match(await page.locator('.tooltip').innerText(), /Failed task <img src=x/);
  await page.mouse.click(point.x, point.y);
  const details = await page.locator('.details').innerText();
  assert.ok(details.includes(`Failed task ${IMG}`));
  assert.ok(details.includes(SCRIPT));
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.evaluate('window.__pwned'), undefined);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the page CSP runs only scripts carrying the nonce', async () => {
  const { page } = await openReport(browser, recordedTrace('queue_example'));
  const csp = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
  assert.match(csp ?? '', /default-src 'none'/);
  assert.match(csp ?? '', /script-src 'nonce-[^']+'(;|$)/);
  // A script element added without the nonce (as injected markup would be) does not run.
  await page.evaluate(`(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__injected = 1';
    document.body.append(script);
  })()`);
  assert.equal(await page.evaluate('window.__injected'), undefined);
  await page.context().close();
});
