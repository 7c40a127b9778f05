/**
 * The diagnosis panel mounted beside the timeline: the HTML report of a recorded run shows the figures
 * and findings of diagnose(), clicking a finding's evidence zooms the timeline to it and selects its
 * process, and in the VS Code webview "open source" posts goToSource (in the report it is text).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { diagnose } from '../../src/analysis/diagnose';
import {
  launchChromium,
  openReport,
  openWebview,
  posted,
  postToWebview,
  removeTempPages,
  settle,
} from './chromium';
import { recordedTrace, timeline } from './timeline-page';

interface DiagnosisView {
  findings: { id: string; title: string; location: string | null; ranges: number }[];
  efficiency: number;
  parallelism: number;
  serialFraction: number;
}

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  removeTempPages();
});

// Recorded by `node dist/cli.js record` from examples/diagnose/load_imbalance.py: one straggler.
const trace = recordedTrace('load_imbalance');
const expected = diagnose(trace);

/** The diagnosis the page shows, once diagnose() has run (it runs after the first frame). */
async function shown(page: Page): Promise<DiagnosisView> {
  await page.waitForFunction('window.__timeline.diagnosis !== null');
  return page.evaluate('window.__timeline.diagnosis') as Promise<DiagnosisView>;
}

function visibleRange(page: Page): Promise<{ startNs: number; endNs: number }> {
  return page.evaluate('window.__timeline.visibleRange') as Promise<{
    startNs: number;
    endNs: number;
  }>;
}

test('the report shows the diagnosis beside the timeline with its figures and findings', async () => {
  assert.ok(expected.findings.length > 0, 'the recorded run has a finding to show');
  const { page, errors } = await openReport(browser, trace);
  const view = await shown(page);
  assert.ok(view);
  assert.equal(view.efficiency, expected.scaling.efficiency);
  assert.equal(view.parallelism, expected.scaling.parallelism);
  assert.deepEqual(
    view.findings.map((f) => f.title),
    expected.findings.map((f) => f.title),
  );
  assert.equal(view.findings[0].id, '1-load-imbalance');
  const first = expected.findings[0];
  assert.equal(view.findings[0].location, `${first.location?.file}:${first.location?.line}`);

  const panel = page.locator('.side .diagnosis');
  assert.ok(await panel.isVisible());
  const text = (await panel.textContent()) ?? '';
  assert.match(
    text,
    new RegExp(`Work efficiency${(expected.scaling.efficiency * 100).toFixed(0)} %`),
  );
  assert.match(text, /Findings \(\d+\)/);
  assert.match(text, /Load imbalance in simulate/);
  // No host to open files in: the location is plain text with the file name and line.
  const location = page.locator('.diagnosis-finding').first().locator('.diagnosis-location');
  assert.equal(await location.locator('button').count(), 0);
  assert.match((await location.textContent()) ?? '', /simulate \(load_imbalance\.py:\d+\)/);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test("clicking a finding's evidence zooms the timeline to that range and selects its process", async () => {
  const { page } = await openReport(browser, trace);
  const before = await visibleRange(page);
  const range = expected.findings[0].ranges[0];
  await page
    .locator('.diagnosis-finding')
    .first()
    .getByText(/^Show on timeline/)
    .click();
  await settle(page);
  const after = await visibleRange(page);
  const span = range.endNs - range.startNs;
  assert.ok(after.endNs - after.startNs < before.endNs - before.startNs, 'zoomed in');
  assert.ok(Math.abs(after.startNs - range.startNs) < span * 0.01, `start ${after.startNs}`);
  assert.ok(Math.abs(after.endNs - range.endNs) < span * 0.01, `end ${after.endNs}`);
  if (range.pid !== undefined) {
    const selection = (await page.evaluate('window.__timeline.selection')) as {
      kind: string;
      fields: Record<string, string>;
    };
    assert.equal(selection.kind, 'process');
    assert.equal(selection.fields.pid, String(range.pid));
  }
  await page.context().close();
});

test('in the VS Code webview "open source" on a finding posts goToSource', async () => {
  const { page, errors } = await openWebview(browser);
  await postToWebview(page, { type: 'snapshot', trace, live: false });
  const location = expected.findings[0].location;
  assert.ok(location?.file);
  await page.locator('.diagnosis-finding').first().locator('.diagnosis-location button').click();
  const messages = await posted(page);
  assert.deepEqual(
    messages.filter((m) => m.type === 'goToSource'),
    [{ type: 'goToSource', file: location.file, line: location.line }],
  );
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('header and panel efficiencies say what they count, and the process table fits any panel width', async () => {
  const cpuParallelism = expected.scaling.cpuParallelism;
  assert.ok(cpuParallelism !== null, 'the recorded run has /proc core samples');
  const cpuPercent = `${((100 * cpuParallelism) / expected.scaling.cores).toFixed(0)} %`;
  for (const width of [1400, 900, 600]) {
    const { page, errors } = await openReport(browser, trace, {
      viewport: { width, height: 800 },
    });
    await shown(page);
    const view = await timeline(page);
    assert.ok(view.header['CPU efficiency'].startsWith(cpuPercent), view.header['CPU efficiency']);
    const title = await page.locator('.stat', { hasText: 'CPU efficiency' }).getAttribute('title');
    assert.match(title ?? '', /\/proc/);
    assert.match(title ?? '', /work efficiency counts only busy time/);
    const panel = (await page.locator('.side .diagnosis').textContent()) ?? '';
    assert.match(panel, new RegExp(`CPU efficiency \\(header, from /proc\\): ${cpuPercent}`));
    const table = (await page.evaluate(`(() => {
      const box = document.querySelector('.diagnosis-table-box');
      const side = document.querySelector('.side').getBoundingClientRect();
      const names = [...box.querySelectorAll('tr td:first-child')].map((td) => {
        const r = td.getBoundingClientRect();
        return r.right <= side.right + 0.5 && r.left >= side.left - 0.5;
      });
      return {
        inside: box.getBoundingClientRect().right <= side.right + 0.5,
        noScrollNeeded: box.scrollWidth <= box.clientWidth + 1,
        names,
      };
    })()`)) as { inside: boolean; noScrollNeeded: boolean; names: boolean[] };
    assert.ok(table.inside, `table box inside the side panel at ${width} px`);
    assert.ok(table.noScrollNeeded, `table fits without scrolling at ${width} px`);
    assert.ok(table.names.length > 0 && table.names.every(Boolean), 'every process name visible');
    assert.deepEqual(errors, []);
    await page.context().close();
  }
});
