#!/usr/bin/env bash
# WebSocket fan-out: CLIENTS WebSockets on the Release hotlined, ROUNDS notices
# broadcast one after another, delivery latency per client (see ws_fanout.mjs).
# Usage: bench/ws-fanout.sh            (env: CLIENTS=2000 ROUNDS=5)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=${CLIENTS:-2000}
ROUNDS=${ROUNDS:-5}

need node npm curl jq
# One descriptor per client in the Node process (hotlined raises its own limit).
if (($(ulimit -n) < CLIENTS + 256)); then
  ulimit -n $((CLIENTS + 1024)) || die "cannot raise 'ulimit -n' to $((CLIENTS + 1024))"
fi
if [[ ! -d $BENCH_DIR/node_modules/ws ]]; then
  (cd "$BENCH_DIR" && npm install --no-audit --no-fund) || die "npm install failed"
fi
build_release
start_daemon "\"websocket\":{\"max_connections\":$((CLIENTS + 1000))}"
login

cpu0=$(daemon_cpu_seconds)
HOTLINE_TOKEN=$TOKEN timeout 600 node "$BENCH_DIR/ws_fanout.mjs" "$BASE" "$CLIENTS" "$ROUNDS" ||
  die "the fan-out run failed"
cpu1=$(daemon_cpu_seconds)
alive || die "hotlined died during the run"
awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "daemon CPU during the run: %.2f s\n", b - a }'
stop_daemon
