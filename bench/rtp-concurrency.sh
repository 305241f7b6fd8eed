#!/usr/bin/env bash
# Concurrent bridged calls with G.711 RTP both ways, 50 packets/s per
# direction: hotlined (SIP B2BUA, media anchored) and rtpengine (userspace,
# no kernel module, driven over its ng protocol) relaying the same streams
# from the same generator (bench/rtpload/rtpload.cpp) in the same run.
#
# For each count of calls: set them up (SETUP_RATE calls/s), stream WARMUP
# seconds uncounted and DURATION seconds counted, tear down. A step passes
# when every call was set up and < MAX_LOSS_PCT (0.1) % of the packets were
# lost; the count goes up until a step fails. Per step: packets relayed/s,
# loss, late packets, the relay's CPU % and RSS, CPU µs per relayed packet,
# and the calls 2 dedicated cores would carry at that cost (200 / CPU% per call).
#
# Servers: hotlined (recording off, the relay alone), hotlined-rec (every
# call recorded to stereo WAV, the default in production; a step also fails
# when the recorder's queue grows or drops frames), rtpengine.
#
# Usage: bench/rtp-concurrency.sh            (hotlined vs rtpengine)
#        bench/recording-concurrency.sh      (hotlined with recording vs without)
# Env:   DURATION=60 (s counted per step)  COUNTS="200 400 ..."  WARMUP=2
#        SETUP_RATE=200  GEN_THREADS=2  SERVERS="hotlined rtpengine" (or hotlined-rec)
#        RTPENGINE_THREADS=2  RTP_PORTS=20000-29999  MAX_LOSS_PCT=0.1  LATE_MS=40
#        HOTLINED_MAX_CALLS=20000  HOTLINED=path (no build)   QUICK=1: DURATION=10 unless set.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${QUICK:-} ]] && DURATION=${DURATION:-10}
DURATION=${DURATION:-60}
COUNTS=${COUNTS:-"200 400 600 800 1000 1200 1400 1600 1800 2000 2400"}
WARMUP=${WARMUP:-2}
SETUP_RATE=${SETUP_RATE:-200}
GEN_THREADS=${GEN_THREADS:-2}
SERVERS=${SERVERS:-"hotlined rtpengine"}
RTPENGINE_THREADS=${RTPENGINE_THREADS:-2}
RTP_PORTS=${RTP_PORTS:-20000-29999}
MAX_LOSS_PCT=${MAX_LOSS_PCT:-0.1}
LATE_MS=${LATE_MS:-40}
HOTLINED_MAX_CALLS=${HOTLINED_MAX_CALLS:-20000}  # calls.max_calls: above every count
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/hotline-bench
RTPLOAD=$CACHE/rtpload

need awk curl jq ss g++
[[ " $SERVERS " == *" rtpengine "* ]] && apt_ensure rtpengine-daemon
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The generator, rebuilt when its source is newer (never in the tree).
build_rtpload() {
  mkdir -p "$CACHE"
  if [[ ! -x $RTPLOAD || $BENCH_DIR/rtpload/rtpload.cpp -nt $RTPLOAD ]]; then
    g++ -O2 -std=c++20 -pthread "$BENCH_DIR/rtpload/rtpload.cpp" -o "$RTPLOAD.tmp" -lcrypto ||
      die "building rtpload failed (needs g++ and libssl-dev)"
    mv "$RTPLOAD.tmp" "$RTPLOAD"
  fi
}

# rtpengine must be our own instance: the package's service stays stopped.
quiet_rtpengine_service() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    systemctl is-active --quiet rtpengine-daemon 2>/dev/null && systemctl stop rtpengine-daemon
    systemctl is-enabled --quiet rtpengine-daemon 2>/dev/null && systemctl disable --quiet rtpengine-daemon
  fi
  return 0
}

declare -A BEST=() US_PER_PKT=() CPU_PCT=() PROJ=() RSS=()
SERVER_PID=""

