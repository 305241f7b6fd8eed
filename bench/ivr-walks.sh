#!/usr/bin/env bash
# IVR walks: CONCURRENT (1,000) callers at once walking the 12345 flow
# (ivr-flows/12345.yaml) through a Release hotlined, for DURATION seconds.
# Two sipp UACs dial 12345 from 13800138000 and replay the RTP of a walk
# (bench/ivr/walk_pcap.py: RFC 4733 keys at fixed times and G.711 silence),
# then hang up after WALK_SECONDS:
#   kb walk:     2 (automatic service) → 4 (consultation) → 3 (office guide):
#                hears a knowledge-base article read by TTS, then the menu;
#   status walk: 2 → 3 (status query) → the ticket's number + # : the
#                look-up, its status read out by TTS (from the cache).
# Half the callers take each walk; calls start at CONCURRENT / WALK_SECONDS
# per second, so after WALK_SECONDS about CONCURRENT walks run at once.
#
# Measured over the steady part (from WALK_SECONDS + 5 s to the last call
# started): calls in progress (hotline_calls_active, sampled every second),
# the daemon's CPU (all threads) and CPU per walk, sipp's CPU, how busy the
# whole machine was; over the run: failed calls (sipp), walks whose IVR path
# (calls.ivr_path) shows they went as planned, keys heard vs keys sent, and
# the prompt hit rate of the TTS cache (hotline_tts_cache_*).
#
# Callers' RTP (CALLER_RTP): "sparse" (default) sends the keys and one
# silence packet a second, as a phone with voice activity detection does;
# "full" sends silence every 20 ms as well. sipp replays a pcap with one
# thread per call, so "full" at 1,000 calls costs sipp itself about 1.5 of
# the 2 cores (measured: 147 %), which leaves too little to the daemon on a
# 2-core machine; the RTP relay's packet cost is measured by
# rtp-concurrency.sh.
#
# Usage: bench/ivr-walks.sh
# Env:   CONCURRENT=1000  WALK_SECONDS=30  DURATION=120 (s of call starts)
#        CALLER_RTP=sparse|full  HOTLINED=path (no build)  BENCH_KEEP=1 (keep the work dir)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONCURRENT=${CONCURRENT:-1000}
WALK_SECONDS=${WALK_SECONDS:-30}
DURATION=${DURATION:-120}
CALLER_RTP=${CALLER_RTP:-sparse}
[[ $CALLER_RTP == sparse || $CALLER_RTP == full ]] || die "CALLER_RTP: sparse or full"
CALLER=13800138000
((DURATION > WALK_SECONDS + 20)) || die "DURATION must exceed WALK_SECONDS + 20 (a steady part to measure)"

