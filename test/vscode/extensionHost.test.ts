// Runs the integration suite (test/vscode/suite) inside a real VS Code extension host: code-server
// loads this repository as the extension under development and the suite as `extensionTestsPath`,
// the way @vscode/test-electron does; the workbench reports the suite's exit code to the page.
import { launchChromium } from '../browser/chromium';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { test } from 'node:test';
import * as path from 'path';
import { format } from 'util';
import {
  CodeServer,
  closeBrowser,
  makeWorkspace,
  newWorkbenchPage,
  openWorkbench,
  repoRoot,
} from './codeServer';
import { PYTHON_EXTENSION_STAND_IN } from './extensionsFolder';

const examples = ['process_example.py', 'pool_example.py', 'queue_example.py'];
const suiteIndex = path.join(repoRoot, 'out/test/vscode/suite/index.js');

/** Loads the suite in a fresh code-server window and resolves with its exit code and log. */
async function runSuite(
  which: 'trusted' | 'untrusted' | 'python-extension',
): Promise<{ code: number; log: string }> {
  const workspace = makeWorkspace(examples);
  const server = await CodeServer.start({
    workspaceTrust: which === 'untrusted',
    env: { PARALLEL_PROFILER_SUITE: which },
    // The workbench takes one extensionDevelopmentPath, so the stand-in is installed instead.
    extensions: which === 'python-extension' ? [PYTHON_EXTENSION_STAND_IN] : [],
  });
  const browser = await launchChromium();
  const page = await newWorkbenchPage(browser);
  const lines: string[] = [];
  try {
    let reportExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...args);
      lines.push(line);
      console.log(`  [extension host] ${line}`);
    });
    await openWorkbench(
      page,
      server.url(workspace, [
        ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
        ['extensionTestsPath', server.remoteUri(suiteIndex)],
      ]),
    );
    const code = await exited;
    return { code, log: lines.join('\n') };
  } finally {
    await closeBrowser(browser, page);
    await server.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

test('the integration suite passes in a trusted workspace', { timeout: 20 * 60_000 }, async () => {
  const { code, log } = await runSuite('trusted');
  assert.match(log, /passing/);
  assert.equal(code, 0, 'the suite failed; its output is above');
});

test(
  'restricted mode: viewing works, running explains trust',
  { timeout: 10 * 60_000 },
  async () => {
    const { code, log } = await runSuite('untrusted');
    assert.match(log, /passing/);
    assert.equal(code, 0, 'the suite failed; its output is above');
  },
);

test(
  'with the Python extension (its API stand-in): its interpreter choice is used',
  { timeout: 10 * 60_000 },
  async () => {
    const { code, log } = await runSuite('python-extension');
    assert.match(log, /passing/);
    assert.equal(code, 0, 'the suite failed; its output is above');
  },
);
