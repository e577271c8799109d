#!/usr/bin/env bash
# make bench: every benchmark, figures printed to stdout and kept in bench/out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out"
seconds=${BENCH_SECONDS:-5}
echo "== polysim serving rate"
"$root/build/bench/sim_load" "$seconds" | tee "$out/sim_load.txt"

echo "== polysim memory: a universe of ~100M trades against one of ~10k"
rss_of() {
  local dir port pid rss
  dir=$(mktemp -d)
  "$root/build/polysim" --port 0 --port-file "$dir/port" "$@" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
  port=$(cat "$dir/port")
  trades=$(curl -fsS "http://127.0.0.1:$port/__sim/truth?detail=false" |
           python3 -c 'import json,sys; print(json.load(sys.stdin)["datasets"]["trades"])')
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  printf "  %-48s trades %'14d  RSS %'8d kB\n" "$*" "$trades" "$rss"
}
{
  rss_of --markets 1000 --mean-trades 10 --heavy-markets 0
  rss_of --markets 1000 --mean-trades 10 --heavy-markets 100 --heavy-trades 1000000
} | tee "$out/sim_memory.txt"