# One step: $1 name, $2 calls, rest: rtpload's signalling arguments. Prints a row; 1 when the step fails.
run_step() {
  local name=$1 calls=$2 out rc=0 busy0 busy1 t0 t1
  shift 2
  out=$WORK/$name-$calls.out
  local rec_bytes0=0 rec_dropped0=0
  if [[ $name == hotlined-rec ]]; then  # (run_step runs in a subshell: the baseline is read here, per step)
    local metrics0
    metrics0=$(curl -fsS --max-time 5 "$BASE/metrics" || true)
    rec_bytes0=$(awk '$1 == "hotline_recorder_bytes_total" { print $2 }' <<<"$metrics0")
    rec_dropped0=$(awk '$1 == "hotline_recorder_dropped_frames_total" { print $2 }' <<<"$metrics0")
  fi
  busy0=$(machine_busy_seconds); t0=$(date +%s.%N)
  timeout $((DURATION + WARMUP + 2 * calls / SETUP_RATE + 90)) nice -n "$BENCH_NICE" "$RTPLOAD" "$@" --calls "$calls" \
    --duration "$DURATION" --warmup "$WARMUP" --setup-rate "$SETUP_RATE" --threads "$GEN_THREADS" \
    --server-pid "$SERVER_PID" --late-ms "$LATE_MS" >"$out" 2>"$out.err" || rc=$?
  busy1=$(machine_busy_seconds); t1=$(date +%s.%N)
  local result rec=""
  result=$(grep '^RESULT ' "$out" || true)
  if [[ $name == hotlined-rec ]]; then
    # Recorder health after the step: frames still queued, frames dropped, bytes on disk per second.
    local metrics queue dropped bytes
    metrics=$(curl -fsS --max-time 5 "$BASE/metrics" || true)
    queue=$(awk '$1 == "hotline_recorder_queue_depth" { print $2 }' <<<"$metrics")
    dropped=$(awk '$1 == "hotline_recorder_dropped_frames_total" { print $2 }' <<<"$metrics")
    bytes=$(awk '$1 == "hotline_recorder_bytes_total" { print $2 }' <<<"$metrics")
    rec=" rec_queue=${queue:-0} rec_dropped=$(awk -v a="${dropped:-0}" -v b="${rec_dropped0:-0}" 'BEGIN { print a - b }')"
    rec+=" rec_mb_s=$(awk -v a="${bytes:-0}" -v b="${rec_bytes0:-0}" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", (a - b) / 1048576 / (e - s) }')"
  fi
  [[ -n $result ]] || { cat "$out" "$out.err" >&2; echo "$name $calls: rtpload failed (exit $rc)"; return 1; }
  # machine busy % beyond relay + generator would show other work on the box; printed as "machine%".
  awk -v name="$name" -v maxloss="$MAX_LOSS_PCT" \
    -v machine="$(awk -v a="$busy0" -v b="$busy1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", 100 * (b - a) / (e - s) }')" '
    {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
      per_call = r["established"] > 0 ? r["server_cpu_pct"] / r["established"] : 0
      recording = ("rec_queue" in r)
      # A recorder that falls behind (frames queued after the step, or dropped) fails the step.
      rec_ok = !recording || (r["rec_queue"] < 1000 && r["rec_dropped"] == 0)
      pass = r["setup_failed"] == 0 && r["loss_pct"] < maxloss && rec_ok
      p99 = r["delay_p99_ms"] >= 200 ? ">200" : sprintf("%.1f", r["delay_p99_ms"])
      printf "%-9s %6d %7d %9d %8.3f%% %7d %6s %7.1f%% %7.0f MB %8.2f µs %8.0f %6.0f%% %8.0f%%  %s\n",
        name, r["calls"], r["established"], r["pps"], r["loss_pct"], r["late"], p99, r["server_cpu_pct"],
        r["server_rss_kb"] / 1024, r["cpu_us_per_pkt"], r["projected_2core"], r["gen_cpu_pct"], machine,
        (pass ? "ok" : (r["setup_failed"] > 0 ? "FAILED (" r["setup_failed"] " calls not set up, " r["shed503"] " of them 503)" : \
          (rec_ok ? "FAILED (loss)" : "FAILED (recorder backlog)"))) \
        (recording ? sprintf("  [disk %s MB/s, recorder queue %d, dropped %d]", r["rec_mb_s"], r["rec_queue"], r["rec_dropped"]) : "")
      exit pass ? 0 : 1
    }' <<<"$result$rec"
}

