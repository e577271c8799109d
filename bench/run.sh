#!/usr/bin/env bash
# make bench: every benchmark, figures printed to stdout and kept in bench/out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"
seconds=${BENCH_SECONDS:-5}
echo "== polysim serving rate"
"$root/build/bench/sim_load" "$seconds" | tee "$out/sim_load.txt"
