#!/usr/bin/env bash
# Builds the live cluster's and the live Pulumi runs' tools from the Go module proxy, once, into a cache keyed by
# tools/live/versions.env and the build modules in tools/live/*/ (their go.mod/go.sum pin the rest):
#   etcd, kwok, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
#   pulumi, pulumi-language-nodejs (a front for the v3.68.0 host beside it), pulumi-resource-kubernetes,
# and installs beside them pulumi-resource-pulumi-nodejs (tools/live/dynamic-provider), the dynamic provider
# plugin the official CLI ships as a script and a CLI built from source lacks.
# The first build takes about 20 minutes on an idle 2-core machine (13 GB of Go caches); a second run finds
# everything built and only says where it is. Builds run under `nice` so the machine stays usable meanwhile.
#
#   scripts/install-live-tools.sh            build what is missing, print the bin directory at the end
#   scripts/install-live-tools.sh --bin-dir  print the bin directory only (built or not)
#   scripts/install-live-tools.sh --check [TOOL...]
#                                            exit 0 when every tool (or those named) is built, 1 otherwise
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source tools/live/versions.env

LIVE_DIR=tools/live
mode="${1:-build}"

# The key covers every pin: the versions file and the build modules' go.mod/go.sum, plus the Go release, which
# decides what the binaries are built with. Comments are left out: rewording one rebuilds nothing.
cache_key() {
  {
    cat "$LIVE_DIR/versions.env" "$LIVE_DIR"/*/go.mod "$LIVE_DIR"/*/go.sum | grep -Ev '^[[:space:]]*(#|//|$)'
    # The Go source written here (the language host's front) is built too.
    find "$LIVE_DIR" -name '*.go' ! -name tools.go | LC_ALL=C sort | xargs cat | grep -Ev '^[[:space:]]*(//|$)'
    go env GOVERSION
  } | sha256sum | cut -c1-16
}

command -v go >/dev/null 2>&1 || {
  echo "install-live-tools: Go is required to build the live tools (https://go.dev/dl/)" >&2
  exit 1
}
BIN_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/cloudops-crm/live-tools/$(cache_key)/bin"

# tool name -> the binaries it provides; a tool counts as built when all of them are there.
declare -A PROVIDES=(
  [etcd]="etcd"
  [kwok]="kwok"
  [kubernetes]="kube-apiserver kube-controller-manager kube-scheduler kubectl"
  [pulumi]="pulumi"
  [pulumi-language-nodejs]="pulumi-language-nodejs pulumi-language-nodejs-$PULUMI_LANGUAGE_NODEJS_VERSION"
  [pulumi-kubernetes]="pulumi-resource-kubernetes"
  [pulumi-nodejs-dynamic]="pulumi-resource-pulumi-nodejs"
)
# Cheapest first, and the cluster's tools before Pulumi's: an interrupted first build is useful sooner.
ORDER=(etcd kwok kubernetes pulumi-nodejs-dynamic pulumi-language-nodejs pulumi pulumi-kubernetes)

DYNAMIC_PROVIDER_LAUNCHER="$LIVE_DIR/dynamic-provider/pulumi-resource-pulumi-nodejs"

built() {
  local b
  for b in ${PROVIDES[$1]}; do [ -x "$BIN_DIR/$b" ] || return 1; done
  # The launcher is copied, not built, and stays out of the cache key (a new key rebuilds every tool): it counts
  # as built only while the installed copy is the same as its source, so an edit reinstalls it.
  [ "$1" != pulumi-nodejs-dynamic ] || cmp -s "$DYNAMIC_PROVIDER_LAUNCHER" "$BIN_DIR/pulumi-resource-pulumi-nodejs"
}

case "$mode" in
--bin-dir)
  echo "$BIN_DIR"
  exit 0
  ;;
--check)
  shift
  [ "$#" -gt 0 ] || set -- "${ORDER[@]}"
  for tool in "$@"; do built "$tool" || exit 1; done
  exit 0
  ;;
build) ;;
*)
  echo "usage: $0 [--bin-dir|--check]" >&2
  exit 2
  ;;
esac

