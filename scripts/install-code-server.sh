#!/usr/bin/env bash
# Installs a real VS Code (the npm package code-server, VS Code 1.100.3, runs on Node 20) into a cache
# outside the repository, using only the npm registry and Debian packages (chromium, ripgrep,
# build-essential, libkrb5-dev). code-server's own postinstall downloads ripgrep from the internet, so
# the steps are done by hand with scripts disabled (see the VS Code e2e notes in the docs).
# Prints the install folder on its last line. Skips the work when a working install is already there.
set -euo pipefail

version=4.100.3
dir="${PARALLEL_PROFILER_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parallel-profiler/code-server-$version}"
entry="$dir/node_modules/code-server/out/node/entry.js"

works() {
  [ -f "$dir/.complete" ] && node "$entry" --version 2>/dev/null | grep -q "$version"
}

if works; then
  echo "code-server $version: already installed"
  echo "$dir"
  exit 0
fi

echo "code-server $version: installing into $dir (a few minutes)"
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
echo '{"name":"code-server-cache","private":true}' >package.json
quiet=(--no-audit --no-fund --loglevel=error)

npm install "${quiet[@]}" --ignore-scripts "code-server@$version"

vscode="$dir/node_modules/code-server/lib/vscode"
(cd "$vscode" && npm install "${quiet[@]}" --unsafe-perm --omit=dev --ignore-scripts)
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
ln -sf "$(command -v rg)" "$vscode/node_modules/@vscode/ripgrep/bin/rg"
# Only the native modules the server needs; kerberos (unused here) is skipped.
(cd "$vscode" && npm_config_yes=true npm rebuild --unsafe-perm \
  node-pty @vscode/spdlog native-watchdog @vscode/deviceid @parcel/watcher)
ln -sfn node_modules "$vscode/node_modules.asar"
ln -sf code-linux.sh "$vscode/bin/remote-cli/code-server"
ln -sf browser-linux.sh "$vscode/bin/helpers/browser.sh"
(cd "$vscode/extensions" && npm install "${quiet[@]}" --unsafe-perm --omit=dev)
npm rebuild argon2

if ! node "$entry" --version | grep -q "$version"; then
  echo "code-server $version: the install does not start" >&2
  exit 1
fi
touch "$dir/.complete"
echo "code-server $version: installed"
echo "$dir"
