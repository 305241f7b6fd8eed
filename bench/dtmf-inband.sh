#!/usr/bin/env bash
# In-band DTMF detection cost: STREAMS simultaneous 8 kHz µ-law streams
# (default 1,000; every DIGIT_EVERY-th carries digits over speech, the rest
# synthetic speech) through InbandDtmfDetector (spandsp dtmf_rx) for SECONDS
# of audio each, on one thread, as one media thread would see them. Prints
# CPU µs per stream per second of audio and the % of one core that 1,000
# real-time streams need, first with the µ-law decode, then the detector alone.
#
# No daemon, no network: the program (bench/dtmf/dtmf_inband_bench.cpp) is
# compiled with the detector's sources at -O2 into ~/.cache/hotline-bench
# ($XDG_CACHE_HOME if set), again whenever a source is newer.
#
# Usage: bench/dtmf-inband.sh
# Env:   STREAMS=1000  SECONDS_OF_AUDIO=30  DIGIT_EVERY=10  RUNS=3 (best of)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
STREAMS=${STREAMS:-1000}
SECONDS_OF_AUDIO=${SECONDS_OF_AUDIO:-30}
DIGIT_EVERY=${DIGIT_EVERY:-10}
RUNS=${RUNS:-3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/hotline-bench
BIN=$CACHE/dtmf-inband-bench

die() { echo "bench: $*" >&2; exit 1; }
command -v g++ >/dev/null || die "missing g++"
pkg-config --exists spandsp || die "missing libspandsp-dev (scripts/setup installs it)"

sources=("$BENCH_DIR/dtmf/dtmf_inband_bench.cpp" "$ROOT/src/media/inband_dtmf.cpp" "$ROOT/src/media/tone.cpp"
         "$ROOT/src/media/g711.cpp" "$ROOT/src/media/dtmf.cpp")
mkdir -p "$CACHE"
rebuild=0
[[ -x $BIN ]] || rebuild=1
for f in "${sources[@]}" "$ROOT"/src/media/{inband_dtmf,tone,g711,dtmf_listener}.hpp "$ROOT/include/hotline/media/dtmf.hpp"; do
  [[ $f -nt $BIN ]] && rebuild=1
done
if ((rebuild)); then
  echo "bench: building $BIN" >&2
  g++ -O2 -std=c++20 -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/src/media" "${sources[@]}" \
    $(pkg-config --libs spandsp) -o "$BIN.tmp" || die "building the benchmark failed"
  mv "$BIN.tmp" "$BIN"
fi

# Best of RUNS: another process on the machine only ever makes a run slower.
best() {
  local mode=$1 best_line="" line us
  for ((r = 1; r <= RUNS; r++)); do
    line=$("$BIN" --streams "$STREAMS" --seconds "$SECONDS_OF_AUDIO" --digit-every "$DIGIT_EVERY" $mode | tee /dev/stderr | grep '^RESULT') ||
      die "run failed (missed digits?)"
    us=$(sed -E 's/.*us_per_stream_second=([0-9.]+).*/\1/' <<<"$line")
    if [[ -z $best_line ]] || awk -v a="$us" -v b="$(sed -E 's/.*us_per_stream_second=([0-9.]+).*/\1/' <<<"$best_line")" 'BEGIN{exit !(a<b)}'; then
      best_line=$line
    fi
  done
  echo "$best_line"
}

echo "== µ-law decode + detector, $STREAMS streams x $SECONDS_OF_AUDIO s, best of $RUNS" >&2
full=$(best "")
echo "== detector only" >&2
detect=$(best --detect-only)
field() { sed -E "s/.*$1=([0-9.]+).*/\\1/" <<<"$2"; }
echo
printf 'decode+detect: %s µs per stream per second of audio; 1,000 real-time streams: %s %% of one core\n' \
  "$(field us_per_stream_second "$full")" "$(field core_pct_1000 "$full")"
printf 'detect only:   %s µs per stream per second of audio; 1,000 real-time streams: %s %% of one core\n' \
  "$(field us_per_stream_second "$detect")" "$(field core_pct_1000 "$detect")"
printf 'digits found %s of %s; talk-off: %s false digits in %s s of distinct synthetic speech (%s over all speech streams, which replay it)\n' \
  "$(field digits_found "$full")" "$(field digits_expected "$full")" "$(field talk_off "$full")" \
  "$(field talk_off_seconds "$full")" "$(field false_digits "$full")"
