#!/usr/bin/env bash
# Concurrent bridged calls with every call recorded (stereo WAV through the
# rec-writer thread) against the same calls unrecorded, same generator, same
# run: the highest count with < 0.1 % packet loss and no recorder backlog,
# CPU, RSS, disk write rate, and the ratio recorded/unrecorded (target >= 0.8,
# >= 750 recorded calls). Same knobs as bench/rtp-concurrency.sh.
set -euo pipefail
export SERVERS=${SERVERS:-"hotlined-rec hotlined"}
exec "$(dirname "${BASH_SOURCE[0]}")/rtp-concurrency.sh" "$@"
