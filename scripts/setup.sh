#!/usr/bin/env bash
# One-time setup of a development or CI machine (Debian/Ubuntu with Node >= 20.19 and Go):
# pnpm, the workspace's packages, and the real servers and tools the tests run
# (FerretDB, Prometheus + promtool, Helm, actionlint). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2

if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  npm install --global "pnpm@$PNPM_VERSION"
fi
pnpm install --frozen-lockfile

# Prometheus and promtool: the observability tests run every dashboard query and alert against a real server.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package starts a system service; the tests run their own Prometheus on a free port.
    $sudo_cmd systemctl disable --now prometheus >/dev/null 2>&1 || true
  else
    echo "setup: install Prometheus (prometheus and promtool on PATH) for the observability tests" >&2
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is needed to build FerretDB, Helm and actionlint (https://go.dev/dl/)" >&2
  exit 1
fi
bash scripts/install-ferretdb.sh
bash scripts/install-helm.sh
bash scripts/install-actionlint.sh
