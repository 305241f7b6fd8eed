#!/usr/bin/env bash
# Wallboard push cost at 750 agents (issue 9 target: < 1 ms per push): one
# queue.stats and one agent.state push built and handed to WALLBOARDS
# WebSocket connections, as the daemon does it, by wallboard/wallboard_bench.cpp
# (compiled with g++ -O2 from the router's, the queue views' and the hub's own
# sources into ~/.cache/hotline-bench, again whenever a source is newer; no
# daemon, no network). Exit status 1 when a check fails, 2 when a p99 on the
# thread CPU clock is 1 ms
# or more.
#
# Usage: bench/wallboard.sh
# Env:   AGENTS=750  WAITING=2000  WALLBOARDS=50  ROUNDS=2000
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/hotline-bench
BIN=$CACHE/wallboard-bench

die() { echo "bench: $*" >&2; exit 1; }
command -v g++ >/dev/null || die "missing g++"

sources=("$BENCH_DIR/wallboard/wallboard_bench.cpp" "$ROOT"/src/acd/router*.cpp "$ROOT/src/acd/strategies.cpp"
         "$ROOT/src/acd/wait_estimator.cpp" "$ROOT/src/acd/types.cpp" "$ROOT/src/acd/settings.cpp"
         "$ROOT/src/api/ws_hub.cpp" "$ROOT/src/core/metrics.cpp" "$ROOT/src/core/clock.cpp" "$ROOT/src/core/error.cpp")
mkdir -p "$CACHE"
rebuild=0
[[ -x $BIN ]] || rebuild=1
for f in "${sources[@]}" "$ROOT"/src/acd/*.hpp "$ROOT"/include/hotline/acd/*.hpp "$ROOT"/include/hotline/api/ws_hub.hpp; do
  [[ $f -nt $BIN ]] && rebuild=1
done
if ((rebuild)); then
  echo "bench: building $BIN" >&2
  g++ -O2 -DNDEBUG -std=c++20 -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/src/acd" "${sources[@]}" \
    -lpthread -o "$BIN.tmp" || die "building the benchmark failed"
  mv "$BIN.tmp" "$BIN"
fi
echo "wallboard_bench: cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN"
