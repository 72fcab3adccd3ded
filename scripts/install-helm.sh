#!/usr/bin/env bash
# Installs the pinned Helm CLI into $(go env GOPATH)/bin from the Go module proxy.
# The cluster layer's tests render its local MongoDB chart with it.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.19.0}"

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: Go is required (go install helm.sh/helm/v3/cmd/helm@${HELM_VERSION})" >&2
  exit 1
fi

GOBIN_DIR="$(go env GOBIN)"
if [ -z "${GOBIN_DIR}" ]; then
  GOBIN_DIR="$(go env GOPATH)/bin"
fi
HELM_BIN="${GOBIN_DIR}/helm"

# A helm built by `go install` reports only "v3.19" from `helm version` (no release ldflags),
# so the module version recorded in the binary is what identifies the build.
installed_version() {
  go version -m "${HELM_BIN}" 2>/dev/null | awk '$1 == "mod" && $2 == "helm.sh/helm/v3" { print $3 }'
}

if [ -x "${HELM_BIN}" ] && [ "$(installed_version)" = "${HELM_VERSION}" ]; then
  echo "install-helm: ${HELM_BIN} is already ${HELM_VERSION}"
  exit 0
fi

echo "install-helm: installing helm ${HELM_VERSION} into ${GOBIN_DIR}"
go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
echo "install-helm: installed $(installed_version) at ${HELM_BIN}"
