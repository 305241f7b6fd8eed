#!/usr/bin/env bash
# ACD routing cost: the router (src/acd) driving a simulated center of
# AGENTS agents over 5 queues (mixed skills, 1-3 queues each), RATE calls/s
# for SECONDS of simulated time, with a line of about 2,000 callers at the
# peak, ring-outs, rejects, dead phones, hang-ups, callbacks and a meeting
# that sends a quarter of the agents away and back at once. Prints the wall
# time of every router call (each one makes routing decisions) as p50/p99/max
# µs, the CPU per simulated second, and checks that no caller was lost and no
# agent had two offers or an offer while not ready (exit status 1 if not).
#
# No daemon, no network: the program (bench/acd/acd_sim.cpp) is compiled with
# the router's sources at -O2 into ~/.cache/hotline-bench ($XDG_CACHE_HOME if
# set), again whenever a source is newer. Accelerated by default (simulated
# time runs as fast as the router goes); REALTIME=1 paces it to the clock
# (5 minutes).
#
# Usage: bench/acd-sim.sh
# Env:   AGENTS=750  RATE=100  SECONDS_SIMULATED=300  TALK_MEAN=5.3  SEED=1  RUNS=3 (best p99 of)  REALTIME=0
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
AGENTS=${AGENTS:-750}
RATE=${RATE:-100}
SECONDS_SIMULATED=${SECONDS_SIMULATED:-300}
TALK_MEAN=${TALK_MEAN:-5.3}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
REALTIME=${REALTIME:-0}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/hotline-bench
BIN=$CACHE/acd-sim

die() { echo "bench: $*" >&2; exit 1; }
command -v g++ >/dev/null || die "missing g++"

sources=("$BENCH_DIR/acd/acd_sim.cpp" "$ROOT"/src/acd/router*.cpp "$ROOT/src/acd/strategies.cpp"
         "$ROOT/src/acd/wait_estimator.cpp" "$ROOT/src/acd/types.cpp")
mkdir -p "$CACHE"
rebuild=0
[[ -x $BIN ]] || rebuild=1
for f in "${sources[@]}" "$ROOT"/src/acd/*.hpp "$ROOT"/include/hotline/acd/*.hpp; do
  [[ $f -nt $BIN ]] && rebuild=1
done
if ((rebuild)); then
  echo "bench: building $BIN" >&2
  g++ -O2 -std=c++20 -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/src/acd" "${sources[@]}" -o "$BIN.tmp" ||
    die "building the benchmark failed"
  mv "$BIN.tmp" "$BIN"
fi

args=(--agents "$AGENTS" --rate "$RATE" --seconds "$SECONDS_SIMULATED" --talk-mean "$TALK_MEAN" --seed "$SEED")
((REALTIME)) && args+=(--realtime) && RUNS=1

# Best of RUNS by p99 (wall clock): another process on the machine only ever
# makes a run slower. Then one run timed with the thread CPU clock, which
# leaves out the time the process was not on a core (the wall-clock maximum
# is mostly that on a shared machine).
best_out="" best_p99=""
for ((r = 1; r <= RUNS; r++)); do
  echo "== run $r of $RUNS" >&2
  out=$("$BIN" "${args[@]}") || { echo "$out"; die "a check failed"; }
  p99=$(grep '^RESULT' <<<"$out" | sed -E 's/.*p99_us=([0-9.]+).*/\1/')
  echo "   p99 $p99 µs" >&2
  if [[ -z $best_p99 ]] || awk -v a="$p99" -v b="$best_p99" 'BEGIN{exit !(a<b)}'; then
    best_out=$out best_p99=$p99
  fi
done
echo "$best_out"
echo
echo "== the same run timed with the thread CPU clock" >&2
cpu_out=$("$BIN" "${args[@]}" --cpu-clock) || { echo "$cpu_out"; die "a check failed"; }
sed -n '/^router call/,/^timed with/p' <<<"$cpu_out"
grep '^RESULT' <<<"$cpu_out"
awk -v p="$best_p99" 'BEGIN{exit !(p < 5000)}' || die "p99 routing decision $best_p99 µs: over the 5 ms target"
