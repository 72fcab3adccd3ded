#!/usr/bin/env bash
# Installs actionlint from the Go module proxy unless the pinned version is already on PATH or in GOPATH/bin.
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-1.7.7}"

installed_version() {
  "$1" -version 2>/dev/null | head -n 1 | sed 's/^v//'
}

if command -v actionlint >/dev/null 2>&1 && [ "$(installed_version actionlint)" = "$ACTIONLINT_VERSION" ]; then
  echo "actionlint ${ACTIONLINT_VERSION} already on PATH: $(command -v actionlint)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is required to install actionlint (https://go.dev/dl/)" >&2
  exit 1
fi

gobin="$(go env GOBIN)"
if [ -z "$gobin" ]; then
  gobin="$(go env GOPATH)/bin"
fi

if [ -x "$gobin/actionlint" ] && [ "$(installed_version "$gobin/actionlint")" = "$ACTIONLINT_VERSION" ]; then
  echo "actionlint ${ACTIONLINT_VERSION} already installed: $gobin/actionlint"
else
  go install "github.com/rhysd/actionlint/cmd/actionlint@v${ACTIONLINT_VERSION}"
  echo "Installed actionlint ${ACTIONLINT_VERSION} to $gobin/actionlint"
fi

# Make it visible to later steps of a GitHub Actions job.
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$gobin" >>"$GITHUB_PATH"
fi