# Steps up the count for one server; $1 name, rest: rtpload's signalling arguments.
run_server() {
  local name=$1 calls row best=0
  shift
  echo
  echo "== $name: $DURATION s counted per step (+ $WARMUP s warm-up), calls set up at $SETUP_RATE/s, $GEN_THREADS generator threads"
  printf '%-9s %6s %7s %9s %9s %7s %6s %8s %10s %11s %8s %7s %9s  %s\n' \
    server calls up pkts/s loss late p99ms CPU RSS CPU/pkt 2-core gen% machine% result
  for calls in $COUNTS; do
    wait_idle 30
    if row=$(run_step "$name" "$calls" "$@"); then
      echo "$row"
      best=$calls
      read -r _ _ _ _ _ _ _ cpu rss _ us _ proj _ <<<"$row"
      CPU_PCT[$name:$calls]=$cpu; RSS[$name:$calls]=$rss; US_PER_PKT[$name:$calls]=$us; PROJ[$name:$calls]=$proj
    else
      echo "$row"
      read -r _ _ _ _ _ _ _ cpu rss _ us _ proj _ <<<"$row"
      US_PER_PKT[$name:$calls]=$us
      break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || die "$name died at $calls calls"
    sleep 2
  done
  BEST[$name]=$best
  if ((best > 0)); then
    echo "$name: highest count $best calls (CPU ${CPU_PCT[$name:$best]}, RSS ${RSS[$name:$best]} MB, ${US_PER_PKT[$name:$best]} µs per relayed packet, projected on 2 dedicated cores: ${PROJ[$name:$best]} calls)"
  else
    echo "$name: no count passed"
  fi
}

echo "rtp-concurrency: $(nproc) cores shared by rtpload and the relay; DURATION=$DURATION s; COUNTS: $COUNTS; relay and rtpload at nice $BENCH_NICE"
build_rtpload

for server in $SERVERS; do
  case $server in
    hotlined | hotlined-rec)
      build_release
      UAS_PASSWORD="uas-$RANDOM$RANDOM"
      SIP_EXTRA='"max_requests_per_second":1000000,"auth_failures_before_ban":10000'
      recording=false
      [[ $server == hotlined-rec ]] && recording=true
      start_daemon "\"recordings\":{\"enabled\":$recording},\"calls\":{\"max_calls\":$HOTLINED_MAX_CALLS},\"rtp\":{\"address\":\"127.0.0.1\",\"ports\":\"$RTP_PORTS\"},\"trunks\":[{\"name\":\"load\",\"acl\":[\"127.0.0.1/32\"]}],\"dialplan\":[{\"match\":\"_8XXX\",\"to\":\"extension\"},{\"match\":\"9196\",\"to\":\"echo\"}]"
      login
      port=$(sip_port)
      [[ -n $port ]] || die "no event=sip.listening line in the daemon log"
      api_post /api/v1/sip/accounts "{\"username\":\"8001\",\"password\":\"$UAS_PASSWORD\"}" >/dev/null ||
        die "creating SIP account 8001 failed"
      SERVER_PID=$DAEMON_PID
      renice_tree "$SERVER_PID"
      run_server "$server" --sip "127.0.0.1:$port" --user 8001 --password "$UAS_PASSWORD"
      stop_daemon
      ;;
    rtpengine)
      ensure_work
      need rtpengine
      quiet_rtpengine_service
      ng=$(free_port)
      rtpengine --config-file=none --table=-1 --foreground --log-stderr --log-level=4 \
        --interface=127.0.0.1 --listen-ng="127.0.0.1:$ng" --port-min="${RTP_PORTS%-*}" --port-max="${RTP_PORTS#*-}" \
        --num-threads="$RTPENGINE_THREADS" --delete-delay=0 --timeout=600 --pidfile="$WORK/rtpengine.pid" \
        >"$WORK/rtpengine.log" 2>&1 </dev/null &
      SERVER_PID=$!
      BG_PIDS+=("$SERVER_PID")
      for ((i = 0; i < 50; i++)); do [[ -n $(ss -Hanu "sport = :$ng") ]] && break; sleep 0.1; done
      kill -0 "$SERVER_PID" 2>/dev/null && [[ -n $(ss -Hanu "sport = :$ng") ]] ||
        { tail -n 20 "$WORK/rtpengine.log" >&2; die "rtpengine did not start"; }
      renice_tree "$SERVER_PID"
      echo "rtpengine $(rtpengine --version 2>&1 | awk '{ print $NF }'), pid $SERVER_PID, userspace (--table=-1), $RTPENGINE_THREADS threads, ng on 127.0.0.1:$ng"
      run_server rtpengine --rtpengine "127.0.0.1:$ng"
      stop_pid "$SERVER_PID" 10
      ;;
    *) die "unknown server '$server' (SERVERS: hotlined hotlined-rec rtpengine)" ;;
  esac
