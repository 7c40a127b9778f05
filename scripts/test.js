// The whole test suite (`npm test`), or some layers of it (`npm test -- unit browser`).
// Layers: lint (eslint, prettier, tsc), unit (vscode-free modules), runtime (real Python interpreters),
// browser (the timeline in headless Chromium), vscode (the extension in a real VS Code from code-server),
// package (the .vsix). All test files run under Node's test runner in one invocation, so the last lines
// printed are its totals.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const allLayers = ['unit', 'runtime', 'browser', 'vscode', 'package'];
const asked = process.argv.slice(2);
const layers = asked.length ? asked : ['lint', ...allLayers];

function run(command, args, options = {}) {
  console.log(`\n> ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(
      `test: '${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`,
    );
    process.exit(result.status || 1);
  }
}

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
}

const npx = (args) => run('npx', ['--no-install', ...args]);

if (layers.some((l) => l === 'browser' || l === 'vscode' || l === 'package')) {
  run('bash', ['scripts/setup.sh', '--ensure']);
}
if (layers.includes('lint')) {
  npx(['eslint', '.']);
  npx(['prettier', '--check', '.']);
  run('npm', ['run', '--silent', 'typecheck']);
}
if (!layers.some((l) => allLayers.includes(l))) process.exit(0); // lint only
run('node', ['esbuild.js']);
fs.rmSync(path.join(root, 'out'), { recursive: true, force: true });
npx(['tsc', '-p', 'tsconfig.test.json']);

const files = layers
  .filter((l) => allLayers.includes(l))
  .flatMap((l) => testFiles(path.join(root, 'out/test', l)));
if (files.length === 0) {
  console.error('test: no test files found for layers ' + layers.join(', '));
  process.exit(1);
}
run('node', ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files]);