need awk curl jq sqlite3 python3 ss
apt_ensure sip-tester
need sipp
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Each of the daemon's threads, by name (threads of one name summed): "name
# cpu_s wait_s", CPU time and time spent runnable but waiting for a CPU
# (/proc/PID/task/TID/schedstat: the scheduler's own account, in ns).
thread_stats() {
  local t
  for t in /proc/"$DAEMON_PID"/task/*; do
    printf '%s %s\n' "$(<"$t/comm")" "$(<"$t/schedstat")" 2>/dev/null || true
  done | awk '{ c[$1] += $2 / 1e9; w[$1] += $3 / 1e9 } END { for (n in c) printf "%s %.3f %.3f\n", n, c[n], w[n] }'
}

# A counter or gauge from /metrics (summed over its labels); 0 when absent.
metric() {
  curl -fsS --max-time 5 "$BASE/metrics" | awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}

wait_idle 30
echo "ivr-walks: $CONCURRENT concurrent walks of $WALK_SECONDS s, calls started for $DURATION s; $(nproc) cores;" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg); callers' RTP: $CALLER_RTP"

build_release
SIP_EXTRA='"max_requests_per_second":1000000,"auth_failures_before_ban":10000'
start_daemon '"recordings":{"enabled":false},"calls":{"max_calls":20000,"cdr":true},"rtp":{"address":"127.0.0.1","ports":"20000-39999"},"trunks":[{"name":"load","acl":["127.0.0.1/32"]}],"dialplan":[{"match":"12345","to":"ivr:12345"}],"ivr":{"flows_dir":"'"$ROOT"'/ivr-flows","variables":{"city":"昆明市"}}'
renice_tree "$DAEMON_PID"
login
SIP_PORT=$(sip_port)
[[ -n $SIP_PORT ]] || die "no event=sip.listening line in the daemon log"

# What the walks find: an office-guide article, a ticket filed from the caller's phone.
api_post /api/v1/kb/articles '{"section":"office_guide","title":"社保卡补办","body":"携带本人身份证到任一社保服务网点办理，当场领取临时卡，正式卡十五个工作日内寄送。"}' >/dev/null ||
  die "adding the knowledge-base article failed"
NUMBER=$(api_post /api/v1/tickets '{"type":"complaint","category_code":"0301","summary":"小区停水","content":"幸福路12号停水。","location":"幸福路12号","caller_name":"王先生","caller_phone":"'$CALLER'"}' | jq -r .number)
[[ $NUMBER =~ ^[0-9]+$ ]] || die "creating the ticket failed: $NUMBER"

sparse=""
[[ $CALLER_RTP == sparse ]] && sparse=--sparse
python3 "$BENCH_DIR/ivr/walk_pcap.py" "$WORK/kb.pcap" "$WALK_SECONDS" 2:2 3.5:4 5:3 $sparse
python3 "$BENCH_DIR/ivr/walk_pcap.py" "$WORK/status.pcap" "$WALK_SECONDS" 2:2 3.5:3 "5:${NUMBER}#" $sparse
KEYS_PER_KB=3 KEYS_PER_STATUS=$((2 + ${#NUMBER} + 1))

for walk in kb status; do
  mkdir -p "$WORK/$walk.d"
  sed -e "s#PCAP_FILE#$WORK/$walk.pcap#" -e "s#WALK_MS#$((WALK_SECONDS * 1000))#" "$BENCH_DIR/ivr/walk.xml" >"$WORK/$walk.d/walk.xml"
done

# Warm-up: one caller of each walk, so that the prompts are in the TTS cache
# as they are on a server in service (the cache is kept on disk). Without it
# the first few hundred callers wait for espeak-ng to render each prompt once.
warm0=$(metric hotline_tts_cache_misses_total)
WARM_PIDS=()
for walk in kb status; do
  (cd "$WORK/$walk.d" && exec timeout $((WALK_SECONDS + 60)) sipp -sf walk.xml -i 127.0.0.1 -p "$(free_port)" \
    -mi 127.0.0.1 -mp "$(free_port)" -s 12345 -m 1 -recv_timeout 20000 -timeout_error -nostdin \
    -trace_err -error_file "$WORK/$walk-warmup-errors.log" "127.0.0.1:$SIP_PORT" >"$WORK/$walk-warmup.out" 2>&1 </dev/null) &
  WARM_PIDS+=($!)
  BG_PIDS+=($!)
done
for p in "${WARM_PIDS[@]}"; do wait "$p" || die "the warm-up call failed (see $WORK/*-warmup.out)"; done
warm_renderings=$(($(metric hotline_tts_cache_misses_total) - warm0))
echo "warm-up: one call of each walk, $warm_renderings prompts rendered by TTS"

# Each UAC: half the callers, CONCURRENT/2 calls started per WALK_SECONDS.
per_uac=$((CONCURRENT / 2))
calls_per_uac=$((per_uac * DURATION / WALK_SECONDS))
tts_hits0=$(metric hotline_tts_cache_hits_total) tts_miss0=$(metric hotline_tts_cache_misses_total)
digits0=$(metric hotline_media_digits_total)
run_started_ms=$(($(date +%s%N) / 1000000))  # the warm-up calls started before: not counted
UAC_PIDS=()
for walk in kb status; do
  (cd "$WORK/$walk.d" && exec timeout $((DURATION + WALK_SECONDS + 120)) nice -n "$BENCH_NICE" sipp -sf walk.xml \
    -i 127.0.0.1 -p "$(free_port)" -mi 127.0.0.1 -mp "$(free_port)" -s 12345 \
    -r "$per_uac" -rp "$((WALK_SECONDS * 1000))" -m "$calls_per_uac" -l $((per_uac + per_uac / 5)) \
    -buff_size 4194304 -recv_timeout 20000 -timeout $((DURATION + WALK_SECONDS + 90))s -timeout_error \
    -trace_stat -stf "$WORK/$walk-stat.csv" -fd 1 -trace_err -error_file "$WORK/$walk-errors.log" -nostdin \
    "127.0.0.1:$SIP_PORT" >"$WORK/$walk-uac.out" 2>&1 </dev/null) &
  UAC_PIDS+=($!)
  BG_PIDS+=($!)
done

# Samples every second: elapsed s, calls active, daemon CPU s, sipp CPU s, machine busy s,
# prompt frames played (20 ms each), legs hearing a prompt now.
t0=$(date +%s.%N)
: >"$WORK/samples"
steady_from=$((WALK_SECONDS + 5))
while kill -0 "${UAC_PIDS[0]}" 2>/dev/null || kill -0 "${UAC_PIDS[1]}" 2>/dev/null; do
  alive || die "hotlined died during the run"
  sipp_cpu=0
  for p in "${UAC_PIDS[@]}"; do sipp_cpu=$(awk -v a="$sipp_cpu" -v b="$(tree_cpu_seconds "$p")" 'BEGIN { print a + b }'); done
  printf '%s %s %s %s %s %s %s\n' "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" \
    "$(metric hotline_calls_active)" "$(tree_cpu_seconds "$DAEMON_PID")" "$sipp_cpu" "$(machine_busy_seconds)" \
    "$(metric hotline_media_frames_played_total)" "$(metric hotline_media_players)" >>"$WORK/samples"
  elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a }')
  if [[ ! -s $WORK/threads0 ]] && ((elapsed >= steady_from)); then thread_stats >"$WORK/threads0"; threads_t0=$(date +%s.%N); fi
  if [[ ! -s $WORK/threads1 ]] && ((elapsed >= DURATION)); then thread_stats >"$WORK/threads1"; threads_t1=$(date +%s.%N); fi
  sleep 1
done
for p in "${UAC_PIDS[@]}"; do wait "$p" || true; done
sleep 2
tts_hits=$(($(metric hotline_tts_cache_hits_total) - tts_hits0))
tts_miss=$(($(metric hotline_tts_cache_misses_total) - tts_miss0))
digits=$(($(metric hotline_media_digits_total) - digits0))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# sipp's last statistics row of each UAC: calls started, succeeded, failed.
uac_counts() {
  [[ -s $WORK/$1-stat.csv ]] || { tail -n 20 "$WORK/$1-uac.out" >&2; die "sipp ($1) wrote no statistics"; }
  awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
             { o = $h["OutgoingCall(C)"]; s = $h["SuccessfulCall(C)"]; f = $h["FailedCall(C)"] } END { print o + 0, s + 0, f + 0 }' \
    "$WORK/$1-stat.csv"
}
read -r kb_started kb_done kb_failed < <(uac_counts kb)
read -r st_started st_done st_failed < <(uac_counts status)
started=$((kb_started + st_started)) ok=$((kb_done + st_done)) failed=$((kb_failed + st_failed))
keys_sent=$((kb_started * KEYS_PER_KB + st_started * KEYS_PER_STATUS))
planned=$((calls_per_uac * 2))

# The steady part: calls active (min, median, max), CPU rates.
read -r active_min active_med active_max < <(awk -v from="$steady_from" -v until="$DURATION" '$1 >= from && $1 <= until { print $2 }' \
  "$WORK/samples" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[1], a[int((NR + 1) / 2)], a[NR]; else print 0, 0, 0 }')
# Real time: frames played over the frames the players present should have
# played (50 a second each); below 100 % the media threads fell behind.
read -r daemon_pct sipp_pct machine_pct window realtime < <(awk -v from="$steady_from" -v until="$DURATION" '
  $1 >= from && $1 <= until {
    n++
    if (n == 1) { t1 = $1; d1 = $3; s1 = $4; m1 = $5; f1 = $6 } else due += ($1 - tp) * 50 * (pp + $7) / 2
    t2 = $1; d2 = $3; s2 = $4; m2 = $5; f2 = $6; tp = $1; pp = $7
  }
  END {
    if (n < 2) { print 0, 0, 0, 0, 0; exit }
    w = t2 - t1
    rt = 0
    if (due > 0) rt = 100 * (f2 - f1) / due
    printf "%.1f %.1f %.1f %.0f %.1f\n", 100 * (d2 - d1) / w, 100 * (s2 - s1) / w, 100 * (m2 - m1) / w, w, rt
  }' "$WORK/samples")
daemon_total=$(awk 'END { print $3 }' "$WORK/samples")

# The daemon's threads in the steady part, the busiest first: % of one core
# used, and % of the time they were runnable but waited for a CPU.
busiest_threads=$(awk -v w="$(awk -v a="${threads_t0:-0}" -v b="${threads_t1:-0}" 'BEGIN { print b - a }')" '
  FNR == NR { c0[$1] = $2; w0[$1] = $3; next }
  { if (w > 0) printf "%s %.0f%% (waited %.0f%%)\n", $1, 100 * ($2 - c0[$1]) / w, 100 * ($3 - w0[$1]) / w }' \
  "$WORK/threads0" "$WORK/threads1" 2>/dev/null | sort -k2 -rn | head -n 5 | paste -sd, - | sed 's/,/, /g')
stop_daemon
# The walks as the daemon logged them (calls.ivr_path): did the keys take them where planned?
db=$WORK/data/hotline.db
read -r cdrs kb_ok status_ok < <(sqlite3 -readonly -separator ' ' "$db" "
  SELECT count(*),
         sum(EXISTS (SELECT 1 FROM json_each(c.ivr_path) j WHERE json_extract(j.value, '$.node') = 'kb_office_guide'
                     AND json_extract(j.value, '$.out') LIKE '%done%')),
         sum(EXISTS (SELECT 1 FROM json_each(c.ivr_path) j WHERE json_extract(j.value, '$.node') = 'status_lookup'
                     AND json_extract(j.value, '$.out') LIKE '%found%'))
  FROM calls c WHERE c.dialled = '12345' AND c.started_at >= $run_started_ms")
walked=$((kb_ok + status_ok))

cpu_per_walk_steady=$(awk -v p="$daemon_pct" -v w="$WALK_SECONDS" -v c="$CONCURRENT" 'BEGIN { printf "%.1f", 10 * p * w / c }')
cpu_per_walk_all=$(ratio "$(awk -v c="$daemon_total" 'BEGIN { print c * 1000 }')" "$ok" 1)
hit_rate=$(awk -v h="$tts_hits" -v m="$tts_miss" 'BEGIN { if (h + m == 0) print "-"; else printf "%.2f", 100 * h / (h + m) }')

cat <<EOF

== IVR walks: hotlined, 12345 flow, $CONCURRENT concurrent callers planned, walks of $WALK_SECONDS s
calls started           $started of $planned planned (sipp), $ok completed, $failed failed (kb walk $kb_done/$kb_failed, status walk $st_done/$st_failed)
walks as planned        $walked of $ok completed calls (kb article read: $kb_ok, status found and read: $status_ok; CDRs: $cdrs)
keys heard              $digits of $keys_sent sent (RFC 4733)
steady part             ${window} s: calls in progress min $active_min, median $active_med, max $active_max; prompts played at ${realtime} % of real time
daemon CPU              ${daemon_pct} % (of one core; 200 % = both cores), ${cpu_per_walk_steady} ms CPU per walk (steady), ${cpu_per_walk_all} ms per walk (whole run)
daemon threads          ${busiest_threads:-not measured}
sipp CPU                ${sipp_pct} %
machine busy            ${machine_pct} % of 200 % (all processes); load average after: $load_after
TTS cache               $tts_hits hits, $tts_miss renderings: hit rate ${hit_rate} % (after a warm-up call of each walk, which rendered $warm_renderings)
EOF
[[ $failed -eq 0 && $started -eq $planned && $walked -eq $ok ]] || { echo "RESULT: FAILED (failed calls or walks that went wrong)"; exit 1; }
echo "RESULT: ok"