done

echo
echo "== summary (highest count with < $MAX_LOSS_PCT % loss over $DURATION s, G.711 both ways, 50 packets/s per direction)"
for server in $SERVERS; do
  b=${BEST[$server]:-0}
  if ((b > 0)); then
    printf '%-9s %5d calls  CPU %s  RSS %s MB  %s µs/packet  projected on 2 dedicated cores: %s calls\n' \
      "$server" "$b" "${CPU_PCT[$server:$b]}" "${RSS[$server:$b]}" "${US_PER_PKT[$server:$b]}" "${PROJ[$server:$b]}"
  else
    printf '%-9s no count passed\n' "$server"
  fi
done
if [[ " $SERVERS " == *" hotlined "* && " $SERVERS " == *" rtpengine "* ]]; then
  echo "count ratio hotlined/rtpengine: $(ratio "${BEST[hotlined]}" "${BEST[rtpengine]}") (target >= 1.0)"
  echo "CPU per relayed packet, hotlined/rtpengine, at the counts both passed (target <= 1.0):"
  for calls in $COUNTS; do
    h=${US_PER_PKT[hotlined:$calls]:-}; r=${US_PER_PKT[rtpengine:$calls]:-}
    [[ -n $h && -n $r && -n ${CPU_PCT[hotlined:$calls]:-} && -n ${CPU_PCT[rtpengine:$calls]:-} ]] || continue
    printf '  %5d calls: hotlined %6s µs, rtpengine %6s µs, ratio %s\n' "$calls" "$h" "$r" "$(ratio "$h" "$r")"
  done
  echo "projected calls on 2 dedicated cores, hotlined: ${PROJ[hotlined:${BEST[hotlined]}]:-"-"} (goal >= 2,000)"
fi
if [[ " $SERVERS " == *" hotlined "* && " $SERVERS " == *" hotlined-rec "* ]]; then
  echo "count ratio recording on/off: $(ratio "${BEST[hotlined-rec]}" "${BEST[hotlined]}") (target >= 0.8; recorded calls target >= 750)"
  for calls in $COUNTS; do
    h=${US_PER_PKT[hotlined:$calls]:-}; r=${US_PER_PKT[hotlined-rec:$calls]:-}
    [[ -n $h && -n $r && -n ${CPU_PCT[hotlined:$calls]:-} && -n ${CPU_PCT[hotlined-rec:$calls]:-} ]] || continue
    printf '  %5d calls: CPU per packet with recording %6s µs, without %6s µs, ratio %s\n' "$calls" "$r" "$h" "$(ratio "$r" "$h")"
  done
fi
