#!/usr/bin/env bash
# Builds the CRM API and writes its production bundle to DIR: dist/, package.json and production
# node_modules only. The Dockerfile, the end-to-end tests and the benchmark all run this same bundle.
set -euo pipefail
out="${1:?usage: bundle-server.sh DIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
pnpm --filter @cloudops-crm/server build >/dev/null
rm -rf "$out"
pnpm --filter @cloudops-crm/server deploy --prod --offline "$out" >/dev/null 2>&1 ||
  pnpm --filter @cloudops-crm/server deploy --prod "$out" >/dev/null
echo "$out"
