#!/usr/bin/env bash
# Browser legs against plain RTP legs: LEGS concurrent legs in the media
# engine (one media thread), 50 packets/s each way per leg for SECONDS, first
# plain RTP legs (the peer a UDP socket), then browser legs (the peer an
# in-process browser per leg: ICE check, DTLS client handshake, SRTP with
# the exported keys, a consent check every 5 s). Each leg echoes, so per
# packet its media thread receives and sends once, as for a leg of a bridged
# call. Prints the media thread's CPU per relayed packet (received and sent
# once), the CPU per leg at 50 packets/s each way (% of one core) and the
# ratio (target: browser legs <= 2x plain legs), and the peers' loss.
#
# The program (bench/webrtc/webrtc_legs_bench.cpp) is linked against the
# Release libraries (scripts/build release hotline_media) into
# ~/.cache/hotline-bench ($XDG_CACHE_HOME if set), again whenever a source
# or library is newer. Only the engine's media threads are measured
# (/proc/self/task/*/stat): the peers' own CPU is not counted.
#
# Usage: bench/webrtc-legs.sh
# Env:   LEGS=200  SECONDS_PER_RUN=60  WARMUP=3  RUNS=1 (best of)  JOBS=1 (build)  PORT_MIN=30000
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
LEGS=${LEGS:-200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-60}
WARMUP=${WARMUP:-3}
RUNS=${RUNS:-1}
PORT_MIN=${PORT_MIN:-30000}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/hotline-bench
BIN=$CACHE/webrtc-legs-bench

die() { echo "bench: $*" >&2; exit 1; }
command -v g++ >/dev/null || die "missing g++"
pkg-config --exists libsrtp2 spandsp espeak-ng openssl || die "missing libraries (scripts/setup installs them)"

out=$(HOTLINE_JOBS=${JOBS:-1} "$ROOT/scripts/build" release hotline_media hotline_core 2>&1) || { tail -n 30 <<<"$out" >&2; die "building the media library failed"; }
libs=("$ROOT/build/release/src/libhotline_media.a" "$ROOT/build/release/src/libhotline_core.a")
source_file=$BENCH_DIR/webrtc/webrtc_legs_bench.cpp
mkdir -p "$CACHE"
rebuild=0
[[ -x $BIN ]] || rebuild=1
for f in "$source_file" "${libs[@]}"; do [[ $f -nt $BIN ]] && rebuild=1; done
if ((rebuild)); then
  echo "bench: building $BIN" >&2
  # shellcheck disable=SC2046
  g++ -O2 -std=c++20 -Wall -Wextra -Werror -include utility -DBOOST_ASIO_NO_DEPRECATED -DSPDLOG_COMPILED_LIB \
    -DSPDLOG_FMT_EXTERNAL -DSPDLOG_SHARED_LIB -I"$ROOT/include" \
    -I"$ROOT/src/media" "$source_file" "${libs[@]}" $(pkg-config --libs libsrtp2 spandsp espeak-ng openssl) \
    -lspdlog -lfmt -pthread -o "$BIN.tmp" || die "building the benchmark failed"
  mv "$BIN.tmp" "$BIN"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

field() { sed -E "s/.* $1=(-?[0-9.]+).*/\\1/" <<<"$2"; }
# Best of RUNS: another process on the machine only ever makes a run slower.
best() {
  local mode=$1 best_line="" line r
  for ((r = 1; r <= RUNS; r++)); do
    line=$("$BIN" --mode "$mode" --legs "$LEGS" --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" --port-min "$PORT_MIN" |
      grep '^RESULT') || die "$mode run failed"
    echo "$line" >&2
    if [[ -z $best_line ]] || awk -v a="$(field cpu_pct_per_leg "$line")" -v b="$(field cpu_pct_per_leg "$best_line")" 'BEGIN{exit !(a<b)}'; then
      best_line=$line
    fi
  done
  echo "$best_line"
}

echo "== $LEGS plain RTP legs, $SECONDS_PER_RUN s, best of $RUNS" >&2
plain=$(best plain)
echo "== $LEGS browser legs (ICE-lite, DTLS-SRTP), $SECONDS_PER_RUN s, best of $RUNS" >&2
browser=$(best webrtc)
echo
printf '%-14s %18s %14s %10s %12s %8s %8s\n' "legs" "µs/relayed packet" "CPU % per leg" "relayed" "sent % of 50/s" "lost %" "setup s"
for line in "$plain" "$browser"; do
  printf '%-14s %18s %14s %10s %12s %8s %8s\n' "$(sed -E 's/.*mode=([a-z]+).*/\1/' <<<"$line") x $LEGS" \
    "$(field us_per_relayed_packet "$line")" "$(field cpu_pct_per_leg "$line")" "$(field relayed "$line")" \
    "$(field send_rate_pct "$line")" "$(field lost_pct "$line")" "$(field setup_s "$line")"
done
ratio=$(awk -v w="$(field cpu_pct_per_leg "$browser")" -v p="$(field cpu_pct_per_leg "$plain")" 'BEGIN { printf "%.2f", w / p }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 2.0 ? "within" : "ABOVE") }')
echo "ratio browser/plain CPU per leg: ${ratio}x ($verdict the 2x target)"
