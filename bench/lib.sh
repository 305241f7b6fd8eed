# shellcheck shell=bash
# Shared by http.sh and ws-fanout.sh (sourced, not run): build the Release
# hotlined, start it on a free loopback port with a throw-away data dir, log
# in, read its CPU time, stop it. Set HOTLINED=/path/to/hotlined to skip the build.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=""  # made by start_daemon, after the build
ADMIN_PASSWORD="bench-$RANDOM$RANDOM"
DAEMON_PID=""
BASE=""
TOKEN=""
CLEANUP_HOOKS=()  # functions run first by cleanup, with its exit status (additions by sip-rate.sh and rtp-concurrency.sh)
SIP_EXTRA=""      # more members of the daemon's "sip" config object, e.g. '"max_requests_per_second":1000000'

die() { echo "bench: $*" >&2; exit 1; }

need() { for c in "$@"; do command -v "$c" >/dev/null || die "missing '$c' (see bench/README.md)"; done; }

# True while the daemon runs (a zombie, exited but not yet waited for, is not running).
alive() {
  [[ -n $DAEMON_PID && -r /proc/$DAEMON_PID/stat ]] || return 1
  local stat
  stat=$(<"/proc/$DAEMON_PID/stat")
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

cleanup() {
  local rc=$? i h
  for h in "${CLEANUP_HOOKS[@]}"; do "$h" "$rc" || true; done
  if alive; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive || break; sleep 0.1; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
  fi
  if ((rc != 0)) && [[ -n $WORK && -f $WORK/daemon.log ]]; then
    echo "--- last lines of the daemon log ---" >&2
    tail -n 30 "$WORK/daemon.log" >&2
  fi
  [[ -z $WORK || -n ${BENCH_KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The same Release build as scripts/build release (build/release, shared ccache).
build_release() {
  if [[ -n ${HOTLINED:-} ]]; then return; fi
  local out
  out=$(HOTLINE_JOBS=${JOBS:-2} "$ROOT/scripts/build" release hotlined 2>&1) || { tail -n 30 <<<"$out" >&2; die "building hotlined failed"; }
  HOTLINED=$ROOT/build/release/src/hotlined
}

# $1: extra top-level config members, e.g. '"websocket":{"max_connections":5000}'.
# HTTP and SIP listen on port 0; the HTTP port the kernel chose is read from
# the ready line.
start_daemon() {
  local port="" i
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-hotlined.XXXXXX")
  printf '{"http":{"listen":"127.0.0.1:0"},"sip":{"listen":"127.0.0.1:0"%s},"log":{"level":"info"}%s}\n' \
    "${SIP_EXTRA:+,$SIP_EXTRA}" "${1:+,$1}" >"$WORK/hotlined.json"
  : >"$WORK/daemon.log"  # now, not in the background job, so the loop below can read it at once
  HOTLINE_ADMIN_PASSWORD=$ADMIN_PASSWORD "$HOTLINED" --config "$WORK/hotlined.json" --data-dir "$WORK/data" \
    >>"$WORK/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for ((i = 0; i < 200; i++)); do
    port=$(sed -n 's/.*event=daemon\.ready .*http=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/daemon.log")
    [[ -n $port ]] && break
    alive || die "hotlined exited during start-up"
    sleep 0.1
  done
  [[ -n $port ]] || die "hotlined did not become ready within 20 s"
  BASE=http://127.0.0.1:$port
  echo "hotlined $("$HOTLINED" version | cut -d' ' -f2-) pid $DAEMON_PID on $BASE"
}

login() {
  local body
  body=$(curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    -d "{\"job_number\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$BASE/api/v1/auth/login") ||
    die "login failed"
  TOKEN=$(jq -r .token <<<"$body")
  [[ -n $TOKEN && $TOKEN != null ]] || die "login answered no token: $body"
}

# The daemon's user+system CPU time so far, in seconds (fields 14 and 15 of
# /proc/PID/stat, counted after the ")" that ends the command name).
daemon_cpu_seconds() {
  local stat
  stat=$(<"/proc/$DAEMON_PID/stat")
  stat=${stat##*) }
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($12 + $13) / hz }' <<<"$stat"
}

# SIGTERM, then wait up to 15 s (the daemon drains for at most 10 s).
stop_daemon() {
  local i rc=0
  kill -TERM "$DAEMON_PID"
  for ((i = 0; i < 150; i++)); do alive || break; sleep 0.1; done
  alive && die "hotlined did not stop within 15 s of SIGTERM"
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=""
  ((rc == 0)) || die "hotlined exited with status $rc"
  local problems
  problems=$(grep -cE '^[^ ]+ (warning|error|critical) ' "$WORK/daemon.log" || true)
  if ((problems > 0)); then
    echo "the daemon logged $problems warnings/errors; the first ones:"
    { grep -E '^[^ ]+ (warning|error|critical) ' "$WORK/daemon.log" || true; } | head -n 10 || true  # SIGPIPE under pipefail
  fi
}

# ---- Added for the switching-core benchmarks (sip-rate.sh, rtp-concurrency.sh) ----

BG_PIDS=()  # processes a script started (peers, sipp, generators); ended by the cleanup hook below

# Ends, by id, every process in BG_PIDS that still runs (TERM, then KILL after 5 s).
stop_bg_pids() {
  local p="" i
  ((${#BG_PIDS[@]} > 0)) || return 0
  for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    for p in "${BG_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && break; p=""; done
    [[ -z $p ]] && break
    sleep 0.1
  done
  for p in "${BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
CLEANUP_HOOKS+=(stop_bg_pids)

# $1: pid. TERM, wait up to $2 seconds (default 10), then KILL; reaps it when it is our child.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < ${2:-10} * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Installs the Debian packages among "$@" that are missing (apt-get, non-interactive),
# without letting their services start (policy-rc.d says no while installing).
apt_ensure() {
  local missing=() p made_policy=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  ((EUID == 0)) || die "missing Debian packages: ${missing[*]} (apt-get install them, or run as root)"
  echo "installing ${missing[*]} with apt-get"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >"${TMPDIR:-/tmp}/bench-apt.log" 2>&1; then
    timeout 300 apt-get update -q >>"${TMPDIR:-/tmp}/bench-apt.log" 2>&1 || true
    timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >>"${TMPDIR:-/tmp}/bench-apt.log" 2>&1 ||
      { [[ -z $made_policy ]] || rm -f /usr/sbin/policy-rc.d; tail -n 20 "${TMPDIR:-/tmp}/bench-apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
  [[ -z $made_policy ]] || rm -f /usr/sbin/policy-rc.d
}

# A scratch dir for the peers' files when the daemon did not make WORK (removed by cleanup).
ensure_work() {
  [[ -n $WORK ]] || WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-hotlined.XXXXXX")
}

# A loopback port (10000..19999) with no UDP or TCP socket on it now.
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((10000 + RANDOM % 10000))
    [[ -z $(ss -Hanu "sport = :$p" 2>/dev/null) && -z $(ss -Hant "sport = :$p" 2>/dev/null) ]] && { echo "$p"; return; }
  done
  die "no free port found"
}

# User+system CPU seconds of $1 and all its descendants (threads included:
# /proc/PID/stat counts all of a process's threads), e.g. kamailio's children.
tree_cpu_seconds() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" -v hz="$(getconf CLK_TCK)" '
    { pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " "); ppid[pid] = f[2]; t[pid] = f[12] + f[13] }
    END {
      for (p in t) {
        q = p
        for (n = 0; n < 64 && q != root && (q in ppid); n++) q = ppid[q]
        if (q == root) s += t[p]
      }
      printf "%.2f\n", s / hz
    }'
}

# Resident memory of one process in kB (VmRSS).
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# The daemon's SIP port, from its "event=sip.listening address=127.0.0.1:PORT" log line.
sip_port() {
  sed -n 's/.*event=sip\.listening address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/daemon.log" | head -n 1
}

# $1: path, $2: JSON body. POST as the logged-in admin; prints the answer.
api_post() {
  curl -fsS --max-time 10 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2" "$BASE$1"
}

# "a / b" with $3 decimals, or "-" when b is 0 or either is not a number.
ratio() {
  awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) { print "-"; exit }
    printf "%.*f\n", d, a / b }'
}

# Busy CPU seconds of the whole machine so far, all cores (/proc/stat: all but idle and iowait).
machine_busy_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}

# Waits (up to $1 seconds, default 60) until the machine has been below 10 % busy
# for 3 s; warns when it never is: other work on the machine skews every figure.
wait_idle() {
  local i b0 b1 busy
  for ((i = 0; i < ${1:-60}; i += 3)); do
    b0=$(machine_busy_seconds); sleep 3; b1=$(machine_busy_seconds)
    busy=$(awk -v a="$b0" -v b="$b1" -v n="$(nproc)" 'BEGIN { printf "%.0f", 100 * (b - a) / (3 * n) }')
    ((busy < 10)) && return 0
  done
  echo "bench: warning: the machine is still ${busy}% busy with other work; figures will be low" >&2
}

# Priority of the server and the load generators (root only): a build or test
# run on the same machine then takes less of their CPU. 0 leaves it alone.
if ((EUID == 0)); then BENCH_NICE=${BENCH_NICE:--10}; else BENCH_NICE=${BENCH_NICE:-0}; fi

# Sets the nice value BENCH_NICE on every thread of $1 and of its descendants.
renice_tree() {
  ((BENCH_NICE != 0)) || return 0
  local p t pids
  pids=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '
    { pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " "); ppid[pid] = f[2] }
    END { for (p in ppid) { q = p; for (n = 0; n < 64 && q != root && (q in ppid); n++) q = ppid[q]; if (q == root) print p } }')
  for p in $pids; do
    for t in /proc/"$p"/task/*; do renice -n "$BENCH_NICE" -p "${t##*/}" >/dev/null 2>&1 || true; done
  done
}
