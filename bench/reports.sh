#!/usr/bin/env bash
# Reports benchmark (issue 9): WEEKS weeks (default 4) of a Beijing-scale
# center (30,137 calls and 8,219 tickets a day, 1,700 operators on 750 seats)
# written through the aggregate triggers, the year's aggregate rows filled
# week-aligned from them, then every standard report timed over a month and a
# year from the aggregates and over the weeks from the raw logs (projected to
# a year). See bench/reports/RESULTS.md and docs/kpis.md.
#   bench/reports.sh                 WEEKS=1 CALLS=3000 TICKETS=800 bench/reports.sh   (a quick run)
#   KEEP=1 keeps the database (printed path); WORK_DIR picks where it is made;
#   REUSE=DIR times the reports again on a database kept from an earlier run.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WEEKS=${WEEKS:-4}
CALLS=${CALLS:-30137}
TICKETS=${TICKETS:-8219}
BUILD="$ROOT/build/reports-bench"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/hotline-ccache}" CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=true

# Release libraries of core, store, tickets and reports only (no Beast), then the bench program.
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOTLINE_SANITIZE=OFF >/dev/null
ninja -C "$BUILD" -j"${HOTLINE_JOBS:-2}" hotline_reports >/dev/null
BIN="$BUILD/reports_bench"
if [[ ! -x $BIN || $BENCH_DIR/reports/reports_bench.cpp -nt $BIN || $BUILD/src/libhotline_reports.a -nt $BIN ]]; then
  g++ -O2 -std=c++20 -DNDEBUG -DBOOST_ASIO_NO_DEPRECATED -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL \
    -DSPDLOG_SHARED_LIB -DFMT_SHARED -I"$ROOT/include" "$BENCH_DIR/reports/reports_bench.cpp" \
    "$BUILD/src/libhotline_reports.a" "$BUILD/src/libhotline_tickets.a" "$BUILD/src/libhotline_store.a" \
    "$BUILD/src/libhotline_core.a" -lsqlite3 -lsodium -lspdlog -lfmt -lxlsxwriter -lz -lpthread -o "$BIN"
fi

if [[ -n ${REUSE:-} ]]; then
  WORK=$REUSE
else
  WORK=$(mktemp -d "${WORK_DIR:-/tmp}/hotline-reports-bench-XXXXXX")
  [[ -n ${KEEP:-} ]] || trap 'rm -rf "$WORK"' EXIT
fi
echo "reports_bench: weeks=$WEEKS calls/day=$CALLS tickets/day=$TICKETS dir=$WORK cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
timeout "${TIMEOUT:-2400}" nice -n "${BENCH_NICE:-5}" "$BIN" "$WORK" "$WEEKS" "$CALLS" "$TICKETS"
echo "wall_seconds=$(( $(date +%s) - start ))"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
