# Shared by the setup scripts: progress lines with elapsed time, the Go bin directory, a build stamp.
# Source it; it defines functions only.

SETUP_STARTED_AT="${SETUP_STARTED_AT:-$(date +%s)}"
export SETUP_STARTED_AT

# Prints "[setup  +42s] message" so a long first run shows what it is doing and for how long.
progress() {
  printf '[setup %5ss] %s\n' "+$(($(date +%s) - SETUP_STARTED_AT))" "$*"
}

go_bin_dir() {
  local dir
  dir="$(go env GOBIN)"
  [ -n "$dir" ] || dir="$(go env GOPATH)/bin"
  mkdir -p "$dir"
  echo "$dir"
}

# A stamp beside an installed tool records what it was built from; a matching stamp means nothing to do.
stamp_matches() { # stamp_matches FILE VALUE
  [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]
}