# A build module that drifted from versions.env would build something else than the file says: refuse.
require_pin() { # require_pin MODULE_DIR "module version"
  grep -Eq "^[[:space:]]*(require )?$2( // indirect)?\$" "$LIVE_DIR/$1/go.mod" || {
    echo "install-live-tools: $LIVE_DIR/$1/go.mod does not require $2 (versions.env); update it and run go mod tidy" >&2
    exit 1
  }
}
require_pin kubernetes "k8s.io/kubernetes $KUBERNETES_VERSION"
grep -q "k8s.io/api => k8s.io/api $KUBERNETES_STAGING_VERSION\$" "$LIVE_DIR/kubernetes/go.mod" || {
  echo "install-live-tools: $LIVE_DIR/kubernetes/go.mod does not replace the staging modules with $KUBERNETES_STAGING_VERSION" >&2
  exit 1
}
require_pin etcd "go.etcd.io/etcd/server/v3 $ETCD_VERSION"
require_pin pulumi "github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION"
require_pin pulumi "github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"
require_pin pulumi-language-nodejs "github.com/pulumi/pulumi/sdk/v3 $PULUMI_LANGUAGE_NODEJS_VERSION"
require_pin pulumi-kubernetes "github.com/pulumi/pulumi-kubernetes/provider/v4 $PULUMI_KUBERNETES_MODULE_VERSION"

mkdir -p "$BIN_DIR"
# Binaries are built into a scratch directory and moved in only when complete: an interrupted build leaves no
# half-written file that would count as built.
SCRATCH="$(mktemp -d "$BIN_DIR/../build.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT

# Low priority: the first build keeps both cores busy for about 20 minutes.
gobuild() { nice -n 10 go build -trimpath "$@"; }

build_etcd() {
  (cd "$LIVE_DIR/etcd" && gobuild -o "$SCRATCH/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  # No replace lines in kwok's go.mod: the module proxy builds it as published.
  GOBIN="$SCRATCH" nice -n 10 go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_kubernetes() {
  # Without these, the binaries report v0.0.0-master; clients and the Pulumi provider read the server's version.
  local pkg=k8s.io/component-base/version minor="${KUBERNETES_VERSION#v1.}"
  minor="${minor%%.*}"
  local ldflags="-X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  local cmd
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    progress "live tools: kubernetes: $cmd"
    (cd "$LIVE_DIR/kubernetes" && gobuild -ldflags "$ldflags" -o "$SCRATCH/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  done
}

build_pulumi() {
  (cd "$LIVE_DIR/pulumi" && gobuild -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$SCRATCH/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

build_pulumi-language-nodejs() {
  # The host the proxy serves, under a name of its own, and in front of it (under the name the engine looks for)
  # tools/live/pulumi-language-nodejs/front: it adds RunPlugin, through which the engine runs TypeScript policy
  # packs (`--policy-pack`) and which v3.68.0 lacks.
  (cd "$LIVE_DIR/pulumi-language-nodejs" &&
    gobuild -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_LANGUAGE_NODEJS_VERSION" \
      -o "$SCRATCH/pulumi-language-nodejs-$PULUMI_LANGUAGE_NODEJS_VERSION" \
      github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs &&
    gobuild -ldflags "-X main.wrappedName=pulumi-language-nodejs-$PULUMI_LANGUAGE_NODEJS_VERSION" \
      -o "$SCRATCH/pulumi-language-nodejs" ./front)
}

build_pulumi-kubernetes() {
  # The provider's main package embeds schema-embed.json, which its generate step writes (stamped with the
  # version); the module cache is read-only, so the package is copied into a scratch copy of the build module.
  local work="$SCRATCH/pulumi-kubernetes" provider_dir
  mkdir -p "$work/cmd"
  cp "$LIVE_DIR/pulumi-kubernetes/go.mod" "$LIVE_DIR/pulumi-kubernetes/go.sum" "$work/"
  provider_dir="$(cd "$work" && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp "$provider_dir/cmd/pulumi-resource-kubernetes/"* "$work/cmd/"
  chmod -R u+w "$work/cmd"
  (cd "$work/cmd" && VERSION="$PULUMI_KUBERNETES_PLUGIN_VERSION" nice -n 10 go run generate.go)
  (cd "$work/cmd" && gobuild \
    -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_PLUGIN_VERSION" \
    -o "$SCRATCH/pulumi-resource-kubernetes" .)
  rm -rf "$work"
}

build_pulumi-nodejs-dynamic() {
  install -m 0755 "$DYNAMIC_PROVIDER_LAUNCHER" "$SCRATCH/pulumi-resource-pulumi-nodejs"
}

progress "live tools: $BIN_DIR"
for tool in "${ORDER[@]}"; do
  if built "$tool"; then
    progress "live tools: $tool already built"
    continue
  fi
  progress "live tools: building $tool (first time: minutes; kubernetes and pulumi take the longest)"
  started=$(date +%s)
  "build_$tool"
  for b in ${PROVIDES[$tool]}; do mv -f "$SCRATCH/$b" "$BIN_DIR/$b"; done
  progress "live tools: $tool built in $(($(date +%s) - started))s"
done
progress "live tools: all built in $BIN_DIR"
