#!/usr/bin/env bash
# Call rate of the switching core: sipp UAC -> server -> sipp UAS, calls of
# HOLD_MS (3 s), the rate stepped up until a step fails; hotlined (B2BUA,
# CDRs) and kamailio (stateful transaction proxy, bench/kamailio/kamailio.cfg)
# measured in the same run with the same sipp pair, printed side by side.
#
# A step passes when < MAX_FAIL_PCT (0.1) % of its calls failed (503 counts
# as failed) and sipp could start all calls at the asked rate (the last
# INVITE went out within 5 % + 1 s of DURATION).
#
# Usage: bench/sip-rate.sh
# Env:   DURATION=60 (s per step)  RATES="50 100 200 ..."  HOLD_MS=3000
#        SERVERS="hotlined kamailio"  KAMAILIO_CHILDREN=4  KAMAILIO_SHM_MB=512
#        MAX_FAIL_PCT=0.1  HOTLINED_MAX_CALLS=20000  HOTLINED=path (no build)
#        QUICK=1: DURATION=10 unless set.  RECORD=true: hotlined records every call
#        (off by default: kamailio, the peer, records nothing; recording is measured by
#        bench/recording-concurrency.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${QUICK:-} ]] && DURATION=${DURATION:-10}
DURATION=${DURATION:-60}
RATES=${RATES:-"50 100 200 300 400 600 800 1000 1200 1400 1600 1800 2000 2400 2800"}
HOLD_MS=${HOLD_MS:-3000}
SERVERS=${SERVERS:-"hotlined kamailio"}
KAMAILIO_CHILDREN=${KAMAILIO_CHILDREN:-4}
KAMAILIO_SHM_MB=${KAMAILIO_SHM_MB:-512}
MAX_FAIL_PCT=${MAX_FAIL_PCT:-0.1}
HOTLINED_MAX_CALLS=${HOTLINED_MAX_CALLS:-20000}  # calls.max_calls: high, so that CPU, not the cap, sets the limit
SIPP_DIR=$BENCH_DIR/sipp

need awk curl jq ss sqlite3
apt_ensure sip-tester
[[ " $SERVERS " == *" kamailio "* ]] && apt_ensure kamailio
need sipp
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

declare -A MAX_RATE=() CPU_AT_MAX=()
TOTAL_STARTED=0 TOTAL_OK=0
SERVER_PID=""

# CPU seconds of the sipp pair in a step: the difference of the children's
# times (second line of bash's `times`) between $1.times0 and $1.times1.
children_cpu() {
  awk 'function s(t, m) { split(t, m, /[ms]/); return m[1] * 60 + m[2] }
       FNR == 2 { v[FILENAME] = s($1) + s($2) }
       END { printf "%.2f\n", v[ARGV[2]] - v[ARGV[1]] }' "$1.times0" "$1.times1"
}

# UDP datagrams the kernel dropped for full receive buffers, machine-wide (/proc/net/snmp).
udp_rcvbuf_errors() {
  awk '$1 == "Udp:" { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp
}

# sipp -l: the calls open at once (HOLD_MS + 5 s of them), below the open-files limit.
open_calls_limit() {
  local l=$(($1 * (HOLD_MS / 1000 + 5))) max=$(($(ulimit -n) - 2000))
  echo $((l < max ? l : max))
}

# The sipp UAS on $UAS_PORT until killed; $1: file prefix.
start_uas() {
  timeout $((DURATION + HOLD_MS / 1000 + 120)) nice -n "$BENCH_NICE" sipp -sf "$SIPP_DIR/uas.xml" -i 127.0.0.1 -p "$UAS_PORT" -s 8001 -buff_size 1048576 \
    -mi 127.0.0.1 -mp "$(free_port)" -nostdin -trace_err -error_file "$1-uas-errors.log" \
    >"$1-uas.out" 2>&1 </dev/null &
  UAS_PID=$!
  BG_PIDS+=("$UAS_PID")
  sleep 0.3
  kill -0 "$UAS_PID" 2>/dev/null || { cat "$1-uas.out" >&2; die "sipp UAS did not start"; }
}

