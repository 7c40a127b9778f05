#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine with Node 20 and Python 3:
# npm packages, Debian's chromium (browser tests), and a real VS Code from the npm package code-server
# (scripts/install-code-server.sh, cached outside the repo). `--ensure` skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

ensure=false
[ "${1:-}" = "--ensure" ] && ensure=true

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
command -v g++ >/dev/null 2>&1 || need_apt+=(build-essential)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "setup: please install these Debian packages: ${need_apt[*]}" >&2
    exit 1
  fi
  sudo_cmd=""
  [ "$(id -u)" != 0 ] && sudo_cmd=sudo
  echo "setup: installing ${need_apt[*]}"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${need_apt[@]}"
fi

if [ "$ensure" = false ] || [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

if [ -f scripts/install-code-server.sh ]; then
  bash scripts/install-code-server.sh
fi
