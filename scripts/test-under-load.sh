#!/usr/bin/env bash
# Runs `pnpm test` the way a busy laptop or a shared CI runner would: eight busy-loop processes and a loop of cold
# Go builds (tools/ferretdb with an empty GOCACHE each time: CPU, disk and page-cache pressure) beside it.
# Prints the suite's wall time and stops the load afterwards, also when interrupted. Usage:
#   bash scripts/test-under-load.sh            # the whole pnpm test
#   bash scripts/test-under-load.sh --idle     # the same command without the load, for comparison
set -euo pipefail
cd "$(dirname "$0")/.."

load_pids=()
stop_load() {
  for pid in "${load_pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  rm -rf "${gocache:-}" "${gobuild_out:-}"
}
trap stop_load EXIT INT TERM

if [ "${1:-}" != "--idle" ]; then
  for _ in 1 2 3 4 5 6 7 8; do
    setsid sh -c 'while :; do :; done' &
    load_pids+=("$!")
  done
  gocache="$(mktemp -d)"
  gobuild_out="$(mktemp -d)"
  setsid bash -c "while :; do rm -rf '$gocache'/*; GOCACHE='$gocache' go -C tools/ferretdb build -o '$gobuild_out/ferretdb' . >/dev/null 2>&1; done" &
  load_pids+=("$!")
  echo "load: 8 busy loops and cold Go builds of tools/ferretdb"
fi

started=$(date +%s)
status=0
pnpm test || status=$?
echo "pnpm test: exit $status after $(($(date +%s) - started)) s ($( [ "${1:-}" = "--idle" ] && echo idle || echo under load ); load average $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$status"
