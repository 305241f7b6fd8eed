#!/usr/bin/env bash
# Work-order benchmark: N tickets (default 1,000,000; TICKETS=10000000 for the
# issue's 10 million) with generated Chinese text through the store's writer,
# then FTS search p50/p95, the overdue scans and the database size.
# See bench/README.md and docs/performance.md. Needs what the build needs.
#   bench/tickets.sh            TICKETS=10000000 bench/tickets.sh
#   KEEP=1 keeps the database (printed path); WORK_DIR picks where it is made;
#   QUERY_DIR=<kept dir> runs only the searches and scans again on it; with
#   STEADY=1 it then fires every due escalation (writes to that database) and
#   times the scheduler's pass again, as it runs once it has caught up.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
N=${TICKETS:-1000000}
SEARCHES=${SEARCHES:-200}
BUILD="$ROOT/build/tickets-bench"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/hotline-ccache}" CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=true

# Release libraries of core, store and tickets only (no Beast), then the bench program.
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOTLINE_SANITIZE=OFF >/dev/null
ninja -C "$BUILD" -j"${HOTLINE_JOBS:-2}" hotline_tickets >/dev/null
BIN="$BUILD/tickets_bench"
if [[ ! -x $BIN || $BENCH_DIR/tickets/tickets_bench.cpp -nt $BIN || $BUILD/src/libhotline_tickets.a -nt $BIN ]]; then
  g++ -O2 -std=c++20 -DNDEBUG -DBOOST_ASIO_NO_DEPRECATED -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL \
    -DSPDLOG_SHARED_LIB -DFMT_SHARED -I"$ROOT/include" "$BENCH_DIR/tickets/tickets_bench.cpp" \
    "$BUILD/src/libhotline_tickets.a" "$BUILD/src/libhotline_store.a" "$BUILD/src/libhotline_core.a" \
    -lsqlite3 -lsodium -lspdlog -lfmt -lpthread -o "$BIN"
fi

if [[ -n ${QUERY_DIR:-} ]]; then  # searches and scans again on a kept database
  WORK=$QUERY_DIR
  export QUERY_ONLY=1
else
  WORK=$(mktemp -d "${WORK_DIR:-/tmp}/hotline-tickets-bench-XXXXXX")
  [[ -n ${KEEP:-} ]] || trap 'rm -rf "$WORK"' EXIT
fi
echo "tickets_bench: N=$N searches=$SEARCHES dir=$WORK cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
nice -n "${BENCH_NICE:--10}" "$BIN" "$WORK" "$N" "$SEARCHES" "${ARTICLES:-10000}"
echo "wall_seconds=$(( $(date +%s) - start ))"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
