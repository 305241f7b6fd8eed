#!/usr/bin/env bash
# HTTP throughput and latency of the Release hotlined: wrk against GET /healthz
# (no auth, no database) and GET /api/v1/auth/me (Bearer token, one SQLite read).
# Usage: bench/http.sh            (env: DURATION=15s CONNECTIONS=64 THREADS=2)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}

need wrk curl jq awk
build_release
start_daemon ''
login

# $1: name, $2: path, rest: extra wrk arguments.
run_wrk() {
  local name=$1 path=$2 out=$WORK/wrk-$1.txt cpu0 cpu1
  shift 2
  curl -fsS --max-time 5 -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE$path" || die "$path does not answer 200"
  cpu0=$(daemon_cpu_seconds)
  timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency "$@" "$BASE$path" >"$out" ||
    { cat "$out"; die "wrk failed on $path"; }
  cpu1=$(daemon_cpu_seconds)
  alive || die "hotlined died during the $path run"
  awk -v name="$name" -v cpu0="$cpu0" -v cpu1="$cpu1" '
    /^Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    / requests in / { total = $1 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { sub(/^ *Socket errors: */, ""); errors = $0 }
    END {
      printf "%-8s %10s req/s  p50 %8s  p99 %8s  %9s requests  daemon CPU %5.1f s", name, rps, p50, p99, total, cpu1 - cpu0
      if (bad) printf "  NON-2XX %s", bad
      if (errors) printf "  socket errors: %s", errors
      printf "\n"
    }' "$out"
  if grep -q 'Non-2xx' "$out"; then cat "$out"; die "$path answered errors under load"; fi
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $(nproc) cores shared by wrk and hotlined"
run_wrk healthz /healthz
export HOTLINE_TOKEN=$TOKEN
run_wrk auth-me /api/v1/auth/me -s "$BENCH_DIR/wrk-auth.lua"
echo "daemon CPU total $(daemon_cpu_seconds) s over $(ps -o etimes= -p "$DAEMON_PID" | tr -d ' ') s of wall time"
stop_daemon
