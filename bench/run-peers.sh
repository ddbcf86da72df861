#!/bin/sh
# run-peers.sh: build the peers (gobench.go, glibbench.c) and run the
# counterparts of task9-bench's figures, so that both can be measured side by
# side on the same machine (absolute figures differ between machines; ratios
# measured in one run are what count).
#
# Usage: bench/run-peers.sh [-t] [-n N] [BENCH...]
#
#   BENCH   peer benchmarks to run (default: all of them):
#             yield spawnbatch parked sleep pingpong buffered
#             select2 select8 selectready2 selectready8   (gobench -k 2 / -k 8)
#             xthread                                      (GOMAXPROCS=2)
#             asyncq                                       (glibbench, GAsyncQueue)
#           The Go ones run with GOMAXPROCS=1 (one OS thread running Go code,
#           as one proc runs tasks), except xthread: two goroutines locked to
#           two OS threads, GOMAXPROCS=2, as two procs.
#   -n N    pass N as the size to the peer (and to task9-bench with -t)
#   -t      after each peer benchmark, run its task9-bench counterpart
#           (_build/bench/task9-bench, which must have been built)
#
# Environment: PEERS_DIR (default: ../shared/peers from the repository root),
# BUILD_DIR (default: _build), GO (default: go), CC (default: cc).
#
# Prints the RESULT lines of all programs (go.* for Go, glib.* for GLib,
# unprefixed for task9-bench).

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

PEERS_DIR=${PEERS_DIR:-../shared/peers}
BUILD_DIR=${BUILD_DIR:-_build}
GO=${GO:-go}
CC=${CC:-cc}

all="yield spawnbatch parked sleep pingpong buffered select2 select8 selectready2 selectready8 xthread asyncq"

with_task9=0
n=""
while getopts tn: opt; do
  case $opt in
    t) with_task9=1 ;;
    n) n=$OPTARG ;;
    *) echo "usage: $0 [-t] [-n N] [BENCH...] (BENCH: $all)" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
# shellcheck disable=SC2086 # $all is a list of words
[ $# -gt 0 ] || set -- $all

for b in "$@"; do
  case " $all " in
    *" $b "*) ;;
    *) echo "run-peers.sh: no peer benchmark \"$b\" (one of: $all)" >&2; exit 2 ;;
  esac
done

for f in gobench.go glibbench.c; do
  if [ ! -f "$PEERS_DIR/$f" ]; then
    echo "run-peers.sh: no $PEERS_DIR/$f (set PEERS_DIR)" >&2
    exit 1
  fi
done

mkdir -p "$BUILD_DIR/bench"
gobench="$BUILD_DIR/bench/gobench"
glibbench="$BUILD_DIR/bench/glibbench"
# A file argument builds without a go.mod; no network access is needed.
GO111MODULE=off GOFLAGS='' "$GO" build -o "$gobench" "$PEERS_DIR/gobench.go"
# shellcheck disable=SC2046 # pkg-config prints several words
"$CC" -O2 -o "$glibbench" "$PEERS_DIR/glibbench.c" \
  $(pkg-config --cflags --libs glib-2.0) -lpthread

task9_bench="$BUILD_DIR/bench/task9-bench"
if [ $with_task9 = 1 ] && [ ! -x "$task9_bench" ]; then
  echo "run-peers.sh: $task9_bench not built (meson compile -C $BUILD_DIR)" >&2
  exit 1
fi

# peer benchmark -> task9-bench benchmarks
counterpart() {
  case $1 in
    yield) echo yield ;;
    spawnbatch) echo spawn ;;
    parked) echo parked ;;
    sleep) echo sleep ;;
    pingpong) echo "pingpong async_pingpong async_pingpong_typed" ;;
    buffered) echo buffered ;;
    select2|select8|selectready2|selectready8) echo "$1" ;;
    xthread) echo xproc_pingpong ;;
    asyncq) echo "" ;;  # xthread already ran xproc_pingpong
    *) echo "" ;;
  esac
}

status=0
n_args=${n:+-n $n}
for b in "$@"; do
  # shellcheck disable=SC2086 # $n_args is empty or "-n N"
  case $b in
    select2|select8|selectready2|selectready8)
      k=${b##*[a-z]}
      GOMAXPROCS=1 "$gobench" -b "${b%"$k"}" -k "$k" $n_args || status=1 ;;
    xthread)
      GOMAXPROCS=2 "$gobench" -b xthread $n_args || status=1 ;;
    asyncq)
      "$glibbench" asyncq $n || status=1 ;;
    *)
      GOMAXPROCS=1 "$gobench" -b "$b" $n_args || status=1 ;;
  esac
  if [ $with_task9 = 1 ]; then
    for t in $(counterpart "$b"); do
      # shellcheck disable=SC2086
      "$task9_bench" -b "$t" $n_args || status=1
    done
  fi
done
exit $status