# One step: $1 server name, $2 rate, $3 server's SIP port. Prints a row; returns 1 when the step fails.
run_step() {
  local name=$1 rate=$2 port=$3 calls prefix cpu0 cpu1 t0 t1 wall drops0 drops1 busy0 busy1 rc=0
  calls=$((rate * DURATION))
  prefix=$WORK/$name-$rate
  [[ $name == hotlined ]] && register_uas "$prefix"
  start_uas "$prefix"
  times >"$prefix.times0"  # this subshell's children: the sipp pair (UAS counted once reaped)
  cpu0=$(tree_cpu_seconds "$SERVER_PID")
  drops0=$(udp_rcvbuf_errors)
  busy0=$(machine_busy_seconds)
  t0=$(date +%s.%N)
  mkdir -p "$prefix.d"  # sipp writes uac_PID_counts.csv into its working directory
  sed "s/timeout=\"3000\" ontimeout=\"bye\"/timeout=\"$HOLD_MS\" ontimeout=\"bye\"/" "$SIPP_DIR/uac.xml" >"$prefix.d/uac.xml"
  (cd "$prefix.d" && timeout $((DURATION * 2 + HOLD_MS / 1000 + 60)) nice -n "$BENCH_NICE" sipp -sf uac.xml \
    -i 127.0.0.1 -p "$UAC_PORT" -mi 127.0.0.1 -mp "$(free_port)" -s 8001 \
    -r "$rate" -m "$calls" -l "$(open_calls_limit "$rate")" \
    -buff_size 1048576 -recv_timeout 10000 -timeout $((DURATION * 2 + HOLD_MS / 1000 + 30))s -timeout_error \
    -trace_stat -stf "$prefix-stat.csv" -fd 1 -trace_counts \
    -trace_err -error_file "$prefix-uac-errors.log" -nostdin \
    "127.0.0.1:$port" >"$prefix-uac.out" 2>&1 </dev/null) || rc=$?
  t1=$(date +%s.%N)
  cpu1=$(tree_cpu_seconds "$SERVER_PID")
  drops1=$(udp_rcvbuf_errors)
  busy1=$(machine_busy_seconds)
  stop_pid "$UAS_PID" 5
  times >"$prefix.times1"
  local counts
  counts=$(ls "$prefix.d"/*_counts.csv 2>/dev/null | head -n 1)
  [[ -s $prefix-stat.csv && -n $counts ]] || { tail -n 20 "$prefix-uac.out" >&2; die "sipp UAC wrote no statistics (exit $rc)"; }
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  # stat.csv: ';'-separated, header row, one row a second and a final row.
  # counts.csv: the same for each scenario element; the 503 row is "N_503_Recv".
  awk -F';' -v name="$name" -v rate="$rate" -v calls="$calls" -v dur="$DURATION" -v maxfail="$MAX_FAIL_PCT" \
    -v drops=$((drops1 - drops0)) -v busy="$(awk -v a="$busy0" -v b="$busy1" 'BEGIN { print b - a }')" -v gen="$(children_cpu "$prefix")" -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" -v wall="$wall" -v counts="$counts" '
    function secs(t, p) { n = split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] + p[4] / 1e6 }
    BEGIN {
      while ((getline line < counts) > 0) {
        n = split(line, c, ";")
        if (!hdr) { for (i = 1; i <= n; i++) if (c[i] ~ /_503_Recv$/) col = i; hdr = 1; continue }
        if (col) shed = c[col] + 0
      }
    }
    NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    {
      out = $h["OutgoingCall(C)"] + 0
      if (!last_invite && out >= calls) last_invite = secs($h["ElapsedTime(C)"])
      ok = $h["SuccessfulCall(C)"]; failed = $h["FailedCall(C)"]; rt = $h["ResponseTime1(C)"]
      slow = $h["ResponseTimeRepartition1_<1000"] + $h["ResponseTimeRepartition1_<2000"] + $h["ResponseTimeRepartition1_>=2000"]
    }
    END {
      ok -= shed; failed += shed          # a 503 ends the call through the scenario: sipp counts it as successful
      unstarted = calls - out
      bad = failed + unstarted
      pct = 100 * bad / calls
      held = last_invite > 0 && last_invite <= dur * 1.05 + 1
      pass = pct < maxfail && held
      printf "%-9s %6d/s %8d %8d %7d %6d %8.3f%% %7.1f ms %6d %7.0f%% %7.2f ms %7.0f%% %9d %8.0f%% %5.0f s  %s\n",
        name, rate, out, ok, failed, shed, pct, secs(rt) * 1000, slow, 100 * cpu / wall, 1000 * cpu / (ok > 0 ? ok : 1),
        100 * gen / wall, drops, 100 * busy / wall, wall,
        pass ? "ok" : (held ? "FAILED" : "FAILED (rate not held: last INVITE at " last_invite " s)")
      exit pass ? 0 : 1
    }' "$prefix-stat.csv"
}

# The UAS registers as 8001 from its own port (hotlined only).
register_uas() {
  timeout 30 sipp -sf "$SIPP_DIR/register.xml" -i 127.0.0.1 -p "$UAS_PORT" -s 8001 -au 8001 -ap "$UAS_PASSWORD" \
    -m 1 -recv_timeout 5000 -timeout 20s -timeout_error -nostdin "127.0.0.1:$HOTLINE_SIP_PORT" \
    >"$1-register.out" 2>&1 </dev/null || { tail -n 20 "$1-register.out" >&2; die "REGISTER of 8001 at hotlined failed"; }
}

# Steps up the rate for one server until a step fails; $1 name, $2 SIP port.
run_server() {
  local name=$1 port=$2 rate best=0 best_cpu="-" row
  echo
  echo "== $name: sipp UAC -> $name (127.0.0.1:$port) -> sipp UAS, ${HOLD_MS} ms calls, $DURATION s per step"
  printf '%-9s %8s %8s %8s %7s %6s %9s %10s %6s %8s %10s %9s %9s %9s %6s  %s\n' \
    server rate started ok failed 503s failed% INV→200 ≥500ms CPU% CPU/call sipp-CPU% udp-drops machine% wall result
  for rate in $RATES; do
    wait_idle 30
    if row=$(run_step "$name" "$rate" "$port"); then
      echo "$row"
      read -r _ _ started ok _ <<<"$row"; TOTAL_STARTED=$((TOTAL_STARTED + started)); TOTAL_OK=$((TOTAL_OK + ok))
      best=$rate
      best_cpu=$(awk '{ print $11 }' <<<"$row")
    else
      echo "$row"
      if read -r _ _ started ok _ <<<"$row" && [[ $started =~ ^[0-9]+$ && $ok =~ ^[0-9]+$ ]]; then
        TOTAL_STARTED=$((TOTAL_STARTED + started)); TOTAL_OK=$((TOTAL_OK + ok))
      fi
      break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || die "$name died at $rate calls/s"
    sleep 2
  done
  MAX_RATE[$name]=$best
  CPU_AT_MAX[$name]=$best_cpu
  echo "$name: max sustained rate $best calls/s (CPU ${best_cpu} at that rate)"
}

echo "sip-rate: $(nproc) cores shared by sipp (UAC + UAS) and the server; DURATION=$DURATION s per step; RATES: $RATES; server and sipp at nice $BENCH_NICE"

for server in $SERVERS; do
  case $server in
    hotlined)
      need jq
      build_release
      UAS_PASSWORD="uas-$RANDOM$RANDOM"
      SIP_EXTRA='"max_requests_per_second":1000000,"auth_failures_before_ban":10000'
      start_daemon '"recordings":{"enabled":'"${RECORD:-false}"'},"calls":{"max_calls":'"$HOTLINED_MAX_CALLS"',"cdr":true},"rtp":{"address":"127.0.0.1","ports":"20000-29999"},"trunks":[{"name":"load","acl":["127.0.0.1/32"]}],"dialplan":[{"match":"_8XXX","to":"extension"},{"match":"9196","to":"echo"}]'
      login
      HOTLINE_SIP_PORT=$(sip_port)
      [[ -n $HOTLINE_SIP_PORT ]] || die "no event=sip.listening line in the daemon log"
      api_post /api/v1/sip/accounts "{\"username\":\"8001\",\"password\":\"$UAS_PASSWORD\"}" >/dev/null ||
        die "creating SIP account 8001 failed"
      SERVER_PID=$DAEMON_PID
      renice_tree "$SERVER_PID"
      UAS_PORT=$(free_port); UAC_PORT=$(free_port)
      TOTAL_STARTED=0 TOTAL_OK=0
      run_server hotlined "$HOTLINE_SIP_PORT"
      stop_daemon
      # One CDR (a row of "calls") per call: the daemon wrote them while it switched.
      cdrs=$(sqlite3 -readonly "$WORK/data/hotline.db" 'SELECT count(*) || " rows, " || coalesce(sum(answered_at IS NOT NULL), 0) || " answered" FROM calls' 2>&1) ||
        cdrs="not readable ($cdrs)"
      echo "hotlined CDRs: $cdrs; sipp started $TOTAL_STARTED calls, $TOTAL_OK of them completed"
      ;;
    kamailio)
      ensure_work
      need kamailio
      UAS_PORT=$(free_port); UAC_PORT=$(free_port)
      KPORT=$(free_port)
      mkdir -p "$WORK/kamailio"
      kamailio -DD -E -f "$BENCH_DIR/kamailio/kamailio.cfg" -A "LISTEN=udp:127.0.0.1:$KPORT" \
        -A "UAS_URI=\"sip:127.0.0.1:$UAS_PORT\"" -n "$KAMAILIO_CHILDREN" -m "$KAMAILIO_SHM_MB" -M 16 \
        -P "$WORK/kamailio/kamailio.pid" -Y "$WORK/kamailio" >"$WORK/kamailio/kamailio.log" 2>&1 </dev/null &
      SERVER_PID=$!
      BG_PIDS+=("$SERVER_PID")
      for ((i = 0; i < 50; i++)); do [[ -n $(ss -Hanu "sport = :$KPORT") ]] && break; sleep 0.1; done
      kill -0 "$SERVER_PID" 2>/dev/null && [[ -n $(ss -Hanu "sport = :$KPORT") ]] ||
        { tail -n 20 "$WORK/kamailio/kamailio.log" >&2; die "kamailio did not start"; }
      renice_tree "$SERVER_PID"
      echo "$(kamailio -v | head -n 1), pid $SERVER_PID on 127.0.0.1:$KPORT, $KAMAILIO_CHILDREN UDP children, ${KAMAILIO_SHM_MB} MB shm"
      run_server kamailio "$KPORT"
      stop_pid "$SERVER_PID" 10
      ;;
    *) die "unknown server '$server' (SERVERS: hotlined kamailio)" ;;
  esac
done

echo
echo "== summary (calls/s with < $MAX_FAIL_PCT % failed over $DURATION s, $HOLD_MS ms calls)"
for server in $SERVERS; do printf '%-9s max %5s calls/s  CPU %s\n' "$server" "${MAX_RATE[$server]}" "${CPU_AT_MAX[$server]}"; done
if [[ -n ${MAX_RATE[hotlined]:-} && -n ${MAX_RATE[kamailio]:-} ]]; then
  echo "ratio hotlined/kamailio: $(ratio "${MAX_RATE[hotlined]}" "${MAX_RATE[kamailio]}") (target: hotlined >= 300 calls/s)"
fi
