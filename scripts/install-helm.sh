#!/usr/bin/env bash
# Installs the pinned Helm CLI into the Go bin directory from the Go module proxy, unless that version is there.
# The cluster layer's tests render its local MongoDB chart with it.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

HELM_VERSION="${HELM_VERSION:-v3.19.0}"
if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: Go is required (go install helm.sh/helm/v3/cmd/helm@${HELM_VERSION})" >&2
  exit 1
fi
HELM_BIN="$(go_bin_dir)/helm"

# A helm built by `go install` reports only "v3.19" from `helm version` (no release ldflags),
# so the module version recorded in the binary is what identifies the build.
installed_version() {
  go version -m "${HELM_BIN}" 2>/dev/null | awk '$1 == "mod" && $2 == "helm.sh/helm/v3" { print $3 }'
}

if [ -x "${HELM_BIN}" ] && [ "$(installed_version)" = "${HELM_VERSION}" ]; then
  progress "helm: ${HELM_VERSION} already installed (${HELM_BIN})"
  exit 0
fi
progress "helm: building ${HELM_VERSION} with Go (first time: about 2-3 minutes)"
go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
progress "helm: $(installed_version) installed at ${HELM_BIN}"
