// The .vsix as users get it: built by `npm run package`, checked file by file, its manifest checked,
// its bundled CLI run on its own, and installed into a fresh code-server (no development path) where
// the three tutorial examples are run from the command palette.
import { launchChromium } from '../browser/chromium';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { after, before, test } from 'node:test';
import * as os from 'os';
import * as path from 'path';
import { readTraceFile } from '../../src/tracefile/tracefile';
import {
  CodeServer,
  closeBrowser,
  extensionId,
  newWorkbenchPage,
  openWorkbench,
  makeWorkspace,
  repoRoot,
  runFromPalette,
} from '../vscode/codeServer';
import { canvasColours, runExampleFromPalette } from '../vscode/workbench';

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const vsix = path.join(repoRoot, `${manifest.name}-${manifest.version}.vsix`);
const examples = ['process_example.py', 'pool_example.py', 'queue_example.py'];

const required = [
  'extension/package.json',
  'extension/readme.md',
  'extension/changelog.md',
  'extension/LICENSE.txt',
  'extension/media/icon.png',
  'extension/dist/extension.js',
  'extension/dist/cli.js',
  'extension/dist/webview.js',
  'extension/dist/webview.css',
  'extension/dist/runtime/inject/sitecustomize.py',
];
const forbidden = [
  /\.map$/,
  /\.ts$/,
  /^extension\/(src|test|out|bench|scripts|docs|examples|node_modules)\//,
  /__pycache__|\.pyc$/,
  /tsconfig|eslint|prettier|esbuild\.js|\.vscodeignore|package-lock/,
];

let unpacked: string;

before(() => {
  execFileSync(process.execPath, ['scripts/package.js'], { cwd: repoRoot, stdio: 'inherit' });
  unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-vsix-'));
  execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
});

after(() => fs.rmSync(unpacked, { recursive: true, force: true }));

test('the .vsix holds what runs and nothing else', () => {
  const listing = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).trim().split('\n');
  const size = fs.statSync(vsix).size;
  console.log(`${path.basename(vsix)}: ${(size / 1024).toFixed(1)} KB, ${listing.length} files`);
  console.log(execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' }));
  for (const file of required) assert.ok(listing.includes(file), `missing ${file}`);
  for (const file of listing) {
    const rule = forbidden.find((pattern) => pattern.test(file));
    assert.equal(rule, undefined, `${file} must not ship (${rule})`);
  }
  const runtimeFiles = fs.readdirSync(path.join(repoRoot, 'src/runtime/inject'), {
    recursive: true,
  }) as string[];
  for (const file of runtimeFiles.filter((f) => f.endsWith('.py'))) {
    assert.ok(listing.includes(`extension/dist/runtime/inject/${file}`), `runtime file ${file}`);
  }
});

test('the shipped manifest is complete', () => {
  const shipped = JSON.parse(
    fs.readFileSync(path.join(unpacked, 'extension/package.json'), 'utf8'),
  );
  for (const field of ['publisher', 'displayName', 'description', 'license', 'repository']) {
    assert.ok(shipped[field], `manifest ${field}`);
  }
  assert.equal(`${shipped.publisher}.${shipped.name}`, extensionId);
  assert.equal(shipped.engines.vscode, '^1.100.0');
  assert.equal(shipped.main, './dist/extension.js');
  assert.equal(shipped.icon, 'media/icon.png');
  assert.deepEqual(shipped.extensionKind, ['workspace']);
  assert.equal(shipped.capabilities.untrustedWorkspaces.supported, 'limited');
  const keywords = ['python', 'multiprocessing', 'parallel', 'profiler', 'timeline', 'gantt'];
  for (const keyword of keywords) assert.ok(shipped.keywords.includes(keyword), keyword);
  const commands = shipped.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of ['run', 'stop', 'openTrace', 'exportPerfetto', 'exportHtml', 'saveTraceAs']) {
    assert.ok(commands.includes(`parallelProfiler.${id}`), id);
  }
  const editors = shipped.contributes.customEditors.map((e: { viewType: string }) => e.viewType);
  assert.deepEqual(editors, ['parallelProfiler.trace', 'parallelProfiler.traceJson']);
  const png = fs.readFileSync(path.join(unpacked, 'extension/media/icon.png'));
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'icon is 128x128');
});

test('the CLI inside the .vsix records an example on its own', () => {
  const output = path.join(unpacked, 'pool.pptrace');
  execFileSync(
    process.execPath,
    [
      path.join(unpacked, 'extension/dist/cli.js'),
      'record',
      '-o',
      output,
      path.join(repoRoot, 'examples/pool_example.py'),
    ],
    { cwd: unpacked, stdio: 'inherit' },
  );
  const trace = readTraceFile(output);
  assert.equal(trace.meta.exitCode, 0);
  assert.equal(trace.processes.filter((p) => p.role === 'pool-worker').length, 4);
  assert.equal(
    trace.tasks.reduce((sum, t) => sum + (t.items ?? 0), 0),
    5,
  );
});

test(
  'installed with --install-extension, it profiles the three examples from the palette',
  {
    timeout: 15 * 60_000,
  },
  async () => {
    const workspace = makeWorkspace(examples);
    const server = await CodeServer.start();
    const browser = await launchChromium();
    const page = await newWorkbenchPage(browser);
    try {
      const installed = await server.cli(['--install-extension', vsix]);
      assert.match(installed, /successfully installed/i);
      const list = await server.cli(['--list-extensions', '--show-versions']);
      assert.match(list, new RegExp(`${extensionId}@${manifest.version}`));

      await openWorkbench(page, server.url(workspace));
      const expected: Record<string, number> = {
        'process_example.py': 3,
        'pool_example.py': 5,
        'queue_example.py': 3,
      };
      for (const [example, processes] of Object.entries(expected)) {
        const stats = await runExampleFromPalette(page, example);
        assert.equal(stats.get('result'), 'exit 0', example);
        assert.ok(
          Number(stats.get('processes')) >= processes,
          `${example}: ${stats.get('processes')}`,
        );
        assert.ok((await canvasColours(page)) > 3, `${example}: lanes drawn`);
        await runFromPalette(page, 'View: Close All Editors');
      }
    } finally {
      await closeBrowser(browser, page);
      await server.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  },
);
