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
  local rc=$? i
  if alive; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive || break; sleep 0.1; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
  fi
  if ((rc != 0)) && [[ -n $WORK && -f $WORK/daemon.log ]]; then
    echo "--- last lines of the daemon log ---" >&2
    tail -n 30 "$WORK/daemon.log" >&2
  fi
  [[ -z $WORK ]] || rm -rf "$WORK"
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
  printf '{"http":{"listen":"127.0.0.1:0"},"sip":{"listen":"127.0.0.1:0"},"log":{"level":"info"}%s}\n' \
    "${1:+,$1}" >"$WORK/hotlined.json"
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
    grep -E '^[^ ]+ (warning|error|critical) ' "$WORK/daemon.log" | head -n 10
  fi
}
