#!/usr/bin/env bash
# Builds the FerretDB server used by `pnpm dev` and the tests when no MongoDB is given (MONGO_URI) and
# mongodb-memory-server cannot download mongod. Installs `ferretdb` into $(go env GOPATH)/bin.
set -euo pipefail
cd "$(dirname "$0")/../tools/ferretdb"
bin_dir="$(go env GOBIN)"
[ -n "$bin_dir" ] || bin_dir="$(go env GOPATH)/bin"
mkdir -p "$bin_dir"
go build -trimpath -o "$bin_dir/ferretdb" .
echo "ferretdb (FerretDB $(go list -m -f '{{.Version}}' github.com/FerretDB/FerretDB)) installed at $bin_dir/ferretdb"
