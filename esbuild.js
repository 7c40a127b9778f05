// Builds every bundle into dist/: the extension host (node/cjs, `vscode` external), the CLI (node/cjs),
// and the timeline webview (browser IIFE). Also copies the Python runtime and the webview CSS, so dist/
// holds everything the .vsix ships. `--watch` rebuilds on change. Type checking is `npm run typecheck`.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = __dirname;

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
};

const builds = [
  {
    ...common,
    entryPoints: [path.join(root, 'src/extension/extension.ts')],
    outfile: path.join(root, 'dist/extension.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outfile: path.join(root, 'dist/cli.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    entryPoints: [path.join(root, 'media/src/main.ts')],
    outfile: path.join(root, 'dist/webview.js'),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

/** Copies the Python runtime (without caches) and static webview assets into dist/. */
function copyAssets() {
  const runtimeOut = path.join(root, 'dist/runtime');
  fs.rmSync(runtimeOut, { recursive: true, force: true });
  fs.cpSync(path.join(root, 'src/runtime'), runtimeOut, {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !src.endsWith('.pyc'),
  });
  fs.copyFileSync(path.join(root, 'media/timeline.css'), path.join(root, 'dist/webview.css'));
}

async function main() {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  copyAssets();
  if (watch) {
    for (const options of builds) {
      const context = await esbuild.context(options);
      await context.watch();
    }
    console.log('esbuild: watching');
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
  fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
