#!/bin/sh
# run-peers.sh: build the Go peer (gobench.go) and run the counterparts of
# task9-bench's figures, so that both can be measured side by side on the
# same machine (absolute figures differ between machines; ratios measured in
# one run are what count).
#
# Usage: bench/run-peers.sh [-t] [-n N] [BENCH...]
#
#   BENCH   gobench benchmarks to run: yield spawnbatch parked sleep (default:
#           all four). Each runs with GOMAXPROCS=1 (one OS thread running Go
#           code, as one proc runs tasks).
#   -n N    pass -n N to gobench (and to task9-bench with -t)
#   -t      after each Go benchmark, run its task9-bench counterpart
#           (_build/bench/task9-bench, which must have been built)
#
# Environment: PEERS_DIR (default: ../shared/peers from the repository root),
# BUILD_DIR (default: _build), GO (default: go).
#
# Prints the RESULT lines of both programs (go.* for Go, unprefixed for
# task9-bench).

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

PEERS_DIR=${PEERS_DIR:-../shared/peers}
BUILD_DIR=${BUILD_DIR:-_build}
GO=${GO:-go}

with_task9=0
n_args=""
while getopts tn: opt; do
  case $opt in
    t) with_task9=1 ;;
    n) n_args="-n $OPTARG" ;;
    *) echo "usage: $0 [-t] [-n N] [yield|spawnbatch|parked|sleep]..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- yield spawnbatch parked sleep

if [ ! -f "$PEERS_DIR/gobench.go" ]; then
  echo "run-peers.sh: no $PEERS_DIR/gobench.go (set PEERS_DIR)" >&2
  exit 1
fi

mkdir -p "$BUILD_DIR/bench"
gobench="$BUILD_DIR/bench/gobench"
# A file argument builds without a go.mod; no network access is needed.
GO111MODULE=off GOFLAGS='' "$GO" build -o "$gobench" "$PEERS_DIR/gobench.go"

task9_bench="$BUILD_DIR/bench/task9-bench"
if [ $with_task9 = 1 ] && [ ! -x "$task9_bench" ]; then
  echo "run-peers.sh: $task9_bench not built (meson compile -C $BUILD_DIR)" >&2
  exit 1
fi

# gobench benchmark -> task9-bench benchmark
counterpart() {
  case $1 in
    yield) echo yield ;;
    spawnbatch) echo spawn ;;
    parked) echo parked ;;
    sleep) echo sleep ;;
    *) echo "" ;;
  esac
}

status=0
for b in "$@"; do
  # shellcheck disable=SC2086 # $n_args is empty or "-n N"
  GOMAXPROCS=1 "$gobench" -b "$b" $n_args || status=1
  if [ $with_task9 = 1 ]; then
    t=$(counterpart "$b")
    if [ -n "$t" ]; then
      # shellcheck disable=SC2086
      "$task9_bench" -b "$t" $n_args || status=1
    fi
  fi
done
exit $status
