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

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is needed to build FerretDB, Helm and actionlint (https://go.dev/dl/)" >&2
  exit 1
fi
bash scripts/install-ferretdb.sh
bash scripts/install-helm.sh
bash scripts/install-actionlint.sh
