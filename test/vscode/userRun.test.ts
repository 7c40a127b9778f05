// A user's view of a real VS Code (code-server in Chromium) with the extension under development:
// run "Run with parallel profiler" from the command palette, read the timeline inside the webview,
// reload the window, and handle a long run from the status bar. Saves a screenshot to test-results/;
// with UPDATE_SCREENSHOTS=1 also the README's copy, media/screenshots/vscode-run.png (not on every
// run, so a test run leaves the checkout clean).
import { launchChromium } from '../browser/chromium';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { after, before, test } from 'node:test';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import {
  CodeServer,
  closeBrowser,
  newWorkbenchPage,
  openWorkbench,
  makeWorkspace,
  repoRoot,
  runFromPalette,
  timelineFrame,
} from './codeServer';
import { HANGING_SCRIPT } from './fixtures';
import {
  canvasColours,
  clickFirstTask,
  openFile,
  runExampleFromPalette,
  timelineLanes,
  timelineStats,
} from './workbench';

let workspace: string;
let server: CodeServer;
let browser: Browser;
let page: Page;

before(async () => {
  workspace = makeWorkspace(['process_example.py', 'pool_example.py', 'queue_example.py']);
  // Present from the start: Quick Open does not list files created after its first search.
  fs.writeFileSync(path.join(workspace, 'hang.py'), HANGING_SCRIPT);
  server = await CodeServer.start();
  browser = await launchChromium();
  page = await newWorkbenchPage(browser);
  await openWorkbench(
    page,
    server.url(workspace, [['extensionDevelopmentPath', server.remoteUri(repoRoot)]]),
  );
});

after(async () => {
  if (browser) await closeBrowser(browser, page);
  await server?.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
});

test(
  'pool_example.py from the palette: timeline lanes, output, restored after reload',
  {
    timeout: 10 * 60_000,
  },
  async () => {
    const stats = await runExampleFromPalette(page, 'pool_example.py');
    assert.equal(stats.get('result'), 'exit 0');
    assert.ok(Number(stats.get('processes')) >= 5, `processes: ${stats.get('processes')}`);
    assert.ok((await canvasColours(page)) > 3, 'the lanes are drawn on the canvas');
    const lanes = await timelineLanes(page);
    const processLanes = lanes.filter((lane) => lane.kind === 'process');
    assert.equal(processLanes.length, Number(stats.get('processes')));
    assert.equal(processLanes.filter((lane) => lane.label.includes('PoolWorker')).length, 4);
    // Tasks too close to tell apart at this zoom are merged into one "many events" mark.
    const drawn = processLanes.reduce((sum, lane) => sum + lane.bars + lane.mergedEvents, 0);
    assert.equal(drawn, Number.parseInt(stats.get('tasks') ?? '', 10), 'every task is drawn');
    assert.ok(
      lanes.some((lane) => lane.kind === 'core'),
      'core lanes (Linux)',
    );
    // The terminal shows the program's own output.
    await page.locator('.terminal-wrapper', { hasText: '[1, 4, 9, 16, 25]' }).first().waitFor();

    // Selecting a task and "Go to source" opens its function in the editor.
    await clickFirstTask(page);
    await timelineFrame(page).getByRole('button', { name: 'Go to source' }).click();
    await page.locator('.statusbar-item', { hasText: 'Ln 4, Col 1' }).waitFor();
    assert.equal(
      await page.locator('.tab.active').first().getAttribute('data-resource-name'),
      'pool_example.py',
    );

    const results = path.join(repoRoot, 'test-results');
    fs.mkdirSync(results, { recursive: true });
    const shot = path.join(results, 'vscode-run.png');
    await page.screenshot({ path: shot });
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      fs.copyFileSync(shot, path.join(repoRoot, 'media/screenshots/vscode-run.png'));
    }

    // After a window reload the panel comes back, showing the run's saved trace.
    const reloaded = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
    await runFromPalette(page, 'Developer: Reload Window');
    await reloaded;
    await timelineFrame(page)
      .locator('header.summary .stat-label', { hasText: 'result' })
      .waitFor({ timeout: 120_000 });
    const restored = await timelineStats(page);
    assert.equal(restored.get('processes'), stats.get('processes'));
    assert.equal(restored.get('tasks'), stats.get('tasks'));
  },
);

test(
  'a long run: live status bar, running again asks first, Stop from the status bar',
  {
    timeout: 10 * 60_000,
  },
  async () => {
    await runFromPalette(page, 'View: Close All Editors');
    await openFile(page, 'hang.py');
    await runFromPalette(page, 'Parallel Profiler: Run with parallel profiler');
    const status = page.locator('.statusbar-item', { hasText: 'Profiling hang.py' });
    await status.filter({ hasText: '3 processes' }).waitFor({ timeout: 120_000 });

    // Running again while the first run is going asks to stop it.
    await openFile(page, 'hang.py');
    await runFromPalette(page, 'Parallel Profiler: Run with parallel profiler');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.filter({ hasText: 'already running' }).waitFor();
    await dialog.getByRole('button', { name: 'Stop and run' }).click();
    // Until the second run opens its panel the status bar may still show the first run's counts.
    await page.locator('.tab', { hasText: 'Timeline: hang.py' }).nth(1).waitFor();
    await status.filter({ hasText: '3 processes' }).waitFor({ timeout: 120_000 });

    // The status bar item stops the run and everything it started.
    await status.click();
    await status.waitFor({ state: 'detached', timeout: 60_000 });
    await timelineFrame(page)
      .locator('header.summary .stat-label', { hasText: 'result' })
      .waitFor({ timeout: 60_000 });
    const stats = await timelineStats(page);
    assert.equal(stats.get('processes'), '3');
    await page.locator('.terminal-wrapper', { hasText: 'stopped by the user' }).first().waitFor();
  },
);
