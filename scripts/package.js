// `npm run package`: production bundles, then `vsce package` into parallel-profiler-<version>.vsix.
// vsce rewrites README links relative to the repository; it only guesses that for GitHub/GitLab, so
// the base URLs are derived here from package.json's `repository.url`.
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const manifest = require('../package.json');
const repository = manifest.repository.url.replace(/\.git$/, '');
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, ['esbuild.js', '--production']);
run('npx', [
  '--no-install',
  'vsce',
  'package',
  '--no-dependencies',
  '--baseContentUrl',
  `${repository}/blob/HEAD`,
  '--baseImagesUrl',
  `${repository}/raw/HEAD`,
  '--out',
  `${manifest.name}-${manifest.version}.vsix`,
]);
