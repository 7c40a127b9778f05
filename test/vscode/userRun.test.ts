// A user's view: open pool_example.py in a real VS Code (code-server in Chromium), run "Run with
// parallel profiler" from the command palette, and read the finished timeline inside the webview.
// Saves a screenshot to test-results/ and the README's copy to media/screenshots/vscode-run.png.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { test } from 'node:test';
import * as path from 'path';
import {
  CodeServer,
  closeBrowser,
  launchBrowser,
  makeWorkspace,
  repoRoot,
  runFromPalette,
  timelineFrame,
} from './codeServer';
import { canvasColours, runExampleFromPalette, timelineLanes, timelineStats } from './workbench';

const examples = ['process_example.py', 'pool_example.py', 'queue_example.py'];

test(
  'a user runs pool_example.py from the palette and sees its timeline',
  { timeout: 10 * 60_000 },
  async () => {
    const workspace = makeWorkspace(examples);
    const server = await CodeServer.start();
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await page.goto(
        server.url(workspace, [['extensionDevelopmentPath', server.remoteUri(repoRoot)]]),
      );
      const stats = await runExampleFromPalette(page, 'pool_example.py');
      assert.equal(stats.get('result'), 'exit 0');
      assert.ok(Number(stats.get('processes')) >= 5, `processes: ${stats.get('processes')}`);
      assert.ok(
        Number.parseInt(stats.get('tasks') ?? '0', 10) >= 1,
        `tasks: ${stats.get('tasks')}`,
      );
      assert.ok((await canvasColours(page)) > 3, 'the lanes are drawn on the canvas');
      const lanes = await timelineLanes(page);
      const processLanes = lanes.filter((lane) => lane.kind === 'process');
      assert.equal(processLanes.length, Number(stats.get('processes')));
      assert.equal(processLanes.filter((lane) => lane.label.includes('PoolWorker')).length, 4);
      const bars = processLanes.reduce((sum, lane) => sum + lane.bars, 0);
      assert.equal(bars, Number.parseInt(stats.get('tasks') ?? '', 10), 'every task is a bar');
      assert.ok(
        lanes.some((lane) => lane.kind === 'core'),
        'core lanes (Linux)',
      );
      // The terminal shows the program's own output.
      await page.locator('.terminal-wrapper', { hasText: '[1, 4, 9, 16, 25]' }).first().waitFor();

      const results = path.join(repoRoot, 'test-results');
      fs.mkdirSync(results, { recursive: true });
      const shot = path.join(results, 'vscode-run.png');
      await page.screenshot({ path: shot });
      fs.mkdirSync(path.join(repoRoot, 'media/screenshots'), { recursive: true });
      fs.copyFileSync(shot, path.join(repoRoot, 'media/screenshots/vscode-run.png'));

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
    } finally {
      await closeBrowser(browser, page);
      await server.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  },
);
