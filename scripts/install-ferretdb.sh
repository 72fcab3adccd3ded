#!/usr/bin/env bash
# Builds the FerretDB server used by `pnpm dev` and the tests when no MongoDB is given (MONGO_URI) and
# mongodb-memory-server cannot download mongod. Installs `ferretdb` into the Go bin directory, and builds again
# only when tools/ferretdb (its Go version, module versions or code) changed since the installed build.
set -euo pipefail
cd "$(dirname "$0")/../tools/ferretdb"
source ../../scripts/lib/common.sh

bin_dir="$(go_bin_dir)"
build_key="$(go env GOVERSION) $(cat go.mod go.sum main.go | sha256sum | cut -c1-16)"
stamp="$bin_dir/.ferretdb.build"
if [ -x "$bin_dir/ferretdb" ] && stamp_matches "$stamp" "$build_key"; then
  progress "ferretdb: already built from this tools/ferretdb ($bin_dir/ferretdb)"
  exit 0
fi
version="$(go list -m -f '{{.Version}}' github.com/FerretDB/FerretDB)"
progress "ferretdb: building FerretDB $version with Go (first time: about 2-4 minutes)"
go build -trimpath -o "$bin_dir/ferretdb" .
echo "$build_key" >"$stamp"
progress "ferretdb: FerretDB $version installed at $bin_dir/ferretdb"
