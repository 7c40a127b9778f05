// The integration suite that runs inside a real extension host: loaded by code-server through the
// workbench's `extensionTestsPath` (test/vscode/*.test.ts) or by @vscode/test-electron
// (runElectron.ts). `PARALLEL_PROFILER_SUITE` selects the suite: `trusted` (the default), `untrusted`
// (restricted mode) or `python-extension` (with the Python extension stand-in loaded too).
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 180_000, color: false });
  const which = process.env.PARALLEL_PROFILER_SUITE ?? 'trusted';
  mocha.addFile(path.join(__dirname, `${which}.suite.js`));
  return new Promise((resolve, reject) => {
    mocha.run((failures) =>
      failures ? reject(new Error(`${failures} integration tests failed`)) : resolve(),
    );
  });
}
