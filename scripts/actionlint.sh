#!/usr/bin/env bash
# Lints the GitHub workflows with actionlint (and shellcheck for run: scripts, when it is installed).
set -euo pipefail

cd "$(dirname "$0")/.."

find_actionlint() {
  if command -v actionlint >/dev/null 2>&1; then
    command -v actionlint
    return 0
  fi
  if command -v go >/dev/null 2>&1; then
    local gobin
    gobin="$(go env GOBIN)"
    [ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
    if [ -x "$gobin/actionlint" ]; then
      echo "$gobin/actionlint"
      return 0
    fi
  fi
  return 1
}

if ! actionlint_bin="$(find_actionlint)"; then
  echo "actionlint not found; install it with scripts/install-actionlint.sh" >&2
  exit 127
fi

exec "$actionlint_bin" -no-color "$@"
