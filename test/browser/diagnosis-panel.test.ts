/**
 * The diagnosis panel in headless Chromium: it shows the figures and ranked findings of a real
 * diagnose() result, reveals evidence ranges and opens sources on click, and keeps hostile names as
 * text.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { diagnose } from '../../src/analysis/diagnose';
import type { Diagnosis } from '../../src/analysis/types';
import { fn, makeTrace, proc, task, wait } from '../unit/analysis-trace';
import { launchChromium } from './chromium';

const root = path.join(__dirname, '..', '..', '..');
let browser: Browser;
let bundle: string;

before(async () => {
  const built = await esbuild.build({
    stdin: {
      contents:
        "import { renderDiagnosisPanel } from './media/src/diagnosis/panel';\n" +
        'Object.assign(window, { renderDiagnosisPanel });',
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  });
  bundle = built.outputFiles[0].text;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** Two workers: one straggler task, and a function whose name is markup. */
function diagnosis(): Diagnosis {
  const hostile = fn('<img src=x onerror="window.__pwned=1">', 3);
  return diagnose(
    makeTrace(100, {
      processes: [
        proc(100, 'main', 0, 100),
        proc(201, 'pool-worker', 1, 99),
        proc(202, 'pool-worker', 1, 99),
      ],
      tasks: [
        task(201, 5, 15, hostile),
        task(202, 5, 15, hostile),
        task(201, 15, 25, hostile),
        task(202, 15, 95, hostile),
      ],
      waits: [wait(100, 'result', 2, 98)],
    }),
  );
}

async function render(d: Diagnosis): Promise<Page> {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><body><div id="panel"></div></body>');
  await page.addScriptTag({ content: bundle });
  // A string, not a function: these tests compile without the DOM library.
  await page.evaluate(`
    window.__revealed = [];
    window.__opened = [];
    window.renderDiagnosisPanel(
      document.getElementById('panel'),
      ${JSON.stringify(d)},
      (range) => window.__revealed.push(range),
      (file, line) => window.__opened.push([file, line]),
    );
  `);
  return page;
}

test('the panel lists the findings with evidence, fix and figures', async () => {
  const d = diagnosis();
  const page = await render(d);
  const items = await page.locator('.diagnosis-finding').allTextContents();
  assert.equal(items.length, d.findings.length);
  assert.equal(d.findings[0].kind, 'load-imbalance');
  assert.match(items[0], /Load imbalance/);
  assert.match(items[0], /Fix: /);
  assert.match(items[0], /mean idle tail per worker/);
  const text = await page.locator('#panel').textContent();
  assert.match(text ?? '', new RegExp(`Parallelism${d.scaling.parallelism.toFixed(2)}`));
  assert.equal(await page.locator('.diagnosis-bar').count(), 3);
  await page.close();
});

test('clicks reveal the evidence ranges in turn and open the source', async () => {
  const d = diagnosis();
  const page = await render(d);
  const show = page
    .locator('.diagnosis-finding')
    .first()
    .getByText(/Show on timeline/);
  await show.click();
  await show.click();
  await page.locator('.diagnosis-location button').first().click();
  await page.locator('.diagnosis-bar').nth(1).locator('.diagnosis-running').click();
  const revealed = (await page.evaluate('window.__revealed')) as unknown[];
  assert.deepEqual(revealed.slice(0, 2), d.findings[0].ranges.slice(0, 2));
  const worker = d.processes[1].categories.running.intervals;
  assert.ok(worker.some((r) => JSON.stringify(r) === JSON.stringify(revealed[2])));
  const opened = await page.evaluate('window.__opened');
  assert.deepEqual(opened, [['/tmp/app.py', 3]]);
  await page.close();
});

test('names from the trace stay text', async () => {
  const page = await render(diagnosis());
  assert.equal(await page.locator('#panel img').count(), 0);
  assert.equal(await page.evaluate('window.__pwned'), undefined);
  assert.match(
    (await page.locator('.diagnosis-finding').first().textContent()) ?? '',
    /<img src=x/,
  );
  await page.close();
});
