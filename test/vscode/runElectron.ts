// Runs the same integration suite under @vscode/test-electron, on machines that can download VS Code
// (`node out/test/vscode/runElectron.js` after `npm run compile-tests`). Not used on the offline CI,
// which runs the suite in code-server (extensionHost.test.ts).
import { runTests } from '@vscode/test-electron';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PYTHON_EXTENSION_STAND_IN, makeExtensionsFolder } from './extensionsFolder';

const root = path.resolve(__dirname, '../../..');
const examples = ['process_example.py', 'pool_example.py', 'queue_example.py'];

async function runSuite(which: 'trusted' | 'untrusted' | 'python-extension'): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-electron-'));
  const workspace = path.join(dir, 'workspace');
  const userData = path.join(dir, 'user-data');
  fs.mkdirSync(workspace);
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  examples.forEach((e) => fs.copyFileSync(path.join(root, 'examples', e), path.join(workspace, e)));
  const trust = which === 'untrusted';
  fs.writeFileSync(
    path.join(userData, 'User/settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': trust,
      'security.workspace.trust.startupPrompt': 'never',
    }),
  );
  // No installed extension but the Python extension's stand-in for its suite.
  const extensions =
    which === 'python-extension'
      ? [
          `--extensions-dir=${makeExtensionsFolder(path.join(dir, 'extensions'), [PYTHON_EXTENSION_STAND_IN])}`,
        ]
      : ['--disable-extensions'];
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(__dirname, 'suite/index'),
      extensionTestsEnv: { PARALLEL_PROFILER_SUITE: which },
      launchArgs: [
        workspace,
        `--user-data-dir=${userData}`,
        ...extensions,
        ...(trust ? [] : ['--disable-workspace-trust']),
      ],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runSuite('trusted')
  .then(() => runSuite('untrusted'))
  .then(() => runSuite('python-extension'))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
